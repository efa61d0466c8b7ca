import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type TokenCredential } from '@azure/identity';
import {
  type AuthenticationProvider,
  AuthenticationHandler,
  Client,
  type Middleware,
  ResponseType,
} from '@microsoft/microsoft-graph-client';
import { createCredential } from './credential';
import { sharedToken } from './sharedToken';
import { GraphRequestError } from './errors';
import {
  CredentialFailure,
  errorFromResponse,
  errorFromUnexpected,
  malformedResponseError,
} from './errorMapping';
import { type GraphCallOptions, type GraphGateway, type GraphUser } from './gateway';
import {
  CallState,
  FetchTransport,
  type FetchLike,
  type GatewayLogger,
  ResilienceMiddleware,
  TransmitMarker,
} from './middleware';
import { isPhoneType, PHONE_METHOD_IDS, type PhoneMethod, type PhoneType } from './phoneMethods';
import { type Parsed, parsePhoneMethod, parsePhoneMethodList, parseUser } from './responses';
import { type GraphSettings } from './settings';
import { type BackoffPolicy, processThrottleState, type ThrottleState } from './throttle';
import { phoneMethodPath, phoneMethodsPath, selectValue, userPath } from './userPath';

export { type FetchLike, type GatewayLogger } from './middleware';

/** What production takes from the platform and tests replace. Every field is optional. */
export interface GatewayDeps {
  /** Token source; default `createCredential(settings.auth)`. */
  credential?: TokenCredential;
  /** `fetch`-level transport; default Node's global `fetch`. */
  fetch?: FetchLike;
  /** Final middleware instead of the fetch transport (e.g. the Graph client's `ChaosHandler`). */
  transport?: Middleware;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Waits (retry delays, throttle gate, write limiter); must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1), for back-off jitter; default `Math.random`. */
  random?: () => number;
  /** `client-request-id` for calls that don't bring one; default `crypto.randomUUID`. */
  newClientRequestId?: () => string;
  logger?: GatewayLogger;
  /** Throttle gate and write limiter; default shared by every gateway of this process for the same Graph + identity. */
  throttle?: ThrottleState;
  backoff?: BackoffPolicy;
}

/**
 * The Graph gateway (DESIGN.md §6) on `@microsoft/microsoft-graph-client` with our own middleware chain:
 * retries/throttling → the client's `AuthenticationHandler` (token from `@azure/identity`) → a marker that
 * the attempt left the process → fetch.
 *
 * Throws at once (plain `Error`) when `settings` cannot work: that is a configuration bug, not a Graph failure.
 */
export function createGraphGateway(
  settings: GraphSettings,
  deps: GatewayDeps = {},
): GraphGateway & GraphCaller {
  const base = checkSettings(settings);
  const credential = sharedToken(deps.credential ?? createCredential(settings.auth), {
    now: deps.now ?? Date.now,
    // No caller waits longer than one request timeout for a token; a request pending longer is hung.
    maxPendingMs: settings.requestTimeoutMs,
  });
  const throttle = deps.throttle ?? processThrottleState(quotaKey(settings, base.root), settings.writeLimit);
  const resilience = new ResilienceMiddleware({
    maxAttempts: settings.maxAttempts,
    maxRetryAfterWaitMs: settings.maxRetryAfterWaitMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    gate: throttle.gate,
    writeLimiter: throttle.writeLimiter,
    pacer: throttle.pacer,
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? defaultSleep,
    random: deps.random ?? Math.random,
    backoff: deps.backoff,
    logger: deps.logger,
    onTokenTimeout: () => credential.abandonPending(),
  });
  const auth = new AuthenticationHandler(bearerTokenProvider(failuresTagged(credential), settings.scope));
  const transport = deps.transport ?? new FetchTransport(deps.fetch ?? ((url, init) => fetch(url, init)));
  const client = Client.initWithMiddleware({
    baseUrl: base.root,
    defaultVersion: base.version,
    middleware: [resilience, auth, new TransmitMarker(), transport],
    // The client attaches the token only to Graph's own hosts and these (https only); the base URL's host
    // may be a national cloud or the local emulator.
    customHosts: new Set([base.hostname]),
  });
  return new ClientGateway(client, deps.now ?? Date.now, deps.newClientRequestId ?? randomUUID, deps.logger);
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Exchange {
  operation: string;
  method: Method;
  path: string;
  select?: string;
  body?: Record<string, unknown>;
  options?: GraphCallOptions;
}

/** One raw Graph answer, for modules that parse their own resources (lib/graph/directoryApi.ts). */
export interface GraphAnswer {
  status: number;
  headers: Headers;
  bodyText: string;
  clientRequestId: string;
}

/**
 * The gateway's transport (token, retries, throttling, write limiter, client-request-id) for calls other
 * than the phone-method ones. `path` is relative to the base URL or an absolute link Graph handed out
 * (e.g. a delta `nextLink`); callers build paths from escaped segments only.
 */
export interface GraphCaller {
  send(
    operation: string,
    method: Method,
    path: string,
    body?: Record<string, unknown>,
    options?: GraphCallOptions,
  ): Promise<GraphAnswer>;
}

interface Answer {
  status: number;
  headers: Headers;
  bodyText: string;
  call: CallState;
}

const PRIORITY_HEADER_VALUES: Readonly<Record<string, string>> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High',
};
/** Printable ASCII without spaces: what a header value that is an id may hold. */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_PHONE_NUMBER_LENGTH = 64;

