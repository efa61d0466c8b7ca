import { randomUUID } from 'node:crypto';

/** Users and other directory resources: at most 41,760 minutes (reference/graph.md §7.1). */
export const MAX_USER_SUBSCRIPTION_MINUTES = 41_760;
/** Graph raises a shorter requested lifetime to this many minutes from now (issue 8 §5). */
export const MIN_SUBSCRIPTION_MINUTES = 45;
/** `latestSupportedTlsVersion` values Graph accepts; `v1_2` when not given. */
export const TLS_VERSIONS = ['v1_0', 'v1_1', 'v1_2', 'v1_3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];
/** Per app+tenant quota for Entra resources (English docs; graph.md §7.1). */
export const MAX_SUBSCRIPTIONS_PER_APP = 100;

/** A stored subscription: what was asked for, plus what the service keeps about it. */
export interface Subscription extends NewSubscription {
  id: string;
  applicationId: string;
  creatorId: string;
  /** Delivery paused until the app reauthorizes or renews (lifecycle: reauthorizationRequired). */
  paused: boolean;
  /** Expiry for which a reauthorizationRequired notice was already sent. */
  noticeSentFor: string | null;
}

export class SubscriptionRuleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NewSubscription {
  resource: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  /** Absent in state written before the field existed: read as `v1_2`. */
  latestSupportedTlsVersion?: TlsVersion;
}

/** Users (and groups) take only `updated` and `deleted` (reference/graph.md §7.1; creation arrives as updated). */
const USER_CHANGE_TYPES = new Set(['updated', 'deleted']);

export function isEventGridUrl(url: string): boolean {
  return url.toLowerCase().startsWith('eventgrid:');
}

/** `EventGrid:?azuresubscriptionid=…&resourcegroup=…&partnertopic=…&location=…` (graph.md §7.3). */
function checkEventGridUrl(url: string, field: string): void {
  const query = url.slice(url.indexOf('?') + 1);
  const params = new URLSearchParams(query);
  for (const name of ['azuresubscriptionid', 'resourcegroup', 'partnertopic', 'location']) {
    if (!params.get(name)) {
      throw new SubscriptionRuleError(400, 'InvalidRequest', `${field}: the Event Grid URL needs '${name}'.`);
    }
  }
  if (!/^[0-9a-f-]{36}$/i.test(params.get('azuresubscriptionid') ?? '')) {
    throw new SubscriptionRuleError(400, 'InvalidRequest', `${field}: azuresubscriptionid must be a GUID.`);
  }
}

function checkWebhookUrl(url: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SubscriptionRuleError(400, 'InvalidRequest', `${field} is not a valid URL.`);
  }
  // Graph requires https; plain http is tolerated for loopback so local tests need no TLS receiver.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new SubscriptionRuleError(400, 'InvalidRequest', `${field} must be an https URL.`);
  }
}

export function checkNotificationUrl(url: string, field: string): void {
  if (isEventGridUrl(url)) checkEventGridUrl(url, field);
  else checkWebhookUrl(url, field);
}

