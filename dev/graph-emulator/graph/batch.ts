import { randomUUID } from 'node:crypto';
import { parseQuery, splitUrl } from '../core/http';
import { type Prng } from '../core/prng';
import { type GraphContext } from './context';
import { errors, GraphError } from './errors';
import { type GraphPipeline } from './pipeline';
import { type GraphOutcome, type GraphRequest, type GraphResponse } from './types';

/** JSON batching (reference/graph.md §5.3). */
export const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

interface ItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function invalid(message: string): GraphError {
  return errors.invalidRequest(message);
}

function parseItems(body: unknown, ctx: GraphContext): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0)
    throw invalid('Invalid batch payload format: requests must be a non-empty array.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw GraphError.from(
      ctx.choices.batchTooLarge,
      `Number of requests in a batch cannot exceed ${MAX_BATCH_REQUESTS}.`,
    );
  }
  const seen = new Set<string>();
  const items = requests.map((raw, index): BatchItem => {
    if (typeof raw !== 'object' || raw === null) throw invalid(`Batch request ${index} is not an object.`);
    const r = raw as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') throw invalid(`Batch request ${index} has no id.`);
    if (typeof r.method !== 'string' || typeof r.url !== 'string' || r.url === '') {
      throw invalid(`Batch request '${r.id}' needs a method and a relative url.`);
    }
    if (/^https?:/i.test(r.url))
      throw invalid(`Batch request '${r.id}': url must be relative (e.g. /users).`);
    const key = r.id.toLowerCase();
    if (seen.has(key)) throw invalid(`Batch request id '${r.id}' is not unique.`);
    seen.add(key);
    const headers: Record<string, string> = {};
    if (r.headers !== undefined) {
      if (typeof r.headers !== 'object' || r.headers === null)
        throw invalid(`Batch request '${r.id}': headers must be an object.`);
      for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
    }
    if (r.body !== undefined && !headers['content-type']) {
      throw invalid(`Batch request '${r.id}' has a body but no Content-Type header.`);
    }
    const dependsOn = r.dependsOn === undefined ? [] : r.dependsOn;
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
      throw invalid(`Batch request '${r.id}': dependsOn must be an array of ids.`);
    }
    return {
      id: r.id,
      method: r.method.toUpperCase(),
      url: r.url,
      headers,
      body: r.body,
      dependsOn: dependsOn as string[],
    };
  });
  const ids = new Set(items.map((i) => i.id.toLowerCase()));
  for (const item of items) {
    for (const dep of item.dependsOn) {
      if (!ids.has(dep.toLowerCase()))
        throw invalid(`Batch request '${item.id}' depends on unknown id '${dep}'.`);
    }
  }
  return items;
}

function itemRequest(outer: GraphRequest, item: BatchItem): GraphRequest {
  const { path, query } = splitUrl(item.url.startsWith('/') ? item.url : `/${item.url}`);
  let body = item.body;
  let bodyProblem: GraphRequest['bodyProblem'];
  const contentType = item.headers['content-type'] ?? '';
  if (body !== undefined && !/json/i.test(contentType)) bodyProblem = 'unsupportedMediaType';
  if (typeof body === 'string' && /json/i.test(contentType)) {
    try {
      body = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as unknown;
    } catch {
      bodyProblem = 'invalidJson';
    }
  }
  return {
    method: item.method,
    baseUrl: outer.baseUrl,
    rawPath: path,
    query: parseQuery(query),
    headers: { ...outer.headers, ...item.headers },
    body,
    ...(bodyProblem ? { bodyProblem } : {}),
    requestId: outer.requestId,
    clientRequestId: outer.clientRequestId,
    ...(outer.principal ? { principal: outer.principal } : {}),
    batchItemId: item.id,
  };
}

function toItemResponse(id: string, response: GraphResponse | 'connectionReset'): ItemResponse {
  if (response === 'connectionReset') {
    return {
      id,
      status: 504,
      headers: { 'Content-Type': 'application/json' },
      body: { error: { code: 'GatewayTimeout', message: 'The request timed out.' } },
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (
      /^(content-type|retry-after|location|x-ms-resource-unit|x-ms-throttle-.*|x-emulator-fault)$/i.test(name)
    ) {
      headers[name] = value;
    }
  }
  return {
    id,
    status: response.status,
    headers,
    ...(response.body !== undefined ? { body: response.body } : {}),
  };
}

/**
 * Runs the items (independent ones concurrently, dependents after their dependencies; a failed dependency
 * gives 424) and answers 200 with the responses in a seeded shuffled order, as Graph does not keep order.
 */
export async function executeBatch(
  outer: GraphRequest,
  pipeline: GraphPipeline,
  prng: Prng,
  ctx: GraphContext,
): Promise<GraphResponse> {
  if (outer.bodyProblem === 'unsupportedMediaType') throw errors.unsupportedMediaType();
  if (outer.bodyProblem === 'invalidJson' || outer.body === undefined) throw errors.invalidJson();
  const items = parseItems(outer.body, ctx);
  const results = new Map<string, Promise<ItemResponse>>();
  const byId = new Map(items.map((i) => [i.id.toLowerCase(), i]));
  const visiting = new Set<string>();

  const run = (item: BatchItem): Promise<ItemResponse> => {
    const key = item.id.toLowerCase();
    const existing = results.get(key);
    if (existing) return existing;
    if (visiting.has(key)) throw invalid(`Batch request '${item.id}' has a circular dependsOn.`);
    visiting.add(key);
    const deps = item.dependsOn.map((d) => run(byId.get(d.toLowerCase()) as BatchItem));
    const promise = Promise.all(deps).then(async (depResults): Promise<ItemResponse> => {
      const failed = depResults.find((d) => d.status >= 400);
      if (failed) {
        return {
          id: item.id,
          status: 424,
          headers: { 'Content-Type': 'application/json' },
          body: {
            error: {
              code: 'FailedDependency',
              message: `The request depends on request '${failed.id}', which failed.`,
            },
          },
        };
      }
      const started = Date.now();
      const req = itemRequest(outer, item);
      const outcome: GraphOutcome = await pipeline.handleItem(req);
      const response = toItemResponse(item.id, outcome.response);
      pipeline.log.add({
        time: new Date(started).toISOString(),
        channel: 'batchItem',
        method: item.method,
        path: item.url,
        status: response.status,
        durationMs: Date.now() - started,
        requestId: randomUUID(),
        clientRequestId: outer.clientRequestId,
        ...(outer.principal ? { appId: outer.principal.appId } : {}),
        ...(errorCode(response) ? { errorCode: errorCode(response) } : {}),
        ...(outcome.resourceUnits !== undefined ? { resourceUnits: outcome.resourceUnits } : {}),
        ...(outcome.throttled ? { throttled: true } : {}),
        ...(outcome.fault ? { fault: outcome.fault } : {}),
        batch: { requestId: outer.requestId, itemId: item.id },
      });
      return response;
    });
    results.set(key, promise);
    return promise;
  };

  const all = await Promise.all(items.map(run));
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    body: { responses: prng.shuffled(all) },
  };
}

function errorCode(response: ItemResponse): string | undefined {
  const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}
