import type { FunctionInfo } from '../app/functionCatalog';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from '../core/coreTypes';
import type { HostRequest, HostResponse } from './httpTypes';

/** The `http` typed data the worker receives for an HTTP trigger (the library turns it into an HttpRequest). */
export function toRpcHttpRequest(request: HostRequest, params: Record<string, string>): RpcHttpData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method.toUpperCase(),
    url: `${request.origin}${request.url.pathname}${request.url.search}`,
    headers,
    params,
    body: request.body.length > 0 ? { bytes: new Uint8Array(request.body) } : undefined,
  };
}

/**
 * The HTTP response from the invocation's return value (or an `http` output binding). A handler that returns
 * nothing gets 204 No Content (the reference leaves the real host's choice open); a failure gets an empty 500.
 */
export function fromHttpInvocation(
  fn: FunctionInfo,
  response: RpcInvocationResponse | undefined,
): HostResponse {
  if (!response) return { status: 500 };
  const http = findHttpOutput(fn, response)?.http;
  if (!http) return { status: 204 };
  const status = Number.parseInt(http.statusCode ?? '200', 10);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(http.headers ?? {})) headers[name.toLowerCase()] = value;
  const cookies = (http.cookies ?? [])
    .map(formatCookie)
    .filter((cookie): cookie is string => cookie !== undefined);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = bodyBytes(http.body);
  return {
    status: Number.isFinite(status) ? status : 200,
    headers,
    body: body.length > 0 ? body : undefined,
  };
}

function findHttpOutput(fn: FunctionInfo, response: RpcInvocationResponse): RpcTypedData | undefined {
  if (response.returnValue?.http) return response.returnValue;
  for (const output of response.outputData ?? []) {
    const binding = output.name ? fn.bindings[output.name] : undefined;
    if (binding?.type?.toLowerCase() === 'http' && output.data?.http) return output.data;
  }
  return undefined;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (typeof body.string === 'string') return Buffer.from(body.string, 'utf8');
  if (typeof body.json === 'string') return Buffer.from(body.json, 'utf8');
  return Buffer.alloc(0);
}

const SAME_SITE: Record<string, string | undefined> = { lax: 'Lax', strict: 'Strict', explicitnone: 'None' };

function formatCookie(cookie: RpcHttpCookie): string | undefined {
  if (!cookie.name) return undefined;
  const parts = [`${cookie.name}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expiresSeconds = Number(cookie.expires?.value?.seconds ?? Number.NaN);
  if (Number.isFinite(expiresSeconds)) parts.push(`Expires=${new Date(expiresSeconds * 1000).toUTCString()}`);
  const maxAge = Number(cookie.maxAge?.value ?? Number.NaN);
  if (Number.isFinite(maxAge)) parts.push(`Max-Age=${maxAge}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  // The library sends 'none' for "not set" and 'explicitNone' for SameSite=None.
  const sameSite = typeof cookie.sameSite === 'string' ? SAME_SITE[cookie.sameSite.toLowerCase()] : undefined;
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}
