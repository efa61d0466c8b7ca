import {
  TLS_VERSIONS,
  type TlsVersion,
  checkNotificationUrl,
  isEventGridUrl,
  SubscriptionRuleError,
  type Subscription,
} from '../store/subscriptionStore';
import { authorizeUserRead } from './authorization';
import { type GraphContext } from './context';
import { errors, GraphError, ODATA_JSON } from './errors';
import { principalOf, type GraphRequest, type GraphResponse } from './types';

/** Webhook validation and lifecycle hooks, provided by the event publisher. */
export interface SubscriptionHooks {
  /** Graph's validation handshake (graph.md §8): POST ?validationToken=…, expect the token back in 10 s. */
  validateWebhook(url: string): Promise<boolean>;
  /** Called after create/renew: sends reauthorizationRequired at once if expiry is near (graph.md §7.3). */
  afterExpiryChange(sub: Subscription): void;
}

function view(ctx: GraphContext, sub: Subscription, withContext: boolean): Record<string, unknown> {
  return {
    ...(withContext ? { '@odata.context': `${ctx.graphBaseUrl}/$metadata#subscriptions/$entity` } : {}),
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: sub.expirationDateTime,
    creatorId: sub.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion ?? 'v1_2',
    notificationContentType: 'application/json',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

function asGraphError(error: unknown): unknown {
  return error instanceof SubscriptionRuleError
    ? new GraphError(error.status, error.code, error.message)
    : error;
}

function body(req: GraphRequest): Record<string, unknown> {
  if (req.bodyProblem === 'unsupportedMediaType') throw errors.unsupportedMediaType();
  if (req.bodyProblem || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw errors.invalidJson();
  }
  return req.body as Record<string, unknown>;
}

function optionalString(b: Record<string, unknown>, name: string): string | null {
  const value = b[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw errors.invalidRequest(`'${name}' must be a string.`);
  return value;
}

function requiredString(b: Record<string, unknown>, name: string): string {
  const value = optionalString(b, name);
  if (value === null || value === '') throw errors.invalidRequest(`'${name}' is required.`);
  return value;
}

function tlsVersion(b: Record<string, unknown>): TlsVersion {
  const value = optionalString(b, 'latestSupportedTlsVersion');
  if (value === null) return 'v1_2';
  const known = TLS_VERSIONS.find((version) => version === value.toLowerCase());
  if (known === undefined) {
    throw errors.invalidRequest(
      `latestSupportedTlsVersion '${value}' is not valid; expected one of ${TLS_VERSIONS.join(', ')}.`,
    );
  }
  return known;
}

function notFound(id: string): GraphError {
  return new GraphError(404, 'ResourceNotFound', `The object '${id}' was not found.`);
}

export async function createSubscription(
  ctx: GraphContext,
  req: GraphRequest,
  hooks: SubscriptionHooks,
): Promise<GraphResponse> {
  const principal = principalOf(req);
  authorizeUserRead(principal, 'default');
  const b = body(req);
  const input = {
    resource: requiredString(b, 'resource'),
    changeType: requiredString(b, 'changeType'),
    clientState: optionalString(b, 'clientState'),
    notificationUrl: requiredString(b, 'notificationUrl'),
    lifecycleNotificationUrl: optionalString(b, 'lifecycleNotificationUrl'),
    expirationDateTime: requiredString(b, 'expirationDateTime'),
    latestSupportedTlsVersion: tlsVersion(b),
  };
  const contentType = optionalString(b, 'notificationContentType');
  if (contentType !== null && contentType.toLowerCase() !== 'application/json') {
    throw errors.invalidRequest(
      `notificationContentType '${contentType}' is not supported for this resource.`,
    );
  }
  try {
    ctx.subscriptions.validate(input, principal.appId, ctx.clock.nowMs());
  } catch (error) {
    throw asGraphError(error);
  }
  for (const url of [input.notificationUrl, input.lifecycleNotificationUrl]) {
    if (url === null || isEventGridUrl(url)) continue;
    if (!(await hooks.validateWebhook(url))) {
      throw errors.invalidRequest(
        'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      );
    }
  }
  const creator = principal.kind === 'user' ? principal.userId : principal.objectId;
  const sub = ctx.subscriptions.create(input, principal.appId, creator, ctx.clock.nowMs());
  hooks.afterExpiryChange(sub);
  return {
    status: 201,
    headers: { 'Content-Type': ODATA_JSON, Location: `${ctx.graphBaseUrl}/subscriptions/${sub.id}` },
    body: view(ctx, sub, true),
  };
}

export function listSubscriptions(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const appId = principalOf(req).appId.toLowerCase();
  return {
    status: 200,
    headers: { 'Content-Type': ODATA_JSON },
    body: {
      '@odata.context': `${ctx.graphBaseUrl}/$metadata#subscriptions`,
      value: ctx.subscriptions.all.filter((s) => s.applicationId === appId).map((s) => view(ctx, s, false)),
    },
  };
}

function own(ctx: GraphContext, req: GraphRequest, id: string): Subscription {
  const sub = ctx.subscriptions.get(id, principalOf(req).appId);
  if (!sub) throw notFound(id);
  return sub;
}

export function getSubscription(ctx: GraphContext, req: GraphRequest, id: string): GraphResponse {
  return { status: 200, headers: { 'Content-Type': ODATA_JSON }, body: view(ctx, own(ctx, req, id), true) };
}

/** Renew (graph.md §7.1): only `expirationDateTime` (and notificationUrl) may change; renewal reauthorizes. */
export function updateSubscription(
  ctx: GraphContext,
  req: GraphRequest,
  id: string,
  hooks: SubscriptionHooks,
): GraphResponse {
  const sub = own(ctx, req, id);
  const b = body(req);
  if ('lifecycleNotificationUrl' in b) {
    throw errors.invalidRequest('lifecycleNotificationUrl can only be set when the subscription is created.');
  }
  for (const name of Object.keys(b)) {
    if (!['expirationDateTime', 'notificationUrl', '@odata.type'].includes(name)) {
      throw errors.invalidRequest(`Property '${name}' cannot be updated.`);
    }
  }
  if (!('expirationDateTime' in b) && !('notificationUrl' in b)) {
    throw errors.invalidRequest('An update needs expirationDateTime or notificationUrl.');
  }
  try {
    const expiration = optionalString(b, 'expirationDateTime');
    if (expiration !== null) ctx.subscriptions.renew(sub, expiration, ctx.clock.nowMs());
    const url = optionalString(b, 'notificationUrl');
    if (url !== null) {
      checkNotificationUrl(url, 'notificationUrl');
      sub.notificationUrl = url;
    }
  } catch (error) {
    throw asGraphError(error);
  }
  hooks.afterExpiryChange(sub);
  return { status: 200, headers: { 'Content-Type': ODATA_JSON }, body: view(ctx, sub, true) };
}

export function deleteSubscription(ctx: GraphContext, req: GraphRequest, id: string): GraphResponse {
  const sub = own(ctx, req, id);
  ctx.subscriptions.delete(sub.id);
  return { status: 204, headers: {} };
}

export function reauthorizeSubscription(ctx: GraphContext, req: GraphRequest, id: string): GraphResponse {
  const sub = own(ctx, req, id);
  ctx.subscriptions.reauthorize(sub);
  return { status: 204, headers: {} };
}
