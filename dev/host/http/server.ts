import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FunctionInfo } from '../app/functionCatalog';
import { DURABLE_RPC_PATH, DURABLE_WEBHOOK_PATH, type ClientBindingSettings } from '../durable/clientBinding';
import type { DurableEngine } from '../durable/engine';
import { handleManagementRequest } from '../durable/managementApi';
import { describeError, type Invoker } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import type { TriggerDispatcher } from '../triggers/dispatcher';
import { handleAdminRequest } from './adminApi';
import { handleEventGridWebhook } from './eventGridWebhook';
import { fromHttpInvocation, toRpcHttpRequest } from './httpTrigger';
import { empty, headerValue, type HostRequest, type HostResponse } from './httpTypes';
import {
  DURABLE_SYSTEM_KEY,
  EVENT_GRID_SYSTEM_KEY,
  isAuthorized,
  presentedKey,
  type HostKeys,
  type KeyScope,
} from './keys';
import { comparePrecedence, matchRoute, parseRouteTemplate, type RouteTemplate } from './routeTemplate';

export interface HostServerDeps {
  readonly catalog: ReadonlyMap<string, FunctionInfo>;
  readonly invoker: Invoker;
  readonly dispatcher: TriggerDispatcher;
  readonly engine: DurableEngine;
  readonly keys: HostKeys;
  readonly enforceKeys: boolean;
  readonly routePrefix: string;
  readonly clientSettings: () => ClientBindingSettings;
  readonly logger: HostLogger;
  readonly hostId: string;
  readonly startedAt: number;
  /** Requests wait for this (appStart hooks, durable resume) before they reach a function. */
  readonly whenReady: Promise<void>;
}

/** Azure's request size limit for HTTP triggers. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

interface HttpRoute {
  readonly fn: FunctionInfo;
  readonly template: RouteTemplate;
  /** Upper-case methods; undefined = any method. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly authLevel: string;
}

export function buildHttpRoutes(catalog: ReadonlyMap<string, FunctionInfo>): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of catalog.values()) {
    if (fn.kind !== 'http' || fn.error || fn.disabled) continue;
    const route = typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name;
    const methods = fn.trigger['methods'];
    const authLevel = fn.trigger['authLevel'];
    routes.push({
      fn,
      template: parseRouteTemplate(route),
      methods: Array.isArray(methods)
        ? new Set(methods.filter((m): m is string => typeof m === 'string').map((m) => m.toUpperCase()))
        : undefined,
      authLevel: typeof authLevel === 'string' ? authLevel.toLowerCase() : 'function',
    });
  }
  return routes.sort((a, b) => comparePrecedence(a.template, b.template));
}

/**
 * One server for every door: `/<routePrefix>/*` HTTP triggers, `/admin/*`, the Event Grid webhook, the Durable
 * webhook `/runtime/webhooks/durabletask/*` and the Durable RPC base `/durabletask/*` (one handler for both).
 */
export function createHostServer(deps: HostServerDeps): Server {
  const routes = buildHttpRoutes(deps.catalog);
  return createServer((req, res) => {
    void serve(deps, routes, req, res);
  });
}

async function serve(
  deps: HostServerDeps,
  routes: HttpRoute[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let response: HostResponse;
  try {
    const body = await readBody(req);
    if (body === undefined) {
      response = empty(413);
    } else {
      const host = headerValue(req.headers, 'host') ?? '127.0.0.1';
      const request: HostRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', `http://${host}`),
        headers: req.headers,
        body,
        origin: `http://${host}`,
        remoteAddress: req.socket.remoteAddress,
      };
      await deps.whenReady;
      response = await route(deps, routes, request);
    }
  } catch (error) {
    deps.logger.log(
      'error',
      `Host: request ${req.method ?? ''} ${req.url?.split('?')[0] ?? ''} failed: ${describeError(error)}`,
    );
    response = empty(500);
  }
  writeResponse(res, response);
}