class ClientGateway implements GraphGateway, GraphCaller {
  constructor(
    private readonly client: Client,
    private readonly now: () => number,
    private readonly newClientRequestId: () => string,
    private readonly logger: GatewayLogger | undefined,
  ) {}

  getUser(userKey: string, select: readonly string[], options?: GraphCallOptions): Promise<GraphUser> {
    return this.guard('getUser', async () => {
      const answer = await this.exchange({
        operation: 'getUser',
        method: 'GET',
        path: userPath(userKey),
        select: selectValue(select),
        options,
      });
      return this.successBody('getUser', answer, parseUser);
    });
  }

  listPhoneMethods(userId: string, options?: GraphCallOptions): Promise<PhoneMethod[]> {
    return this.guard('listPhoneMethods', async () => {
      const answer = await this.exchange({
        operation: 'listPhoneMethods',
        method: 'GET',
        path: phoneMethodsPath(userId),
        options,
      });
      const list = this.successBody('listPhoneMethods', answer, parsePhoneMethodList);
      if (list.skippedTypes.length > 0) {
        (options?.logger ?? this.logger)?.warn(
          'Graph returned phone methods of unknown types; they were left out',
          {
            operation: 'listPhoneMethods',
            types: list.skippedTypes.join(','),
            clientRequestId: answer.call.clientRequestId,
          },
        );
      }
      return list.methods;
    });
  }

  createPhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<PhoneMethod> {
    return this.guard('createPhoneMethod', async () => {
      const path = phoneMethodsPath(userId);
      checkPhoneTypeArgument(phoneType);
      checkPhoneNumberArgument(phoneNumber);
      const answer = await this.exchange({
        operation: 'createPhoneMethod',
        method: 'POST',
        path,
        body: { phoneNumber, phoneType },
        options,
      });
      this.throwUnlessSuccess('createPhoneMethod', answer);
      const created = parsePhoneMethod(answer.bodyText);
      if (created.ok) return created.value;
      // The method exists (Graph said 201); an unreadable echo must not turn that into a failure.
      (options?.logger ?? this.logger)?.warn(
        'Graph created the phone method but its answer was unreadable; using the request',
        {
          operation: 'createPhoneMethod',
          status: answer.status,
          clientRequestId: answer.call.clientRequestId,
        },
      );
      return { id: PHONE_METHOD_IDS[phoneType], phoneNumber, phoneType };
    });
  }

  updatePhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<void> {
    return this.guard('updatePhoneMethod', async () => {
      const path = phoneMethodPath(userId, phoneType);
      checkPhoneNumberArgument(phoneNumber);
      const answer = await this.exchange({
        operation: 'updatePhoneMethod',
        method: 'PATCH',
        path,
        // phoneType must equal the method's type (it can't be changed); sending it documents the intent.
        body: { phoneNumber, phoneType },
        options,
      });
      this.throwUnlessSuccess('updatePhoneMethod', answer);
    });
  }

