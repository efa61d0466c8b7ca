import {
  empty,
  errorResponse,
  headerValue,
  json,
  type HostRequest,
  type HostResponse,
} from '../http/httpTypes';
import { managementPayload, type ClientBindingSettings } from './clientBinding';
import {
  InstanceExistsError,
  InvalidInstanceIdError,
  UnknownOrchestratorError,
  type DurableEngine,
} from './engine';
import {
  isRuntimeStatus,
  OrchestrationStatusCode,
  TERMINAL_STATUSES,
  type RuntimeStatus,
} from './historyEvents';
import { statusPayload } from './statusPayload';
import type { InstanceRow } from './store';

/**
 * The Durable extension's HTTP API (HttpApiHandler), served for both the public webhook base
 * (`/runtime/webhooks/durabletask`) and the RPC base (`/durabletask/`) that durable-functions' client calls.
 * Routes and status codes follow reference/durable-host.md §2.3 and the extension's handler.
 */
export interface ManagementApiDeps {
  readonly engine: DurableEngine;
  /** Binding settings for the instance URLs; `origin` is replaced by the request's own origin. */
  readonly clientSettings: ClientBindingSettings;
}

const DEFAULT_PAGE_SIZE = 100;
const RUNNING_LIKE: ReadonlySet<RuntimeStatus> = new Set([
  'Running',
  'Pending',
  'ContinuedAsNew',
  'Suspended',
]);

export async function handleManagementRequest(
  deps: ManagementApiDeps,
  request: HostRequest,
  /** The path below the base, e.g. `/instances/abc/terminate`. */
  subPath: string,
): Promise<HostResponse> {
  let path: string;
  try {
    path = '/' + decodeURIComponent(subPath).replace(/^\/+|\/+$/g, '');
  } catch {
    return errorResponse(400, 'The request path is not valid.');
  }
  const segments = path === '/' ? [] : path.slice(1).split('/');
  const method = request.method.toUpperCase();
  const [controller, first, second, third] = segments;

  if (controller === 'orchestrators' && segments.length >= 2 && segments.length <= 3 && first) {
    if (method !== 'POST') return empty(404);
    return startOrchestration(deps, request, first, second);
  }
  if (controller === 'entities' && segments.length <= 3) {
    return errorResponse(501, 'Durable entities are not supported by the local host.');
  }
  if (controller === 'instances' && segments.length <= 3) {
    if (first === undefined) {
      if (method === 'GET') return listInstances(deps, request);
      if (method === 'DELETE') return purgeByFilter(deps, request);
      return empty(404);
    }
    if (second === undefined) {
      if (method === 'GET') return getStatus(deps, request, first);
      if (method === 'DELETE') return purgeOne(deps, first);
      return empty(404);
    }
    if (method !== 'POST') return empty(404);
    switch (second.toLowerCase()) {
      case 'terminate':
        return control(deps, request, first, 'terminate');
      case 'suspend':
        return control(deps, request, first, 'suspend');
      case 'resume':
        return control(deps, request, first, 'resume');
      case 'rewind':
        return rewind(deps, first);
      case 'restart':
        return restart(deps, request, first);
      default:
        return empty(404);
    }
  }
  if (controller === 'instances' && segments.length === 4 && second === 'raiseEvent' && first && third) {
    if (method !== 'POST') return empty(404);
    return raiseEvent(deps, request, first, third);
  }
  return empty(404);
}

function settingsFor(deps: ManagementApiDeps, request: HostRequest): ClientBindingSettings {
  return { ...deps.clientSettings, origin: request.origin };
}

function checkStatusResponse(
  deps: ManagementApiDeps,
  request: HostRequest,
  instanceId: string,
): HostResponse {
  const payload = managementPayload(settingsFor(deps, request), instanceId);
  return json(202, payload, { location: payload['statusQueryGetUri'] ?? '', 'retry-after': '10' });
}

