import { type Prng, type RequestRandomness } from '../core/prng';
import { type TokenService, type TokenRejection } from '../entra/tokens';
import { type FaultDecision, type FaultInjector } from '../faults/faultInjector';
import { type LatencyModel } from '../faults/latency';
import { type RequestLog } from '../log/requestLog';
import { type RequestCost, type Throttler } from '../throttling/throttler';
import { executeBatch } from './batch';
import { type GraphContext } from './context';
import { usersDelta } from './delta';
import { errors, GraphError } from './errors';
import { transitiveMembers } from './groups';
import {
  createPhoneMethod,
  deletePhoneMethod,
  getPhoneMethod,
  listPhoneMethods,
  phoneMethodAction,
  updatePhoneMethod,
} from './phoneMethods';
import { ALLOWED_METHODS, route, type Route } from './router';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  reauthorizeSubscription,
  updateSubscription,
  type SubscriptionHooks,
} from './subscriptions';
import { type GraphOutcome, type GraphRequest, type GraphResponse } from './types';
import { getUser, listUsers } from './users';

export interface PipelineDeps {
  ctx: GraphContext;
  tokens: TokenService;
  throttler: Throttler;
  faults: FaultInjector;
  randomness: RequestRandomness;
  hooks: SubscriptionHooks;
  log: RequestLog;
  latency: LatencyModel;
  authorityHost: string;
}

const TOKEN_MESSAGES: Record<TokenRejection, string> = {
  missing: 'Access token is empty.',
  malformed: 'IDX14100: JWT is not well formed, there are no dots (.).',
  expired: 'Lifetime validation failed, the token is expired.',
  signature: 'Access token validation failure. Invalid signature.',
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer or tenant.',
};

/** Identity-and-access cost of a request (graph.md §5.2); `undefined` for non-directory calls. */
export function costOf(r: Route, method: string, query: Map<string, string>): RequestCost | undefined {
  if (r.op === 'batch' || r.op === 'subscriptions' || r.op === 'subscription' || r.op === 'reauthorize')
    return undefined;
  if (method !== 'GET') return { resourceUnits: 1, writes: 1 };
  let units = r.op === 'listUsers' || r.op === 'delta' ? 2 : 1;
  if (query.has('$select')) units -= 1;
  if (query.has('$expand')) units += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && top < 20) units -= 1;
  return { resourceUnits: Math.max(1, units), writes: 0 };
}

function faultResponse(
  fault: FaultDecision,
  req: GraphRequest,
): GraphResponse | 'connectionReset' | undefined {
  switch (fault.kind) {
    case 'throttle':
      return errors
        .throttled(fault.retryAfterSeconds, { 'x-emulator-fault': 'throttle' })
        .toResponse(req.requestId, req.clientRequestId);
    case 'unavailable': {
      const e = errors.unavailable(fault.retryAfterSeconds);
      return new GraphError(e.status, e.code, e.message, {
        ...e.headers,
        'x-emulator-fault': 'unavailable',
      }).toResponse(req.requestId, req.clientRequestId);
    }
    case 'gatewayTimeout': {
      const e = errors.gatewayTimeout();
      return new GraphError(e.status, e.code, e.message, { 'x-emulator-fault': 'gatewayTimeout' }).toResponse(
        req.requestId,
        req.clientRequestId,
      );
    }
    case 'connectionReset':
      return 'connectionReset';
    case 'slowResponse':
      return undefined;
  }
}

/**
 * Every Graph request goes through here: injected faults, token check, routing, throttling, the handler,
 * and error shaping. Batch items take the same path minus the token check.
 */
