import { type IncomingMessage, type ServerResponse } from 'node:http';

/** Largest request body accepted (a 20-item `$batch` with bodies is far below this). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super('Request body too large');
  }
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

export type HeaderMap = Record<string, string>;

/** Lower-cased single-valued view of the request headers. */
export function headerMap(req: IncomingMessage): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: HeaderMap = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: HeaderMap = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function parseQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  if (!rawQuery) return params;
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    params.set(safeDecode(rawName.replace(/\+/g, ' ')), safeDecode(rawValue.replace(/\+/g, ' ')));
  }
  return params;
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function splitUrl(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  return q < 0 ? { path: rawUrl, query: '' } : { path: rawUrl.slice(0, q), query: rawUrl.slice(q + 1) };
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A query string the way Graph writes its links: `$` and `,` left readable, everything else encoded. */
export function buildQuery(params: Iterable<readonly [string, string]>): string {
  const readable = (text: string): string =>
    encodeURIComponent(text).replace(/%24/g, '$').replace(/%2C/gi, ',');
  return [...params].map(([k, v]) => `${readable(k)}=${readable(v)}`).join('&');
}