async function startOrchestration(
  deps: ManagementApiDeps,
  request: HostRequest,
  functionName: string,
  instanceId: string | undefined,
): Promise<HostResponse> {
  let input: string | null = null;
  if (request.body.length > 0) {
    const text = request.body.toString('utf8');
    try {
      input = JSON.stringify(JSON.parse(text));
    } catch {
      return errorResponse(400, 'Invalid JSON content');
    }
  }
  let id: string;
  try {
    id = deps.engine.startNew({
      name: functionName,
      instanceId: instanceId && instanceId.length > 0 ? instanceId : undefined,
      input,
      version: request.url.searchParams.get('version') ?? undefined,
    });
  } catch (error) {
    if (error instanceof UnknownOrchestratorError || error instanceof InvalidInstanceIdError) {
      return errorResponse(400, error.message);
    }
    if (error instanceof InstanceExistsError) return errorResponse(409, error.message);
    throw error;
  }
  const timeout = secondsParameter(request.url.searchParams, 'timeout');
  const interval = secondsParameter(request.url.searchParams, 'pollingInterval');
  if (timeout !== undefined && interval !== undefined) {
    const row = await deps.engine.waitForCompletion(id, timeout * 1000);
    if (row?.runtimeStatus === 'Completed') {
      return json(
        200,
        statusPayload(row, { showInput: true, showHistory: false, showHistoryOutput: false })['output'],
      );
    }
    if (row && TERMINAL_STATUSES.has(row.runtimeStatus)) return getStatus(deps, request, id);
  }
  return checkStatusResponse(deps, request, id);
}

function getStatus(deps: ManagementApiDeps, request: HostRequest, instanceId: string): HostResponse {
  const row = deps.engine.getInstance(instanceId);
  if (!row) return empty(404);
  const query = request.url.searchParams;
  const options = {
    showHistory: booleanParameter(query, 'showHistory') ?? false,
    showHistoryOutput: booleanParameter(query, 'showHistoryOutput') ?? false,
    showInput: booleanParameter(query, 'showInput') ?? true,
  };
  const body = statusPayload(
    row,
    options,
    options.showHistory ? deps.engine.getHistory(instanceId) : undefined,
  );
  if (RUNNING_LIKE.has(row.runtimeStatus)) {
    return json(202, body, { location: request.url.href, 'retry-after': '5' });
  }
  if (
    row.runtimeStatus === 'Failed' &&
    booleanParameter(query, 'returnInternalServerErrorOnFailure') === true
  ) {
    return json(500, body);
  }
  return json(200, body);
}

function listInstances(deps: ManagementApiDeps, request: HostRequest): HostResponse {
  const query = request.url.searchParams;
  const pageSize = integerParameter(query, 'top') ?? DEFAULT_PAGE_SIZE;
  const token = headerValue(request.headers, 'x-ms-continuation-token');
  const rows = deps.engine.query({
    instanceIdPrefix: query.get('instanceIdPrefix') ?? undefined,
    createdTimeFrom: dateParameter(query, 'createdTimeFrom'),
    createdTimeTo: dateParameter(query, 'createdTimeTo'),
    runtimeStatus: statusesParameter(query),
    afterInstanceId: token ? decodeToken(token) : undefined,
    limit: pageSize > 0 ? pageSize + 1 : undefined,
  });
  const page = pageSize > 0 ? rows.slice(0, pageSize) : rows;
  const showInput = booleanParameter(query, 'showInput') ?? true;
  const body = page.map((row) =>
    statusPayload(row, { showInput, showHistory: false, showHistoryOutput: false }),
  );
  const last = page[page.length - 1];
  const headers: Record<string, string> = {};
  if (pageSize > 0 && rows.length > pageSize && last)
    headers['x-ms-continuation-token'] = encodeToken(last.instanceId);
  return json(200, body, headers);
}

function purgeOne(deps: ManagementApiDeps, instanceId: string): HostResponse {
  const row = deps.engine.getInstance(instanceId);
  if (!row) return empty(404);
  if (!TERMINAL_STATUSES.has(row.runtimeStatus)) {
    return errorResponse(
      412,
      `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${row.runtimeStatus}`,
    );
  }
  return json(200, { instancesDeleted: deps.engine.purge(instanceId) ? 1 : 0 });
}

function purgeByFilter(deps: ManagementApiDeps, request: HostRequest): HostResponse {
  const query = request.url.searchParams;
  const from = dateParameter(query, 'createdTimeFrom');
  if (from === undefined) return errorResponse(400, "Please provide value for 'createdTimeFrom' parameter.");
  const deleted = deps.engine.purgeWhere({
    createdTimeFrom: from,
    createdTimeTo: dateParameter(query, 'createdTimeTo') ?? Date.now(),
    runtimeStatus: statusesParameter(query),
  });
  return deleted === 0 ? empty(404) : json(200, { instancesDeleted: deleted });
}

