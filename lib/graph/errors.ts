/**
 * Typed Graph failures. Every Graph call made by the gateway either resolves or rejects with a
 * `GraphRequestError`, so callers branch on `kind`, never on status codes or messages.
 */
export const GRAPH_ERROR_KINDS = [
  'notFound', // 404: the user (or the method) does not exist
  'throttled', // 429 (or 503 with Retry-After): retry after `retryAfterMs`
  'transient', // 5xx, timeouts, connection resets: retry with back-off
  'unauthorized', // 401: token missing/expired/invalid; usually a configuration problem
  'forbidden', // 403: the identity lacks an app role, or the target is protected
  'invalid', // 400 and other 4xx: the request itself is wrong; retrying cannot help
  'conflict', // 409: e.g. phoneNumberNotUnique; the write may still have been applied
] as const;
export type GraphErrorKind = (typeof GRAPH_ERROR_KINDS)[number];

export interface GraphErrorDetails {
  kind: GraphErrorKind;
  /** HTTP status, or 0 when no response arrived (network error, timeout). */
  status: number;
  /** Graph's `error.code` (e.g. `Request_ResourceNotFound`, `phoneNumberNotUnique`), when present. */
  code?: string;
  /** Graph's `request-id` response header, for support cases. */
  requestId?: string;
  /** The `client-request-id` we sent, for correlation with our own logs. */
  clientRequestId?: string;
  /** Parsed `Retry-After`, in milliseconds, when the service sent one. */
  retryAfterMs?: number;
}

export class GraphRequestError extends Error implements GraphErrorDetails {
  readonly kind: GraphErrorKind;
  readonly status: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly retryAfterMs?: number;

  /** `message` must already be free of phone numbers: callers log it as is. */
  constructor(message: string, details: GraphErrorDetails) {
    super(message);
    this.name = 'GraphRequestError';
    this.kind = details.kind;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Worth retrying later: the same request may succeed. */
  get isTransient(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }
}

export function isGraphRequestError(error: unknown): error is GraphRequestError {
  return error instanceof GraphRequestError;
}
