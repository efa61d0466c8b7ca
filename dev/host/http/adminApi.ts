import { randomUUID } from 'node:crypto';
import type { FunctionInfo } from '../app/functionCatalog';
import { parseToJson } from '../durable/statusPayload';
import type { DurableEngine } from '../durable/engine';
import { describeError } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import { DispatchRefusedError, type TriggerDispatcher } from '../triggers/dispatcher';
import { empty, errorResponse, json, type HostRequest, type HostResponse } from './httpTypes';

/**
 * The Functions host's admin API (reference §6), master key required when keys are enforced:
 * - `POST /admin/functions/{name}` `{"input": "<string>"}` runs a non-HTTP function in the background: 202.
 *   Local extension: `"triggerMetadata": {...}` in the same body is bound as trigger metadata (e.g. MessageId,
 *   DeliveryCount to simulate a redelivery); a non-string `input` is passed as its JSON.
 * - `GET /admin/functions`, `GET /admin/functions/{name}`, `GET /admin/functions/{name}/status`, `GET /admin/host/status`.
 * - Local extension: `GET /admin/durabletask/instances/{id}/history` returns the raw DTFx history of an instance
 *   (event types as numbers, EventId/TaskScheduledId kept), which the real status API hides.
 * - Local extension: `GET /admin/durabletask/deliveryStats` returns the orchestrator episodes, history events and
 *   bytes handed to the worker since the host started (the replay cost benchmarks report).
 */
export interface AdminApiDeps {
  readonly catalog: ReadonlyMap<string, FunctionInfo>;
  readonly dispatcher: TriggerDispatcher;
  readonly engine: DurableEngine;
  readonly logger: HostLogger;
  readonly hostId: string;
  readonly startedAt: number;
  readonly routePrefix: string;
}

export async function handleAdminRequest(
  deps: AdminApiDeps,
  request: HostRequest,
  subPath: string,
): Promise<HostResponse> {
  const segments = subPath
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(decodeSegment);
  const method = request.method.toUpperCase();
  const [area, name, extra, ...rest] = segments;
  if (area === 'host' && name === 'status' && segments.length === 2 && method === 'GET') {
    return json(200, {
      id: deps.hostId,
      state: 'Running',
      version: '4.0.0-local',
      versionDetails: 'mfa-phone-sync local host',
      platformVersion: '',
      instanceId: deps.hostId,
      computerName: 'localhost',
      processUptime: Date.now() - deps.startedAt,
      functionAppContentEditingState: 'Unknown',
    });
  }
  if (area === 'functions') {
    if (name === undefined) {
      return method === 'GET'
        ? json(
            200,
            [...deps.catalog.values()].map((fn) => describe(deps, request, fn)),
          )
        : empty(404);
    }
    const fn = deps.catalog.get(name);
    if (extra === 'status' && rest.length === 0 && method === 'GET') {
      return fn ? json(200, { functionErrors: fn.error ? [fn.error] : [] }) : empty(404);
    }
    if (extra !== undefined) return empty(404);
    if (method === 'GET') return fn ? json(200, describe(deps, request, fn)) : empty(404);
    if (method === 'POST') return invoke(deps, request, name);
    return empty(404);
  }
  if (area === 'durabletask' && name === 'deliveryStats' && segments.length === 2) {
    return method === 'GET' ? json(200, deps.engine.deliveryStats()) : empty(404);
  }
  if (area === 'durabletask' && name === 'instances' && extra && rest.length === 1 && rest[0] === 'history') {
    if (method !== 'GET') return empty(404);
    const row = deps.engine.getInstance(extra);
    return row ? json(200, deps.engine.getHistory(extra)) : empty(404);
  }
  return empty(404);
}

function describe(deps: AdminApiDeps, request: HostRequest, fn: FunctionInfo): Record<string, unknown> {
  const route = typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name;
  const prefix = deps.routePrefix.length > 0 ? `${deps.routePrefix}/` : '';
  return {
    name: fn.name,
    href: `${request.origin}/admin/functions/${encodeURIComponent(fn.name)}`,
    invoke_url_template: fn.kind === 'http' ? `${request.origin}/${prefix}${route}` : null,
    language: 'node',
    config: {
      bindings: Object.entries(fn.bindings).map(([bindingName, binding]) => ({
        ...binding,
        name: bindingName,
      })),
    },
    isDisabled: fn.disabled || fn.error !== undefined,
    isDirect: false,
    isProxy: false,
  };
}

async function invoke(deps: AdminApiDeps, request: HostRequest, functionName: string): Promise<HostResponse> {
  const fn = deps.catalog.get(functionName);
  if (!fn) return empty(404);
  if (request.body.length === 0) return errorResponse(400, 'The request body is required.');
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    return errorResponse(400, 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return errorResponse(400, 'The request body must be a JSON object: {"input": "..."}.');
  }
  const record = body as Record<string, unknown>;
  const rawInput = record['input'];
  const input =
    rawInput === undefined || rawInput === null
      ? ''
      : typeof rawInput === 'string'
        ? rawInput
        : JSON.stringify(rawInput);
  const metadata = record['triggerMetadata'];
  if (
    metadata !== undefined &&
    (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
  ) {
    return errorResponse(400, '"triggerMetadata" must be a JSON object.');
  }
  try {
    deps.dispatcher.dispatchable(functionName);
  } catch (error) {
    if (error instanceof DispatchRefusedError) return errorResponse(400, error.message);
    throw error;
  }
  const triggerMetadata = { ...defaultMetadata(fn), ...(metadata as Record<string, unknown> | undefined) };
  // Fire and forget, like the real host: the caller gets 202 and no result.
  void deps.dispatcher
    .dispatch(functionName, bindingInput(fn, input), { triggerMetadata, reason: 'Admin API' })
    .catch((error: unknown) =>
      deps.logger.log('error', `Admin invoke of '${functionName}': ${describeError(error)}`),
    );
  return empty(202);
}

/** The input string converted the way the trigger's binding converts it (Event Grid parses the event JSON). */
function bindingInput(fn: FunctionInfo, input: string): unknown {
  if (fn.kind !== 'eventGrid') return input;
  const parsed = parseToJson(input);
  return typeof parsed === 'object' && parsed !== null ? parsed : input;
}

/** Metadata a Service Bus delivery always carries, so `context.triggerMetadata.messageId` etc. exist. */
function defaultMetadata(fn: FunctionInfo): Record<string, unknown> {
  if (fn.kind !== 'serviceBus') return {};
  const now = new Date();
  return {
    MessageId: randomUUID().replace(/-/g, ''),
    DeliveryCount: 1,
    EnqueuedTimeUtc: now.toISOString(),
    ExpiresAtUtc: new Date(now.getTime() + 14 * 24 * 3600 * 1000).toISOString(),
    SequenceNumber: 1,
    LockToken: randomUUID(),
    UserProperties: {},
    ApplicationProperties: {},
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