function control(
  deps: ManagementApiDeps,
  request: HostRequest,
  instanceId: string,
  operation: 'terminate' | 'suspend' | 'resume',
): HostResponse {
  const row = deps.engine.getInstance(instanceId);
  if (!row) return empty(404);
  if (TERMINAL_STATUSES.has(row.runtimeStatus)) return empty(410);
  const reason = request.url.searchParams.get('reason');
  deps.engine[operation](instanceId, reason);
  return empty(202);
}

/**
 * Rewind, answered in the shapes the durable client reads (DurableClient.rewind in durable-functions 3.x rejects
 * with `new Error(response.data || <its own text>)` on 404/412/501): 404 and 410 carry no body, as the extension's
 * HttpApiHandler.HandleRewindInstanceRequestAsync sends them (an object body would surface as "[object Object]");
 * 412 and 501 carry a plain-text message, which the SDK shows as is.
 */
function rewind(deps: ManagementApiDeps, instanceId: string): HostResponse {
  const row: InstanceRow | undefined = deps.engine.getInstance(instanceId);
  if (!row) return empty(404);
  if (
    row.runtimeStatus === 'Completed' ||
    row.runtimeStatus === 'Terminated' ||
    row.runtimeStatus === 'Canceled'
  ) {
    return empty(410);
  }
  if (row.runtimeStatus !== 'Failed') {
    return plainText(
      412,
      `This orchestration has status ${row.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
    );
  }
  return plainText(501, 'The rewind operation is not supported by the local host.');
}

function plainText(status: number, message: string): HostResponse {
  return { status, body: message, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

function restart(deps: ManagementApiDeps, request: HostRequest, instanceId: string): HostResponse {
  const withNewId = booleanParameter(request.url.searchParams, 'restartWithNewInstanceId') ?? true;
  try {
    return checkStatusResponse(deps, request, deps.engine.restart(instanceId, withNewId));
  } catch (error) {
    if (error instanceof InvalidInstanceIdError || error instanceof UnknownOrchestratorError) {
      return errorResponse(400, 'InstanceId does not match a valid orchestration instance.');
    }
    if (error instanceof InstanceExistsError) {
      return errorResponse(409, 'A non-terminal instance with this instance ID already exists.');
    }
    throw error;
  }
}

function raiseEvent(
  deps: ManagementApiDeps,
  request: HostRequest,
  instanceId: string,
  eventName: string,
): HostResponse {
  const row = deps.engine.getInstance(instanceId);
  if (!row) return empty(404);
  if (row.runtimeStatus === 'Failed' || TERMINAL_STATUSES.has(row.runtimeStatus)) return empty(410);
  const mediaType = (headerValue(request.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return errorResponse(400, 'Only application/json request content is supported');
  }
  const text = request.body.toString('utf8');
  let input: string | null = null;
  if (text.trim().length > 0) {
    try {
      input = JSON.stringify(JSON.parse(text));
    } catch {
      return errorResponse(400, 'Invalid JSON content');
    }
  }
  deps.engine.raiseEvent(instanceId, eventName, input);
  return empty(202);
}

// ----------------------------------------------------------------------------------------------------------
// Query parameters, parsed the way the extension's TryGet* helpers do (unparseable = absent).

function booleanParameter(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

function integerParameter(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

function secondsParameter(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

function dateParameter(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value.trim() === '') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function statusesParameter(query: URLSearchParams): RuntimeStatus[] | undefined {
  const statuses: RuntimeStatus[] = [];
  const byCode = new Map<string, RuntimeStatus>(
    Object.entries(OrchestrationStatusCode).map(([name, code]) => [String(code), name as RuntimeStatus]),
  );
  for (const raw of query.getAll('runtimeStatus').flatMap((value) => value.split(','))) {
    const value = raw.trim();
    if (isRuntimeStatus(value)) statuses.push(value);
    else {
      const fromCode = byCode.get(value);
      if (fromCode) statuses.push(fromCode);
    }
  }
  return statuses.length > 0 ? statuses : undefined;
}

function encodeToken(lastInstanceId: string): string {
  return Buffer.from(JSON.stringify({ after: lastInstanceId }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const after =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, unknown>)['after']
        : undefined;
    return typeof after === 'string' ? after : undefined;
  } catch {
    return undefined;
  }
}