  deletePhoneMethod(userId: string, phoneType: PhoneType, options?: GraphCallOptions): Promise<void> {
    return this.guard('deletePhoneMethod', async () => {
      const answer = await this.exchange({
        operation: 'deletePhoneMethod',
        method: 'DELETE',
        path: phoneMethodPath(userId, phoneType),
        options,
      });
      // A DELETE retried after an attempt whose fate we never learned finds nothing to delete: the first
      // attempt did it. Reporting notFound there would call a successful removal a failure.
      if (answer.status === 404 && answer.call.ambiguousAttempt) {
        (options?.logger ?? this.logger)?.warn(
          'Graph phone method already gone after an unanswered delete attempt',
          {
            operation: 'deletePhoneMethod',
            attempts: answer.call.attempts,
            clientRequestId: answer.call.clientRequestId,
          },
        );
        return;
      }
      this.throwUnlessSuccess('deletePhoneMethod', answer);
    });
  }

  send(
    operation: string,
    method: Method,
    path: string,
    body?: Record<string, unknown>,
    options?: GraphCallOptions,
  ): Promise<GraphAnswer> {
    return this.guard(operation, async () => {
      const answer = await this.exchange({ operation, method, path, body, options });
      const { status, headers, bodyText } = answer;
      return { status, headers, bodyText, clientRequestId: answer.call.clientRequestId };
    });
  }

  /** Sends one logical call (retries happen inside the middleware) and returns the final HTTP answer. */
  private async exchange(exchange: Exchange): Promise<Answer> {
    const { operation, method, options } = exchange;
    const clientRequestId = options?.clientRequestId ?? this.newClientRequestId();
    if (!CLIENT_REQUEST_ID.test(clientRequestId)) {
      throw new GraphRequestError(`${operation}: clientRequestId is not a valid header value`, {
        kind: 'invalid',
        status: 0,
        code: 'InvalidClientRequestId',
      });
    }
    const call = new CallState(operation, method, clientRequestId, options?.signal, options?.logger);
    let request = this.client
      .api(exchange.path)
      .header('client-request-id', clientRequestId)
      .header('Accept', 'application/json')
      .middlewareOptions([call])
      .responseType(ResponseType.RAW);
    const priority = options?.priority === undefined ? undefined : PRIORITY_HEADER_VALUES[options.priority];
    if (priority !== undefined) request = request.header('x-ms-throttle-priority', priority);
    if (exchange.select !== undefined) request = request.query({ $select: exchange.select });

    let raw: unknown;
    try {
      // POST and PATCH set `Content-Type: application/json` and serialize the body.
      if (method === 'GET') raw = await request.get();
      else if (method === 'POST') raw = await request.post(exchange.body);
      else if (method === 'PATCH') raw = await request.patch(exchange.body);
      else raw = await request.delete();
    } catch (error) {
      throw call.failure ?? errorFromUnexpected(operation, error, clientRequestId);
    }
    if (!(raw instanceof Response))
      throw errorFromUnexpected(operation, new Error('no HTTP response'), clientRequestId);
    return { status: raw.status, headers: raw.headers, bodyText: await raw.text(), call };
  }

  private throwUnlessSuccess(operation: string, answer: Answer): void {
    if (answer.status >= 200 && answer.status < 300) return;
    throw errorFromResponse({
      operation,
      status: answer.status,
      headers: answer.headers,
      bodyText: answer.bodyText,
      clientRequestId: answer.call.clientRequestId,
      nowMs: this.now(),
    });
  }

  private successBody<T>(operation: string, answer: Answer, parse: (bodyText: string) => Parsed<T>): T {
    this.throwUnlessSuccess(operation, answer);
    const parsed = parse(answer.bodyText);
    if (parsed.ok) return parsed.value;
    throw malformedResponseError({
      operation,
      status: answer.status,
      why: parsed.why,
      retryable: parsed.retryable,
      requestId: answer.headers.get('request-id') ?? undefined,
      clientRequestId: answer.call.clientRequestId,
    });
  }

