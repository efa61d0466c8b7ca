import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { redactPhoneNumbers } from '../phone/mask';
import { GraphRequestError, type GraphErrorKind } from './errors';

/**
 * Turns every way a Graph call can fail into a `GraphRequestError` (lib/graph/errors.ts). Pure functions:
 * the middleware and the gateway feed them what they saw, tests feed them Graph-shaped answers.
 *
 * Messages are built from our own words plus Graph's `error.message`, and always pass through
 * `redactPhoneNumbers`: Graph echoes request values in some messages, and callers log messages as they are.
 */

const MAX_GRAPH_MESSAGE_CHARS = 300;

/** The error kind for a non-2xx HTTP status (reference/graph.md §2.7, §5.1). */
export function kindForStatus(status: number, hasRetryAfter: boolean): GraphErrorKind {
  if (status === 429) return 'throttled';
  if (status === 503) return hasRetryAfter ? 'throttled' : 'transient';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  return 'invalid';
}

/**
 * `Retry-After` in milliseconds: delay-seconds (`10`, also tolerated with a fraction) or an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`, measured from `nowMs`, never negative). Anything else → undefined.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP-date always names a weekday and a month; refuse bare numbers-with-signs or other junk that
  // Date.parse would still accept.
  if (!/^[A-Za-z]{3},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface GraphErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/**
 * Reads Graph's OData error body `{"error":{"code","message","innerError":{"request-id",...}}}`.
 * Tolerates non-JSON bodies (proxies, load balancers) and missing fields.
 */
export function parseGraphErrorBody(bodyText: string): GraphErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return {};
  }
  const error = property(parsed, 'error');
  if (typeof error !== 'object' || error === null) return {};
  const inner = property(error, 'innerError') ?? property(error, 'innererror');
  return withoutUndefined({
    code: stringProperty(error, 'code'),
    message: stringProperty(error, 'message'),
    requestId: stringProperty(inner, 'request-id'),
  });
}

export interface ResponseFacts {
  /** What the gateway was doing, e.g. `getUser`; names the call in the message. */
  operation: string;
  status: number;
  headers: Headers;
  bodyText: string;
  clientRequestId?: string;
  nowMs: number;
}

/** The error for a non-2xx answer. */
export function errorFromResponse(facts: ResponseFacts): GraphRequestError {
  const retryAfterMs = parseRetryAfter(facts.headers.get('retry-after'), facts.nowMs);
  const kind = kindForStatus(facts.status, retryAfterMs !== undefined);
  const body = parseGraphErrorBody(facts.bodyText);
  const requestId = facts.headers.get('request-id') ?? body.requestId;
  const said = body.message === undefined ? '' : `: ${body.message.slice(0, MAX_GRAPH_MESSAGE_CHARS)}`;
  const message = `${facts.operation} failed: Graph answered ${facts.status}${body.code === undefined ? '' : ` ${body.code}`}${said}`;
  return new GraphRequestError(
    redactPhoneNumbers(message),
    withoutUndefined({
      kind,
      status: facts.status,
      code: body.code,
      requestId: requestId ?? undefined,
      clientRequestId: facts.clientRequestId,
      retryAfterMs,
    }),
  );
}

/**
 * How a request that got no answer failed. `notSent` failures are known to have happened before the request
 * reached the server (refused connection, DNS), so even a create may be retried; `maybeSent` ones
 * (reset connection, timeout) may have been applied.
 */
export type TransportFailure =
  | { type: 'timeout' }
  | { type: 'aborted' }
  | { type: 'network'; code: string; sent: 'notSent' | 'maybeSent' }
  | { type: 'credential'; kind: 'unauthorized' | 'transient'; code: string; detail: string };

/** Error codes (Node `net`/`dns`/TLS and undici) raised before any byte of the request was written. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Raised by the gateway's credential wrapper, so token failures are told apart from transport failures. */
export class CredentialFailure extends Error {
  constructor(readonly original: unknown) {
    super('token acquisition failed');
    this.name = 'CredentialFailure';
  }
}

/**
 * Classifies an exception thrown while sending. `timedOut`/`callerAborted` say which of our signals fired:
 * the error object itself does not reliably tell (undici rethrows the signal's reason). `reachedTransport`
 * false means the attempt never got past authentication.
 */