function changeTypesOf(changeType: string): string[] {
  return changeType
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

function sameChangeTypes(a: string, b: string): boolean {
  return changeTypesOf(a).sort().join(',') === changeTypesOf(b).sort().join(',');
}

/** Subscriptions and their rules; delivery lives in events/publisher.ts. */
export class SubscriptionStore {
  private readonly byId = new Map<string, Subscription>();

  constructor(private readonly knownUser: (id: string) => boolean) {}

  get all(): readonly Subscription[] {
    return [...this.byId.values()];
  }

  get(id: string, applicationId?: string): Subscription | undefined {
    const sub = this.byId.get(id.toLowerCase());
    if (!sub || (applicationId && sub.applicationId !== applicationId.toLowerCase())) return undefined;
    return sub;
  }

  /** Validates a creation request; throws SubscriptionRuleError with Graph's status. */
  validate(input: NewSubscription, applicationId: string, nowMs: number): void {
    const resource = input.resource.replace(/^\/+/, '');
    const m = /^users(?:\/([0-9a-f-]{36}))?$/i.exec(resource);
    if (!m) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        `Resource '${input.resource}' is not supported (the emulator serves users).`,
      );
    }
    if (m[1] && !this.knownUser(m[1])) {
      throw new SubscriptionRuleError(
        404,
        'ResourceNotFound',
        `Resource '${input.resource}' does not exist.`,
      );
    }
    const types = changeTypesOf(input.changeType);
    if (types.length === 0 || types.some((t) => !USER_CHANGE_TYPES.has(t))) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        `Invalid 'changeType' attribute: '${input.changeType}'.`,
      );
    }
    if (input.clientState !== null && input.clientState.length > 128) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        'clientState cannot be longer than 128 characters.',
      );
    }
    checkNotificationUrl(input.notificationUrl, 'notificationUrl');
    if (input.lifecycleNotificationUrl !== null)
      checkNotificationUrl(input.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
    this.checkExpiration(input.expirationDateTime, nowMs);
    const duplicate = this.all.find(
      (s) =>
        s.applicationId === applicationId.toLowerCase() &&
        s.resource.toLowerCase() === resource.toLowerCase() &&
        sameChangeTypes(s.changeType, input.changeType) &&
        s.notificationUrl.toLowerCase() === input.notificationUrl.toLowerCase(),
    );
    if (duplicate !== undefined) {
      throw new SubscriptionRuleError(
        409,
        'ExtensionError',
        'Operation not allowed: a subscription with the same resource, changeType and notificationUrl already exists.',
      );
    }
    const mine = this.all.filter((s) => s.applicationId === applicationId.toLowerCase()).length;
    if (mine >= MAX_SUBSCRIPTIONS_PER_APP) {
      throw new SubscriptionRuleError(
        403,
        'ExtensionError',
        `Operation not allowed: the maximum of ${MAX_SUBSCRIPTIONS_PER_APP} subscriptions per app and tenant was reached.`,
      );
    }
  }

  checkExpiration(expirationDateTime: string, nowMs: number): void {
    const at = Date.parse(expirationDateTime);
    if (Number.isNaN(at)) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        `expirationDateTime '${expirationDateTime}' is not a valid date.`,
      );
    }
    if (at <= nowMs) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        'Subscription expiration can only be in the future.',
      );
    }
    if (at > nowMs + MAX_USER_SUBSCRIPTION_MINUTES * 60_000) {
      throw new SubscriptionRuleError(
        400,
        'InvalidRequest',
        `Subscription expiration can only be ${MAX_USER_SUBSCRIPTION_MINUTES} minutes in the future.`,
      );
    }
  }

  /** Graph raises a lifetime under 45 minutes to now + 45 minutes, on create and on renew. */
  effectiveExpiration(expirationDateTime: string, nowMs: number): string {
    const at = Math.max(Date.parse(expirationDateTime), nowMs + MIN_SUBSCRIPTION_MINUTES * 60_000);
    return new Date(at).toISOString();
  }

  create(input: NewSubscription, applicationId: string, creatorId: string, nowMs: number): Subscription {
    const sub: Subscription = {
      id: randomUUID(),
      resource: input.resource.replace(/^\/+/, ''),
      changeType: input.changeType,
      clientState: input.clientState,
      notificationUrl: input.notificationUrl,
      lifecycleNotificationUrl: input.lifecycleNotificationUrl,
      expirationDateTime: this.effectiveExpiration(input.expirationDateTime, nowMs),
      latestSupportedTlsVersion: input.latestSupportedTlsVersion ?? 'v1_2',
      applicationId: applicationId.toLowerCase(),
      creatorId,
      paused: false,
      noticeSentFor: null,
    };
    this.byId.set(sub.id, sub);
    return sub;
  }

  renew(sub: Subscription, expirationDateTime: string, nowMs: number): void {
    this.checkExpiration(expirationDateTime, nowMs);
    sub.expirationDateTime = this.effectiveExpiration(expirationDateTime, nowMs);
    sub.paused = false;
  }

  reauthorize(sub: Subscription): void {
    sub.paused = false;
  }

  delete(id: string): boolean {
    return this.byId.delete(id.toLowerCase());
  }

  /** Removes expired subscriptions (Graph stops delivering at expiry). */
  sweepExpired(nowMs: number): Subscription[] {
    const expired = this.all.filter((s) => Date.parse(s.expirationDateTime) <= nowMs);
    for (const s of expired) this.byId.delete(s.id);
    return expired;
  }

  /** Whether `sub` wants to hear about this change to `userId`. */
  matches(sub: Subscription, userId: string, changeType: 'updated' | 'deleted', nowMs: number): boolean {
    if (Date.parse(sub.expirationDateTime) <= nowMs) return false;
    const types = sub.changeType
      .toLowerCase()
      .split(',')
      .map((t) => t.trim());
    if (!types.includes(changeType)) return false;
    const target = /^users\/(.+)$/i.exec(sub.resource)?.[1];
    return target === undefined || target.toLowerCase() === userId.toLowerCase();
  }
}
