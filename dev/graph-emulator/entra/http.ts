import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { delay, headerMap, readBody, sendJson, splitUrl } from '../core/http';
import { type RequestRandomness } from '../core/prng';
import { type LatencyModel } from '../faults/latency';
import { type RequestLog } from '../log/requestLog';
import { type TokenEndpoint } from './tokenEndpoint';
import { type TokenService } from './tokens';

export interface LoginHttpDeps {
  endpoint: () => TokenEndpoint;
  tokens: () => TokenService;
  log: RequestLog;
  latency: LatencyModel;
  randomness: RequestRandomness;
}

function basicAuth(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

/** The HTTPS login host: `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/token`, keys. */
export async function handleLogin(
  deps: LoginHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  shutdown: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const { path } = splitUrl(req.url ?? '/');
  const segments = path.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const endpoint = deps.endpoint();
  const headers = headerMap(req);
  let status = 200;
  let clientId: string | undefined;
  let errorCode: string | undefined;
  const requestId = randomUUID();
  const respond = (code: number, body: unknown): void => {
    status = code;
    sendJson(res, code, body, {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'x-ms-request-id': requestId,
    });
  };
  const tenant = segments[0] ?? '';
  const rest = segments.slice(1).join('/').toLowerCase();
  if (method === 'GET' && tenant === 'common' && rest === 'discovery/instance') {
    respond(200, endpoint.instanceDiscovery());
  } else if (method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) {
    respond(200, deps.tokens().jwks());
  } else if (
    method === 'GET' &&
    (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')
  ) {
    if (endpoint.knowsTenant(tenant)) respond(200, endpoint.openIdConfiguration());
    else
      respond(400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
      });
  } else if (method === 'POST' && rest === 'oauth2/v2.0/token') {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const prng = deps.randomness.forRequest(method, `${path}#${form.get('client_id') ?? ''}`);
    const result = await endpoint.token(tenant, form, basicAuth(headers.authorization));
    clientId = result.clientId;
    errorCode = result.errorCode;
    await delay(deps.latency.delayMs('token', prng), shutdown);
    respond(result.status, result.body);
  } else {
    respond(404, {
      error: 'not_found',
      error_description: `The emulator's login host does not serve ${method} ${path}.`,
    });
  }
  deps.log.add({
    time: new Date(started).toISOString(),
    channel: 'token',
    method,
    path,
    status,
    durationMs: Date.now() - started,
    requestId,
    ...(headers['client-request-id'] ? { clientRequestId: headers['client-request-id'] } : {}),
    ...(clientId ? { appId: clientId } : {}),
    ...(errorCode ? { errorCode } : {}),
  });
}
