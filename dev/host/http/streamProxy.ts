import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { RpcTypedData } from '../core/coreTypes';

/**
 * HTTP streaming (`app.setup({ enableHttpStream: true })`), as the real host does it: the worker reports an
 * `HttpUri` capability (its own HTTP server), and the host forwards each HTTP trigger request there with an
 * `x-ms-invocation-id` header while the RPC invocation carries only the request line, headers and route
 * parameters (trigger metadata `Headers` and one entry per parameter). The body goes to the worker as a
 * stream, so neither process holds it whole; the function's response comes back the same way.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const agent = new Agent({ keepAlive: true });

export interface ForwardedRequest {
  readonly invocationId: string;
  readonly method: string;
  readonly pathAndQuery: string;
  readonly headers: IncomingHttpHeaders;
  /** e.g. 127.0.0.1:7071: the host's own address, never the caller's Host header. */
  readonly forwardedHost: string;
}

export interface ProxyExchange {
  /** Where to write the body; end() it when the client's body ends. */
  readonly upstream: ReturnType<typeof httpRequest>;
  /** The worker's response, once the function has answered. */
  readonly response: Promise<IncomingMessage>;
}

export function openProxyRequest(workerUri: string, forwarded: ForwardedRequest): ProxyExchange {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(forwarded.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  headers['x-ms-invocation-id'] = forwarded.invocationId;
  headers['x-forwarded-host'] = forwarded.forwardedHost;
  headers['x-forwarded-proto'] = 'http';
  const upstream = httpRequest(new URL(forwarded.pathAndQuery, workerUri), {
    method: forwarded.method,
    headers,
    agent,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve);
    upstream.once('error', reject);
  });
  // A refusal mid-body rejects `response` too; whoever awaits it handles that, never an unhandled rejection.
  response.catch(() => undefined);
  return { upstream, response };
}

/** The trigger metadata the library reads the request's headers and route parameters from in stream mode. */
export function streamTriggerMetadata(
  headers: IncomingHttpHeaders,
  params: Record<string, string>,
): Record<string, RpcTypedData> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const metadata: Record<string, RpcTypedData> = { Headers: { json: JSON.stringify(flat) } };
  for (const [name, value] of Object.entries(params)) metadata[name] = { string: value };
  return metadata;
}

/** Response headers to pass back to the caller: not hop-by-hop, not the stream's own bookkeeping. */
export function responseHeaders(response: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      name === 'x-ms-invocation-id' ||
      name === 'content-length'
    )
      continue;
    out[name] = value;
  }
  return out;
}