async function route(deps: HostServerDeps, routes: HttpRoute[], request: HostRequest): Promise<HostResponse> {
  const path = request.url.pathname;
  const lower = path.toLowerCase();

  if (lower === '/admin' || lower.startsWith('/admin/')) {
    if (!allowed(deps, request, { kind: 'admin' })) return empty(401);
    return handleAdminRequest(
      {
        catalog: deps.catalog,
        dispatcher: deps.dispatcher,
        engine: deps.engine,
        logger: deps.logger,
        hostId: deps.hostId,
        startedAt: deps.startedAt,
        routePrefix: deps.routePrefix,
      },
      request,
      path.slice('/admin'.length),
    );
  }
  if (lower === DURABLE_WEBHOOK_PATH || lower.startsWith(`${DURABLE_WEBHOOK_PATH}/`)) {
    if (!allowed(deps, request, { kind: 'system', systemKeyName: DURABLE_SYSTEM_KEY })) return empty(401);
    return handleManagementRequest(management(deps), request, path.slice(DURABLE_WEBHOOK_PATH.length));
  }
  if (lower === '/runtime/webhooks/eventgrid') {
    if (!allowed(deps, request, { kind: 'system', systemKeyName: EVENT_GRID_SYSTEM_KEY })) return empty(401);
    return handleEventGridWebhook(deps.catalog, deps.dispatcher, request);
  }
  if (lower.startsWith(DURABLE_RPC_PATH)) {
    // The extension's RPC listener is loopback-only and unauthenticated; keep it that way.
    if (!isLoopback(request.remoteAddress)) return empty(403);
    return handleManagementRequest(management(deps), request, path.slice(DURABLE_RPC_PATH.length - 1));
  }
  const prefix = deps.routePrefix.length > 0 ? `/${deps.routePrefix.toLowerCase()}` : '';
  if (prefix.length === 0 || lower === prefix || lower.startsWith(`${prefix}/`)) {
    return httpTrigger(deps, routes, request, path.slice(prefix.length));
  }
  return empty(404);
}

function management(deps: HostServerDeps): { engine: DurableEngine; clientSettings: ClientBindingSettings } {
  return { engine: deps.engine, clientSettings: deps.clientSettings() };
}

async function httpTrigger(
  deps: HostServerDeps,
  routes: HttpRoute[],
  request: HostRequest,
  routePath: string,
): Promise<HostResponse> {
  const method = request.method.toUpperCase();
  for (const candidate of routes) {
    const params = matchRoute(candidate.template, routePath);
    if (!params || (candidate.methods && !candidate.methods.has(method))) continue;
    if (candidate.authLevel !== 'anonymous') {
      const scope: KeyScope =
        candidate.authLevel === 'admin' || candidate.authLevel === 'system'
          ? { kind: 'admin' }
          : { kind: 'function', functionName: candidate.fn.name };
      if (!allowed(deps, request, scope)) return empty(401);
    }
    const outcome = await deps.invoker.invoke({
      fn: candidate.fn,
      inputData: [
        { name: candidate.fn.triggerBindingName, data: { http: toRpcHttpRequest(request, params) } },
      ],
      reason: 'This function was programmatically called via the host APIs.',
    });
    return fromHttpInvocation(candidate.fn, outcome.ok ? outcome.response : undefined);
  }
  return empty(404);
}

function allowed(deps: HostServerDeps, request: HostRequest, scope: KeyScope): boolean {
  if (!deps.enforceKeys) return true;
  return isAuthorized(
    deps.keys,
    scope,
    presentedKey(request.url, headerValue(request.headers, 'x-functions-key')),
  );
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeResponse(res: ServerResponse, response: HostResponse): void {
  if (res.headersSent) return;
  let body: Buffer | undefined;
  if (response.body !== undefined) {
    body = Buffer.isBuffer(response.body)
      ? response.body
      : typeof response.body === 'string'
        ? Buffer.from(response.body, 'utf8')
        : Buffer.from(JSON.stringify(response.body), 'utf8');
  }
  const headers: Record<string, string | string[]> = { ...response.headers };
  headers['content-length'] = String(body?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(body);
}
