import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FunctionInfo } from '../app/functionCatalog';
import { DURABLE_RPC_PATH, DURABLE_WEBHOOK_PATH, type ClientBindingSettings } from '../durable/clientBinding';
import type { DurableEngine } from '../durable/engine';
import { handleManagementRequest } from '../durable/managementApi';
import { describeError, type Invoker } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import type { TriggerDispatcher } from '../triggers/dispatcher';
import { handleAdminRequest } from './adminApi';
import {
  guardBody,
  KESTREL_BODY_LIMITS,
  readGuardedBody,
  type BodyLimits,
  type BodyViolation,
} from './bodyGuard';
import { handleEventGridWebhook } from './eventGridWebhook';
import { fromHttpInvocation, toRpcHttpRequest } from './httpTrigger';
import { empty, headerValue, type HostRequest, type HostResponse } from './httpTypes';
import {
  DURABLE_SYSTEM_KEY,
  EVENT_GRID_SYSTEM_KEY,
  isAuthorized,
  presentedKey,
  type HostKeys,
  type KeyScope,
} from './keys';
import { guardRequest, HEADERS_TIMEOUT_MS, MAX_HEADER_BYTES } from './requestGuards';
import { comparePrecedence, matchRoute, parseRouteTemplate, type RouteTemplate } from './routeTemplate';
import { openProxyRequest, responseHeaders, streamTriggerMetadata } from './streamProxy';

export interface HostServerDeps {
  readonly catalog: ReadonlyMap<string, FunctionInfo>;
  readonly invoker: Invoker;
  readonly dispatcher: TriggerDispatcher;
  readonly engine: DurableEngine;
  readonly keys: HostKeys;
  readonly enforceKeys: boolean;
  readonly routePrefix: string;
  readonly clientSettings: () => ClientBindingSettings;
  readonly logger: HostLogger;
  readonly hostId: string;
  readonly startedAt: number;
  /** Requests wait for this (appStart hooks, durable resume) before they reach a function. */
  readonly whenReady: Promise<void>;
  /** The worker's HTTP stream server (`HttpUri` capability), when the app enabled HTTP streaming. */
  readonly httpStreamUri?: string | undefined;
  /** Body size and rate limits; Kestrel's by default (tests shorten the grace period). */
  readonly bodyLimits?: BodyLimits | undefined;
}

interface HttpRoute {
  readonly fn: FunctionInfo;
  readonly template: RouteTemplate;
  /** Upper-case methods; undefined = any method. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly authLevel: string;
}

export function buildHttpRoutes(catalog: ReadonlyMap<string, FunctionInfo>): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of catalog.values()) {
    if (fn.kind !== 'http' || fn.error || fn.disabled) continue;
    const route = typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name;
    const methods = fn.trigger['methods'];
    const authLevel = fn.trigger['authLevel'];
    routes.push({
      fn,
      template: parseRouteTemplate(route),
      methods: Array.isArray(methods)
        ? new Set(methods.filter((m): m is string => typeof m === 'string').map((m) => m.toUpperCase()))
        : undefined,
      authLevel: typeof authLevel === 'string' ? authLevel.toLowerCase() : 'function',
    });
  }
  return routes.sort((a, b) => comparePrecedence(a.template, b.template));
}

/**
 * One server for every door: `/<routePrefix>/*` HTTP triggers, `/admin/*`, the Event Grid webhook, the Durable
 * webhook `/runtime/webhooks/durabletask/*` and the Durable RPC base `/durabletask/*` (one handler for both).
 *
 * Order of checks, as on the real host: request line and headers (400/414/413 on what is declared), route
 * and key (401) — all before a body byte is read — then the body, watched for size and rate (413/408).
 */
export function createHostServer(deps: HostServerDeps): Server {
  const routes = buildHttpRoutes(deps.catalog);
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS },
    (req, res) => {
      void serve(deps, routes, req, res);
    },
  );
  return server;
}

/** What a request resolves to before its body is read. */
type Resolved =
  | { kind: 'answer'; response: HostResponse }
  | { kind: 'buffered'; handle: (request: HostRequest) => Promise<HostResponse> }
  | { kind: 'trigger'; route: HttpRoute; params: Record<string, string> };

