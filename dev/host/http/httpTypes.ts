import type { IncomingHttpHeaders } from 'node:http';

/** A request as the host's route handlers see it: the body already read, the URL parsed. */
export interface HostRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** e.g. http://127.0.0.1:7071, from the Host header: URLs the host hands out point back where the caller came in. */
  readonly origin: string;
  readonly remoteAddress: string | undefined;
}

export interface HostResponse {
  readonly status: number;
  readonly headers?: Record<string, string | string[]>;
  /** A Buffer or string is sent as is; anything else as JSON. Undefined = no body. */
  readonly body?: unknown;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HostResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export function empty(status: number, headers: Record<string, string> = {}): HostResponse {
  return { status, headers };
}

/** ASP.NET's CreateErrorResponse shape, which the extension and the host use for their errors. */
export function errorResponse(status: number, message: string): HostResponse {
  return json(status, { Message: message });
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
