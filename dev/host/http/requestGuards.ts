import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks the real host (Kestrel behind the Functions host) makes before a request reaches any route, made
 * here before a single body byte is read: a malformed Host is 400, a request target over Kestrel's request
 * line limit is 414, a declared body over the host's `maxRequestBodySize` is 413.
 */

/** The Functions host's request body limit (host.json-independent default, 100 MiB). */
export const MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;
/** Kestrel's `MaxRequestLineSize`: 8 KiB for method, target and version; the target gets the lion's share. */
export const MAX_REQUEST_TARGET_LENGTH = 8 * 1024;
/** Kestrel's `MaxRequestHeadersTotalSize` (32 KiB) plus the request line: the parser's own cap (431 above). */
export const MAX_HEADER_BYTES = 32 * 1024 + MAX_REQUEST_TARGET_LENGTH;
/** Kestrel's `RequestHeadersTimeout`. */
export const HEADERS_TIMEOUT_MS = 30_000;

export type GuardVerdict =
  { ok: true; host: string } | { ok: false; status: 400 | 413 | 414; reason: string };

const REG_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** RFC 9110 §7.2 `Host = uri-host [ ":" port ]`; no userinfo, no path, nothing empty. */
export function isValidHostHeader(value: string): boolean {
  if (value.length === 0 || value.length > 255) return false;
  const bracketEnd = value.startsWith('[') ? value.indexOf(']') : -1;
  if (value.startsWith('[') && bracketEnd < 0) return false;
  const portColon = value.indexOf(':', bracketEnd + 1);
  const host = portColon < 0 ? value : value.slice(0, portColon);
  const port = portColon < 0 ? undefined : value.slice(portColon + 1);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  if (port !== undefined && Number(port) > 65_535) return false;
  return IPV4.test(host) || IPV6_LITERAL.test(host) || REG_NAME.test(host);
}

export function guardRequest(
  method: string | undefined,
  target: string | undefined,
  headers: IncomingHttpHeaders,
  httpVersion: string,
): GuardVerdict {
  if ((target ?? '').length > MAX_REQUEST_TARGET_LENGTH) {
    return { ok: false, status: 414, reason: 'request target longer than 8 KiB' };
  }
  const host = headers.host;
  // HTTP/1.0 may omit Host; HTTP/1.1 must send it (RFC 9112 §3.2) and the host refuses it empty or malformed.
  if (host === undefined && httpVersion === '1.0') return { ok: true, host: '' };
  if (host === undefined || !isValidHostHeader(host)) {
    return { ok: false, status: 400, reason: 'missing or malformed Host header' };
  }
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_REQUEST_BODY_BYTES) {
    return { ok: false, status: 413, reason: `declared body over ${MAX_REQUEST_BODY_BYTES} bytes` };
  }
  if (method === 'CONNECT') return { ok: false, status: 400, reason: 'CONNECT is not served' };
  return { ok: true, host };
}