async function serve(
  deps: HostServerDeps,
  routes: HttpRoute[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = safeTarget(req.url);
  try {
    const guard = guardRequest(req.method, req.url, req.headers, req.httpVersion);
    if (!guard.ok) {
      deps.logger.log('warn', `Host: refused ${req.method ?? ''} ${target}: ${guard.status} ${guard.reason}`);
      return refuse(res, empty(guard.status));
    }
    // The caller's Host is checked, never trusted: URLs the host hands out use its own address.
    const origin = deps.clientSettings().origin;
    const url = targetUrl(req.url, origin);
    if (url === undefined) return refuse(res, empty(400));
    const head: HostRequest = {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      body: EMPTY_BODY,
      origin,
      remoteAddress: req.socket.remoteAddress,
    };
    await deps.whenReady;
    const resolved = resolve(deps, routes, head);
    if (resolved.kind === 'answer') return refuse(res, resolved.response);
    if (resolved.kind === 'trigger' && deps.httpStreamUri !== undefined) {
      return await streamTrigger(deps, resolved, head, req, res, deps.httpStreamUri);
    }
    const read = await readGuardedBody(req, deps.bodyLimits ?? KESTREL_BODY_LIMITS);
    if (!read.ok) {
      deps.logger.log(
        'warn',
        `Host: refused ${head.method} ${target}: ${read.violation.status} ${read.violation.reason}`,
      );
      return refuse(res, empty(read.violation.status));
    }
    const request = { ...head, body: read.body };
    const response =
      resolved.kind === 'buffered'
        ? await resolved.handle(request)
        : await invokeTrigger(deps, resolved, request);
    writeResponse(res, response);
  } catch (error) {
    deps.logger.log('error', `Host: request ${req.method ?? ''} ${target} failed: ${describeError(error)}`);
    refuse(res, empty(500));
  }
}

const EMPTY_BODY = Buffer.alloc(0);
/** How long a refused request's connection stays open for the answer to reach a caller still sending. */
const LINGER_MS = 1_000;

/**
 * The request target on the host's own origin. Origin-form (`/api/x`, also `//evil/x`, which is a path) is
 * appended as text so it can never name another host; absolute-form keeps only its path and query.
 */
function targetUrl(target: string | undefined, origin: string): URL | undefined {
  try {
    if (target === undefined || target === '') return new URL('/', origin);
    if (target.startsWith('/')) return new URL(`${origin}${target}`);
    if (/^https?:\/\//i.test(target)) {
      const absolute = new URL(target);
      return new URL(`${origin}${absolute.pathname}${absolute.search}`);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** The path only (no query: it may carry `code=`), shortened; for log lines. */
function safeTarget(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

/**
 * Answers without reading (the rest of) the body, and closes the connection after the answer the way
 * Kestrel and IIS do ("lingering close"): send the answer, half-close, keep reading and discarding for
 * LINGER_MS, then close. Closing at once would make the kernel reset a connection the caller is still
 * writing to, and a reset can discard the answer before the caller reads it.
 */
function refuse(res: ServerResponse, response: HostResponse): void {
  const req = res.req;
  if (req.complete) return writeResponse(res, response);
  const socket = req.socket;
  // Node calls destroySoon() after a `Connection: close` answer; make it a half-close with a linger.
  socket.destroySoon = function lingeringClose(this: typeof socket): void {
    this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
  req.resume();
  writeResponse(res, { ...response, headers: { ...response.headers, connection: 'close' } });
}

function resolve(deps: HostServerDeps, routes: HttpRoute[], request: HostRequest): Resolved {
  const path = request.url.pathname;
  const lower = path.toLowerCase();
  const answer = (status: number): Resolved => ({ kind: 'answer', response: empty(status) });

  if (lower === '/admin' || lower.startsWith('/admin/')) {
    if (!allowed(deps, request, { kind: 'admin' })) return answer(401);
    return {
      kind: 'buffered',
      handle: (full) =>
        handleAdminRequest(
          {
            catalog: deps.catalog,
            dispatcher: deps.dispatcher,
            engine: deps.engine,
            logger: deps.logger,
            hostId: deps.hostId,
            startedAt: deps.startedAt,
            routePrefix: deps.routePrefix,
          },
          full,
          path.slice('/admin'.length),
        ),
    };
  }
  if (lower === DURABLE_WEBHOOK_PATH || lower.startsWith(`${DURABLE_WEBHOOK_PATH}/`)) {
    if (!allowed(deps, request, { kind: 'system', systemKeyName: DURABLE_SYSTEM_KEY })) return answer(401);
    return {
      kind: 'buffered',
      handle: (full) =>
        handleManagementRequest(management(deps), full, path.slice(DURABLE_WEBHOOK_PATH.length)),
    };
  }
  if (lower === '/runtime/webhooks/eventgrid') {
    if (!allowed(deps, request, { kind: 'system', systemKeyName: EVENT_GRID_SYSTEM_KEY })) return answer(401);
    return {
      kind: 'buffered',
      handle: (full) => handleEventGridWebhook(deps.catalog, deps.dispatcher, full),
    };
  }
  if (lower.startsWith(DURABLE_RPC_PATH)) {
    // The extension's RPC listener is loopback-only and unauthenticated; keep it that way.
    if (!isLoopback(request.remoteAddress)) return answer(403);
    return {
      kind: 'buffered',
      handle: (full) =>
        handleManagementRequest(management(deps), full, path.slice(DURABLE_RPC_PATH.length - 1)),
    };
  }
  const prefix = deps.routePrefix.length > 0 ? `/${deps.routePrefix.toLowerCase()}` : '';
  if (prefix.length === 0 || lower === prefix || lower.startsWith(`${prefix}/`)) {
    return resolveTrigger(deps, routes, request, path.slice(prefix.length));
  }
  return answer(404);
}

function management(deps: HostServerDeps): { engine: DurableEngine; clientSettings: ClientBindingSettings } {
  return { engine: deps.engine, clientSettings: deps.clientSettings() };
}

function resolveTrigger(
  deps: HostServerDeps,
  routes: HttpRoute[],
  request: HostRequest,
  routePath: string,
): Resolved {
  const method = request.method.toUpperCase();
  for (const candidate of routes) {
    const params = matchRoute(candidate.template, routePath);
    if (!params || (candidate.methods && !candidate.methods.has(method))) continue;
    if (candidate.authLevel !== 'anonymous') {
      const scope: KeyScope =
        candidate.authLevel === 'admin' || candidate.authLevel === 'system'
          ? { kind: 'admin' }
          : { kind: 'function', functionName: candidate.fn.name };
      if (!allowed(deps, request, scope)) return { kind: 'answer', response: empty(401) };
    }
    return { kind: 'trigger', route: candidate, params };
  }
  return { kind: 'answer', response: empty(404) };
}

async function invokeTrigger(
  deps: HostServerDeps,
  resolved: { route: HttpRoute; params: Record<string, string> },
  request: HostRequest,
): Promise<HostResponse> {
  const fn = resolved.route.fn;
  const outcome = await deps.invoker.invoke({
    fn,
    inputData: [{ name: fn.triggerBindingName, data: { http: toRpcHttpRequest(request, resolved.params) } }],
    reason: 'This function was programmatically called via the host APIs.',
  });
  return fromHttpInvocation(fn, outcome.ok ? outcome.response : undefined);
}

/**
 * Stream mode: the body is piped to the worker's HTTP server as it arrives (with backpressure), watched by
 * the same limits; the function may answer before the body ends (a 413 from the app), and then the rest
 * is not read.
 */
async function streamTrigger(
  deps: HostServerDeps,
  resolved: { route: HttpRoute; params: Record<string, string> },
  head: HostRequest,
  req: IncomingMessage,
  res: ServerResponse,
  workerUri: string,
): Promise<void> {
  const fn = resolved.route.fn;
  const invocationId = randomUUID();
  const exchange = openProxyRequest(workerUri, {
    invocationId,
    method: head.method,
    pathAndQuery: `${head.url.pathname}${head.url.search}`,
    headers: req.headers,
    forwardedHost: head.url.host,
  });
  let violation: BodyViolation | undefined;
  const stopGuard = guardBody(req, deps.bodyLimits ?? KESTREL_BODY_LIMITS, (found) => {
    violation = found;
    req.unpipe(exchange.upstream);
    exchange.upstream.destroy(new Error(`request body refused: ${found.reason}`));
  });
  req.pipe(exchange.upstream);
  const outcome = deps.invoker
    .invoke({
      fn,
      inputData: [{ name: fn.triggerBindingName, data: { http: toRpcHttpRequest(head, resolved.params) } }],
      triggerMetadata: streamTriggerMetadata(req.headers, resolved.params),
      reason: 'This function was programmatically called via the host APIs.',
      invocationId,
    })
    .then((done) => done.ok);
  const first = await Promise.race([
    exchange.response.then(
      (response) => ({ kind: 'response' as const, response }),
      () => ({ kind: 'upstreamFailed' as const }),
    ),
    outcome.then(
      (ok) => ({ kind: 'invocation' as const, ok }),
      () => ({ kind: 'invocation' as const, ok: false }),
    ),
  ]);
  let response: IncomingMessage | undefined;
  if (first.kind === 'response') response = first.response;
  // In stream mode the library sends the response before the invocation completes; it may still be in flight.
  else if (first.kind === 'invocation' && first.ok) response = await exchange.response.catch(() => undefined);
  if (response === undefined) {
    stopGuard();
    req.unpipe(exchange.upstream);
    exchange.upstream.destroy();
    if (violation !== undefined) {
      deps.logger.log(
        'warn',
        `Host: refused ${head.method} ${safeTarget(req.url)}: ${violation.status} ${violation.reason}`,
      );
    }
    return refuse(res, empty(violation?.status ?? 500));
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  stopGuard();
  if (!req.complete) {
    // The function answered before the body ended: stop forwarding; the connection closes after the answer.
    req.unpipe(exchange.upstream);
    exchange.upstream.destroy();
  }
  refuse(res, {
    status: response.statusCode ?? 500,
    headers: responseHeaders(response),
    body: Buffer.concat(chunks),
  });
}

function allowed(deps: HostServerDeps, request: HostRequest, scope: KeyScope): boolean {
  if (!deps.enforceKeys) return true;
  return isAuthorized(
    deps.keys,
    scope,
    presentedKey(request.url, headerValue(request.headers, 'x-functions-key')),
  );
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function writeResponse(res: ServerResponse, response: HostResponse): void {
  if (res.headersSent) return;
  let body: Buffer | undefined;
  if (response.body !== undefined) {
    body = Buffer.isBuffer(response.body)
      ? response.body
      : typeof response.body === 'string'
        ? Buffer.from(response.body, 'utf8')
        : Buffer.from(JSON.stringify(response.body), 'utf8');
  }
  const headers: Record<string, string | string[]> = { ...response.headers };
  headers['content-length'] = String(body?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(body);
}
