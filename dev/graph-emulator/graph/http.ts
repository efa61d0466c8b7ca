import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { BodyTooLargeError, delay, headerMap, parseQuery, readBody, sendJson, splitUrl } from '../core/http';
import { type RequestLog } from '../log/requestLog';
import { errors, type GraphError } from './errors';
import { type GraphPipeline } from './pipeline';
import { type GraphRequest, type GraphResponse } from './types';

export const GRAPH_VERSION_PREFIX = '/v1.0';

const DIAGNOSTIC = JSON.stringify({
  ServerInfo: {
    DataCenter: 'Emulator',
    Slice: 'E',
    Ring: '0',
    ScaleUnit: '000',
    RoleInstance: 'graph-emulator',
  },
});

async function toGraphRequest(
  req: IncomingMessage,
  baseUrl: string,
  rawPath: string,
  rawQuery: string,
): Promise<GraphRequest> {
  const headers = headerMap(req);
  const requestId = randomUUID();
  const graphReq: GraphRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    baseUrl,
    rawPath,
    query: parseQuery(rawQuery),
    headers,
    body: undefined,
    requestId,
    clientRequestId: headers['client-request-id'] ?? requestId,
  };
  const buffer = await readBody(req);
  if (buffer.length > 0) {
    if (!/json/i.test(headers['content-type'] ?? '')) graphReq.bodyProblem = 'unsupportedMediaType';
    else {
      try {
        graphReq.body = JSON.parse(buffer.toString('utf8')) as unknown;
      } catch {
        graphReq.bodyProblem = 'invalidJson';
      }
    }
  }
  return graphReq;
}

function writeGraphResponse(res: ServerResponse, req: GraphRequest, response: GraphResponse): void {
  const headers: Record<string, string | number> = {
    'request-id': req.requestId,
    'client-request-id': req.clientRequestId,
    'x-ms-ags-diagnostic': DIAGNOSTIC,
    'Cache-Control': 'no-cache',
    ...response.headers,
  };
  if (response.body === undefined) {
    res.writeHead(response.status, { ...headers, 'Content-Length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'OData-Version': '4.0',
    ...headers,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The HTTP face of Graph: parse, run the pipeline, wait out latency, answer, log. */
export async function handleGraph(
  pipeline: GraphPipeline,
  baseUrl: string,
  log: RequestLog,
  req: IncomingMessage,
  res: ServerResponse,
  shutdown: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const { path, query } = splitUrl(req.url ?? '/');
  const rawPath = path.slice(GRAPH_VERSION_PREFIX.length);
  let graphReq: GraphRequest;
  try {
    graphReq = await toGraphRequest(req, baseUrl, rawPath, query);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendJson(res, 413, { error: { code: 'RequestEntityTooLarge', message: 'Request body too large.' } });
      return;
    }
    throw error;
  }
  const outcome = await pipeline.handle(graphReq);
  await delay(outcome.extraDelayMs, shutdown);
  let status = 0;
  if (outcome.response === 'connectionReset') {
    req.socket.destroy();
  } else {
    status = outcome.response.status;
    writeGraphResponse(res, graphReq, outcome.response);
  }
  const body =
    outcome.response === 'connectionReset'
      ? undefined
      : (outcome.response.body as { error?: { code?: unknown } } | undefined);
  const errorCode = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  log.add({
    time: new Date(started).toISOString(),
    channel: 'graph',
    method: graphReq.method,
    path: req.url ?? '',
    status,
    durationMs: Date.now() - started,
    requestId: graphReq.requestId,
    ...(graphReq.headers['client-request-id']
      ? { clientRequestId: graphReq.headers['client-request-id'] }
      : {}),
    ...(outcome.appId ? { appId: outcome.appId } : {}),
    ...(outcome.userPrincipalName ? { userPrincipalName: outcome.userPrincipalName } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...(outcome.resourceUnits !== undefined ? { resourceUnits: outcome.resourceUnits } : {}),
    ...(outcome.throttled ? { throttled: true } : {}),
    ...(outcome.fault ? { fault: outcome.fault } : {}),
    ...(graphReq.headers['x-ms-throttle-priority']
      ? { priority: graphReq.headers['x-ms-throttle-priority'] }
      : {}),
  });
}

/** Paths outside /v1.0 on the Graph port (other than the MI endpoint and control API). */
export function unknownVersion(res: ServerResponse, path: string): void {
  const segment = path.split('/').filter(Boolean)[0] ?? '';
  const error: GraphError = errors.invalidQuery(`Invalid version: ${segment}`);
  const requestId = randomUUID();
  const response = error.toResponse(requestId, requestId);
  sendJson(res, response.status, response.body, { 'request-id': requestId, 'client-request-id': requestId });
}
