import { type HeaderMap } from '../core/http';
import { type Principal } from './principal';

/** One Graph request, from the wire or from inside a `$batch`, already split and decoded. */
export interface GraphRequest {
  method: string;
  /** `https://host:port/v1.0` (or the plain-HTTP one) as the request arrived: links point back there. */
  baseUrl: string;
  /** Path after `/v1.0`, still percent-encoded (as the client sent it). */
  rawPath: string;
  query: Map<string, string>;
  /** Lower-cased header names. */
  headers: HeaderMap;
  /** Parsed JSON body, when there is one. */
  body: unknown;
  /** Set when the body could not be read as JSON. */
  bodyProblem?: 'invalidJson' | 'unsupportedMediaType';
  requestId: string;
  clientRequestId: string;
  /** The caller, once the token is verified (batch items inherit the envelope's). */
  principal?: Principal;
  /** Set for requests executed as `$batch` items. */
  batchItemId?: string;
}

export interface GraphResponse {
  status: number;
  headers: HeaderMap;
  /** JSON body (omitted for 204 and friends). */
  body?: unknown;
}

/** What the pipeline tells the server beyond the response (for the request log and latency). */
export interface GraphOutcome {
  response: GraphResponse | 'connectionReset';
  /** Extra delay before answering (slow-response fault). */
  extraDelayMs: number;
  kind: 'read' | 'write';
  resourceUnits?: number;
  throttled?: boolean;
  fault?: string;
  appId?: string;
  userPrincipalName?: string;
}

/** The verified caller; the pipeline authenticates before any handler runs. */
export function principalOf(req: GraphRequest): Principal {
  if (!req.principal) throw new Error('unauthenticated request reached a handler');
  return req.principal;
}
