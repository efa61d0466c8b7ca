import https from 'node:https';
import http from 'node:http';
import { type IncomingHttpHeaders } from 'node:http';
import {
  startGraphEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../dev/graph-emulator/index';

/** Helpers for the emulator's contract tests: real HTTP(S) requests, the CA trusted per request. */

export interface GraphResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty). Untyped on purpose: the tests inspect raw Graph JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON under test
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestGraph {
  emulator: RunningEmulator;
  /** Request against Graph over HTTPS (path relative to /v1.0, e.g. `/users/x`). */
  call(method: string, path: string, options?: RequestOptions): Promise<GraphResult>;
  /** A managed-identity token obtained the real way (MI endpoint). */
  miToken(clientId?: string): Promise<string>;
  /** The default app-only token (seed's managed identity). */
  token: string;
  agent: https.Agent;
}

export function requestUrl(
  url: string,
  method: string,
  options: RequestOptions & { ca?: string; agent?: http.Agent | https.Agent } = {},
): Promise<GraphResult> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const payload =
    options.rawBody !== undefined
      ? options.rawBody
      : options.body !== undefined
        ? JSON.stringify(options.body)
        : undefined;
  const headers: Record<string, string> = {
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    ...(payload !== undefined && options.rawBody === undefined ? { 'Content-Type': 'application/json' } : {}),
    ...(options.headers ?? {}),
  };
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).request(
      {
        method,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers,
        ...(isHttps ? { ca: options.ca } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Builds a raw request path exactly as given (no re-encoding): Graph paths are the subject under test. */
export async function startTestGraph(options: EmulatorOptions = {}): Promise<TestGraph> {
  const emulator = await startGraphEmulator(options);
  const agent = new https.Agent({ ca: emulator.caCertificatePem, keepAlive: true });
  const miToken = async (clientId = emulator.managedIdentity.clientId ?? ''): Promise<string> => {
    const mi = emulator.managedIdentity;
    const res = await requestUrl(
      `${mi.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent('https://graph.microsoft.com')}${clientId ? `&client_id=${clientId}` : ''}`,
      'GET',
      { headers: { 'X-IDENTITY-HEADER': mi.header } },
    );
    if (res.status !== 200) throw new Error(`MI token failed: ${res.status} ${res.text}`);
    return (res.body as { access_token: string }).access_token;
  };
  const token = await miToken();
  const graph: TestGraph = {
    emulator,
    token,
    agent,
    miToken,
    call: (method, path, options = {}) =>
      requestUrl(`${emulator.graphBaseUrl}${path}`, method, { token, ...options, agent }),
  };
  const stop = emulator.stop.bind(emulator);
  (emulator as { stop: () => Promise<void> }).stop = async () => {
    agent.destroy();
    await stop();
  };
  return graph;
}

export const MOBILE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

/** The payload of a JWT (unverified), for asserting on claims. */
export function jwtClaims(token: string): GraphResult['body'] {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** Raw JSON from a response (alias of the untyped body). */
export type Json = GraphResult['body'];