export class GraphPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: GraphRequest): Promise<GraphOutcome> {
    const prng = this.deps.randomness.forRequest(req.method, req.rawPath);
    const fault = this.deps.faults.decide(req.method, req.rawPath, prng, false);
    const kind = req.method === 'GET' ? 'read' : 'write';
    // Drawn after the fault so that adding latency never changes which requests fail.
    const latencyMs = this.deps.latency.delayMs(kind, prng);
    const extraDelayMs = latencyMs + (fault?.kind === 'slowResponse' ? fault.delayMs : 0);
    const base: Omit<GraphOutcome, 'response'> = {
      kind,
      extraDelayMs,
      ...(fault ? { fault: fault.kind } : {}),
    };
    if (fault && fault.phase === 'before') {
      const response = faultResponse(fault, req);
      if (response) return { ...base, response };
    }
    const check = await this.deps.tokens.verify(req.headers.authorization);
    if (!check.ok) {
      const error = errors.unauthorized(TOKEN_MESSAGES[check.reason], this.deps.authorityHost);
      return { ...base, response: error.toResponse(req.requestId, req.clientRequestId) };
    }
    req.principal = check.principal;
    const who = {
      appId: check.principal.appId,
      ...(check.principal.kind === 'user' ? { userPrincipalName: check.principal.userPrincipalName } : {}),
    };
    const outcome = await this.execute(req, prng, false);
    if (fault && fault.phase === 'after') {
      const response = faultResponse(fault, req);
      if (response) return { ...base, ...who, ...outcome, extraDelayMs, fault: fault.kind, response };
    }
    return { ...base, ...who, ...outcome, extraDelayMs, ...(fault ? { fault: fault.kind } : {}) };
  }

  /** A `$batch` item: its own faults and throttling, the envelope's caller. */
  async handleItem(req: GraphRequest): Promise<GraphOutcome> {
    const prng = this.deps.randomness.forRequest(req.method, req.rawPath);
    const fault = this.deps.faults.decide(req.method, req.rawPath, prng, true);
    if (fault?.phase === 'before') {
      const response = faultResponse(fault, req);
      if (response)
        return {
          kind: req.method === 'GET' ? 'read' : 'write',
          extraDelayMs: 0,
          fault: fault.kind,
          response,
        };
    }
    const outcome = await this.execute(req, prng, true);
    if (fault?.phase === 'after') {
      const response = faultResponse(fault, req);
      if (response) return { ...outcome, fault: fault.kind, response };
    }
    return outcome;
  }

  private async execute(req: GraphRequest, prng: Prng, inBatch: boolean): Promise<GraphOutcome> {
    const kind = req.method === 'GET' ? 'read' : 'write';
    let r: Route;
    try {
      r = route(req.rawPath);
      if (!ALLOWED_METHODS[r.op].includes(req.method)) throw errors.methodNotAllowed(req.method);
      if (inBatch && r.op === 'batch')
        throw errors.invalidRequest('A $batch request cannot contain another $batch.');
    } catch (error) {
      return { kind, extraDelayMs: 0, response: this.errorResponse(error, req) };
    }
    const cost = costOf(r, req.method, req.query);
    const principal = req.principal;
    let throttleHeaders: Record<string, string> = {};
    if (cost && principal) {
      const decision = this.deps.throttler.check(
        principal.appId,
        cost,
        req.headers['x-ms-throttle-priority'],
      );
      throttleHeaders = decision.headers;
      if (!decision.allowed) {
        const error = errors.throttled(decision.retryAfterSeconds, decision.headers);
        return {
          kind,
          extraDelayMs: 0,
          resourceUnits: cost.resourceUnits,
          throttled: true,
          response: error.toResponse(req.requestId, req.clientRequestId),
        };
      }
    }
    let response: GraphResponse;
    try {
      response =
        r.op === 'batch' ? await executeBatch(req, this, prng, this.deps.ctx) : await this.dispatch(r, req);
    } catch (error) {
      response = this.errorResponse(error, req);
    }
    response.headers = { ...throttleHeaders, ...response.headers };
    return { kind, extraDelayMs: 0, response, ...(cost ? { resourceUnits: cost.resourceUnits } : {}) };
  }

  private errorResponse(error: unknown, req: GraphRequest): GraphResponse {
    if (error instanceof GraphError) return error.toResponse(req.requestId, req.clientRequestId);
    const message = error instanceof Error ? error.message : String(error);
    return new GraphError(500, 'InternalServerError', `Emulator error: ${message}`).toResponse(
      req.requestId,
      req.clientRequestId,
    );
  }

  private async dispatch(r: Route, req: GraphRequest): Promise<GraphResponse> {
    const ctx: GraphContext = { ...this.deps.ctx, graphBaseUrl: req.baseUrl };
    const hooks = this.deps.hooks;
    switch (r.op) {
      case 'listUsers':
        return listUsers(ctx, req);
      case 'delta':
        return usersDelta(ctx, req);
      case 'user':
        return getUser(ctx, req, r.user);
      case 'phoneMethods':
        return req.method === 'GET'
          ? listPhoneMethods(ctx, req, r.user)
          : createPhoneMethod(ctx, req, r.user);
      case 'phoneMethod':
        if (req.method === 'GET') return getPhoneMethod(ctx, req, r.user, r.methodId);
        if (req.method === 'PATCH') return updatePhoneMethod(ctx, req, r.user, r.methodId);
        return deletePhoneMethod(ctx, req, r.user, r.methodId);
      case 'phoneMethodAction':
        return phoneMethodAction(ctx, req, r.user, r.methodId, r.action);
      case 'subscriptions':
        return req.method === 'GET' ? listSubscriptions(ctx, req) : createSubscription(ctx, req, hooks);
      case 'subscription':
        if (req.method === 'GET') return getSubscription(ctx, req, r.id);
        if (req.method === 'PATCH') return updateSubscription(ctx, req, r.id, hooks);
        return deleteSubscription(ctx, req, r.id);
      case 'reauthorize':
        return reauthorizeSubscription(ctx, req, r.id);
      case 'transitiveMembers':
        return transitiveMembers(ctx, req, r.groupId, r.usersOnly);
      case 'batch':
        throw errors.invalidRequest('unreachable');
    }
  }

  get log(): RequestLog {
    return this.deps.log;
  }
}