  /** Whatever happens inside, callers only ever see `GraphRequestError`. */
  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw errorFromUnexpected(operation, error);
    }
  }
}

function checkPhoneTypeArgument(phoneType: PhoneType): void {
  if (!isPhoneType(phoneType)) {
    throw new GraphRequestError('Unknown phone type', {
      kind: 'invalid',
      status: 0,
      code: 'InvalidPhoneType',
    });
  }
}

function checkPhoneNumberArgument(phoneNumber: string): void {
  if (
    typeof phoneNumber !== 'string' ||
    phoneNumber.trim() === '' ||
    phoneNumber.length > MAX_PHONE_NUMBER_LENGTH
  ) {
    // Never echo the value: it is a phone number, or close to one.
    throw new GraphRequestError('The phone number argument is empty or too long', {
      kind: 'invalid',
      status: 0,
      code: 'InvalidPhoneNumberArgument',
    });
  }
}

/**
 * The client's `AuthenticationProvider` over our credential. The stock TokenCredentialAuthenticationProvider
 * builds an Error object (with a stack trace) on every call, whether or not anything fails: 1.5% of the
 * host's CPU in a 10,000-user benchmark.
 */
function bearerTokenProvider(credential: TokenCredential, scope: string): AuthenticationProvider {
  return {
    async getAccessToken(): Promise<string> {
      // failuresTagged (below) turns a null token into a CredentialFailure, so this never returns ''.
      return (await credential.getToken(scope))?.token ?? '';
    },
  };
}

/** Marks every token failure, so the middleware tells "no token" apart from "no connection". */
function failuresTagged(credential: TokenCredential): TokenCredential {
  return {
    async getToken(scopes, options) {
      let token;
      try {
        token = await credential.getToken(scopes, options);
      } catch (error) {
        throw new CredentialFailure(error);
      }
      if (token === null) throw new CredentialFailure(new Error('the credential returned no token'));
      return token;
    },
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal === undefined ? undefined : { signal });
}

interface BaseUrlParts {
  /** Origin plus any path before the version, e.g. `https://graph.microsoft.com`. */
  root: string;
  /** The last path segment, e.g. `v1.0`. */
  version: string;
  hostname: string;
}

function checkSettings(settings: GraphSettings): BaseUrlParts {
  let url: URL;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    throw new Error('GraphSettings.baseUrl is not a URL');
  }
  if (url.protocol !== 'https:') {
    // The Graph client sends the bearer token over https only (and we would not send it in clear text).
    throw new Error('GraphSettings.baseUrl must be an https URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error('GraphSettings.baseUrl must not carry a query, fragment or credentials');
  }
  if (typeof settings.scope !== 'string' || settings.scope === '')
    throw new Error('GraphSettings.scope is empty');
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new Error('GraphSettings.maxAttempts must be an integer >= 1');
  }
  if (!(settings.maxRetryAfterWaitMs >= 0)) throw new Error('GraphSettings.maxRetryAfterWaitMs must be >= 0');
  if (!(settings.requestTimeoutMs > 0)) throw new Error('GraphSettings.requestTimeoutMs must be > 0');
  if (!(settings.writeLimit.writes > 0) || !(settings.writeLimit.perMs > 0)) {
    throw new Error('GraphSettings.writeLimit needs writes > 0 and perMs > 0');
  }
  const segments = url.pathname.replace(/\/+$/, '').split('/');
  const version = segments.pop() ?? '';
  return { root: url.origin + segments.join('/'), version, hostname: url.hostname.toLowerCase() };
}

/** Graph's limits are per app + tenant: gateways for the same Graph and identity share one budget. */
function quotaKey(settings: GraphSettings, root: string): string {
  const auth = settings.auth;
  const tenant = auth.mode === 'managedIdentity' ? '' : auth.tenantId;
  return `${root}|${auth.mode}|${tenant}|${auth.clientId ?? ''}`;
}