export function classifyFailure(
  error: unknown,
  signals: { timedOut: boolean; callerAborted: boolean; reachedTransport?: boolean },
): TransportFailure {
  if (error instanceof CredentialFailure) return classifyCredentialFailure(error.original);
  if (signals.callerAborted) return { type: 'aborted' };
  if (signals.timedOut && signals.reachedTransport === false) {
    // Timed out while waiting for the token: nothing was sent.
    return {
      type: 'credential',
      kind: 'transient',
      code: 'TokenTimeout',
      detail: 'no token before the request timeout',
    };
  }
  if (signals.timedOut) return { type: 'timeout' };
  const code = findErrorCode(error) ?? 'NetworkError';
  return { type: 'network', code, sent: NOT_SENT_CODES.has(code) ? 'notSent' : 'maybeSent' };
}

function classifyCredentialFailure(original: unknown): TransportFailure {
  const detail = original instanceof Error ? original.message : 'unknown error';
  if (original instanceof CredentialUnavailableError) {
    return { type: 'credential', kind: 'unauthorized', code: 'CredentialUnavailable', detail };
  }
  if (original instanceof AuthenticationError) {
    const status = original.statusCode;
    const retryable = status === 0 || status === 408 || status === 429 || status >= 500;
    return {
      type: 'credential',
      kind: retryable ? 'transient' : 'unauthorized',
      code: 'AuthenticationFailed',
      detail,
    };
  }
  // Anything else (the token endpoint unreachable, a reset connection) may well work on the next try.
  return { type: 'credential', kind: 'transient', code: 'TokenRequestFailed', detail };
}

export interface FailureFacts {
  operation: string;
  failure: TransportFailure;
  clientRequestId?: string;
}

/** The error for a request that got no HTTP answer. */
export function errorFromFailure(facts: FailureFacts): GraphRequestError {
  const { failure, operation } = facts;
  let kind: GraphErrorKind = 'transient';
  let code: string;
  let message: string;
  switch (failure.type) {
    case 'timeout':
      code = 'Timeout';
      message = `${operation} failed: no answer from Graph before the request timeout`;
      break;
    case 'aborted':
      code = 'Aborted';
      message = `${operation} was cancelled by the caller`;
      break;
    case 'network':
      code = failure.code;
      message = `${operation} failed: network error ${failure.code}`;
      break;
    case 'credential':
      kind = failure.kind;
      code = failure.code;
      message = `${operation} failed: could not get an access token: ${failure.detail.slice(0, MAX_GRAPH_MESSAGE_CHARS)}`;
      break;
  }
  return new GraphRequestError(
    redactPhoneNumbers(message),
    withoutUndefined({ kind, status: 0, code, clientRequestId: facts.clientRequestId }),
  );
}

/** A 2xx answer whose body is not what Graph documents. */
export function malformedResponseError(facts: {
  operation: string;
  status: number;
  why: string;
  /** Unparseable bodies (truncated, a proxy's page) may be fine next time; a wrong shape will not be. */
  retryable: boolean;
  requestId?: string;
  clientRequestId?: string;
}): GraphRequestError {
  return new GraphRequestError(
    redactPhoneNumbers(`${facts.operation}: Graph answered ${facts.status} with ${facts.why}`),
    withoutUndefined({
      kind: facts.retryable ? 'transient' : 'invalid',
      status: facts.status,
      code: 'MalformedResponse',
      requestId: facts.requestId,
      clientRequestId: facts.clientRequestId,
    }),
  );
}

/** Last resort for anything not foreseen, so callers still only ever see `GraphRequestError`. */
export function errorFromUnexpected(
  operation: string,
  error: unknown,
  clientRequestId?: string,
): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  const detail = error instanceof Error ? error.message : 'unknown error';
  return new GraphRequestError(
    redactPhoneNumbers(`${operation} failed unexpectedly: ${detail.slice(0, MAX_GRAPH_MESSAGE_CHARS)}`),
    withoutUndefined({ kind: 'transient', status: 0, code: 'UnexpectedError', clientRequestId }),
  );
}

/** Walks `cause` chains and AggregateErrors (happy-eyeballs connects) for a Node/undici error code. */
function findErrorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = property(error, 'code');
  if (typeof code === 'string' && code !== '') return code;
  const fromCause = findErrorCode(property(error, 'cause'), depth + 1);
  if (fromCause !== undefined) return fromCause;
  const errors = property(error, 'errors');
  if (Array.isArray(errors)) {
    for (const inner of errors as unknown[]) {
      const innerCode = findErrorCode(inner, depth + 1);
      if (innerCode !== undefined) return innerCode;
    }
  }
  return undefined;
}

function property(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<string, unknown>)[key];
}

function stringProperty(value: unknown, key: string): string | undefined {
  const found = property(value, key);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

/** Drops undefined fields so error objects compare and print cleanly. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
