import { type IssuedToken } from '../entra/tokens';
import {
  type ControlSubscription,
  type ControlUser,
  type DeliveryRecord,
  type EmulatorStats,
  type EventSinkOptions,
  type FaultProfile,
  type LatencyProfile,
  type MintTokenRequest,
  type RequestLogEntry,
  type ReseedRequest,
  type ScriptedFault,
  type SeedUser,
  type SetPhoneMethodRequest,
  type TenantSummary,
  type ThrottlingOptions,
  type UndocumentedChoices,
  type UserListPage,
  type UserPatch,
} from './types';

export class ControlApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(details.length ? `${message}\n  - ${details.join('\n  - ')}` : message);
    this.name = 'ControlApiError';
  }
}

/**
 * Typed client of the emulator's control API (`/_emulator/...`). Works in-process and from another
 * process (e.g. the local host), since it only speaks HTTP.
 */
export class EmulatorControlClient {
  /** `baseUrl`: the Graph port's origin, e.g. `http://127.0.0.1:PORT`. */
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = parsed as { error?: string; details?: string[] } | undefined;
      throw new ControlApiError(res.status, err?.error ?? `HTTP ${res.status}`, err?.details ?? []);
    }
    return parsed as T;
  }

  // ---- tenant ----
  info(): Promise<TenantSummary> {
    return this.call('GET', '/info');
  }

  stats(): Promise<EmulatorStats> {
    return this.call('GET', '/stats');
  }

  /** Replaces the whole tenant (seed object, seed file path, or generated). Invalidates delta tokens. */
  reseed(request: ReseedRequest): Promise<TenantSummary> {
    return this.call('POST', '/tenant', request);
  }

  listUsers(options: { skip?: number; top?: number } = {}): Promise<UserListPage> {
    return this.call('GET', `/users?skip=${options.skip ?? 0}&top=${options.top ?? 100}`);
  }

  /** By object id or UPN (soft-deleted users included); `undefined` when unknown. */
  async getUser(key: string): Promise<ControlUser | undefined> {
    try {
      return await this.call<ControlUser>('GET', `/users/${encodeURIComponent(key)}`);
    } catch (error) {
      if (error instanceof ControlApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Adds a user (journaled: appears in delta, notifies subscribers as `updated`). */
  addUser(user: SeedUser): Promise<ControlUser> {
    return this.call('POST', '/users', user);
  }

  /** Changes attributes; Graph-visible changes emit a change notification and a delta entry. */
  updateUser(key: string, patch: UserPatch): Promise<{ user: ControlUser; changed: string[] }> {
    return this.call('PATCH', `/users/${encodeURIComponent(key)}`, patch);
  }

  async deleteUser(key: string, options: { permanent?: boolean } = {}): Promise<void> {
    await this.call('DELETE', `/users/${encodeURIComponent(key)}?permanent=${options.permanent === true}`);
  }

  restoreUser(key: string): Promise<ControlUser> {
    return this.call('POST', `/users/${encodeURIComponent(key)}/restore`);
  }

  /** Sets (or with `null` removes) a phone method directly, bypassing the API's rules. */
  setPhoneMethod(
    key: string,
    phoneType: 'mobile' | 'alternateMobile' | 'office',
    request: SetPhoneMethodRequest,
  ): Promise<ControlUser> {
    return this.call('PUT', `/users/${encodeURIComponent(key)}/phoneMethods/${phoneType}`, request);
  }

  // ---- request log ----
  async requests(options: { since?: number; limit?: number } = {}): Promise<RequestLogEntry[]> {
    const page = await this.call<{ value: RequestLogEntry[] }>(
      'GET',
      `/requests?since=${options.since ?? 0}&limit=${options.limit ?? 1000}`,
    );
    return page.value;
  }

  /** The whole log still held (oldest first), read page by page. */
  async allRequests(): Promise<RequestLogEntry[]> {
    const all: RequestLogEntry[] = [];
    for (let since = 0; ;) {
      const page = await this.requests({ since, limit: 1_000 });
      const last = page.at(-1);
      if (last === undefined) return all;
      all.push(...page);
      since = last.seq;
    }
  }

  async lastRequestSeq(): Promise<number> {
    return (await this.call<{ lastSeq: number }>('GET', '/requests?limit=0')).lastSeq;
  }

  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/requests');
  }

  // ---- faults, latency, throttling, choices ----
  async setFaultProfile(profile: FaultProfile | null): Promise<void> {
    await this.call('PUT', '/faults', profile);
  }

  async addScriptedFault(fault: ScriptedFault): Promise<{ pending: number }> {
    return this.call('POST', '/faults/scripted', fault);
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  async setLatency(profile: LatencyProfile): Promise<void> {
    await this.call('PUT', '/latency', profile);
  }

  getThrottling(): Promise<ThrottlingOptions> {
    return this.call('GET', '/throttling');
  }

  setThrottling(options: Partial<ThrottlingOptions>): Promise<ThrottlingOptions> {
    return this.call('PUT', '/throttling', options);
  }

  async resetThrottling(): Promise<void> {
    await this.call('POST', '/throttling/reset');
  }

  getChoices(): Promise<UndocumentedChoices> {
    return this.call('GET', '/choices');
  }

  setChoices(choices: Partial<UndocumentedChoices>): Promise<UndocumentedChoices> {
    return this.call('PUT', '/choices', choices);
  }

  // ---- delta, subscriptions, events ----
  /** The next delta continuation (nextLink/deltaLink) answers 410 with a Location to restart from. */
  async forceDeltaResync(): Promise<void> {
    await this.call('POST', '/delta/resync');
  }

  async subscriptions(): Promise<ControlSubscription[]> {
    return (await this.call<{ value: ControlSubscription[] }>('GET', '/subscriptions')).value;
  }

  /** Sends `reauthorizationRequired`; with `pause` (default) change delivery stops until the app reauthorizes. */
  requireReauthorization(
    subscriptionId: string,
    options: { pause?: boolean } = {},
  ): Promise<ControlSubscription> {
    return this.call(
      'POST',
      `/subscriptions/${encodeURIComponent(subscriptionId)}/reauthorizationRequired?pause=${options.pause !== false}`,
    );
  }

  async events(options: { since?: number } = {}): Promise<DeliveryRecord[]> {
    return (await this.call<{ value: DeliveryRecord[] }>('GET', `/events?since=${options.since ?? 0}`)).value;
  }

  /** Waits until every pending notification delivery has finished. */
  async flushEvents(): Promise<void> {
    await this.call('POST', '/events/flush');
  }

  /** Creates or replaces a group with these direct members (user or group ids); for transitiveMembers. */
  putGroup(
    id: string,
    group: { displayName?: string; members: string[] },
  ): Promise<{ id: string; members: string[] }> {
    return this.call('PUT', `/groups/${encodeURIComponent(id)}`, group);
  }

  /**
   * `dropChanges`: change notifications are recorded as `dropped` and never delivered (lifecycle ones
   * still are), as when Event Grid loses them; `delayMs`: each delivery waits this long first (Graph's
   * own notification latency, reference/graph.md §7.1).
   */
  setEventDelivery(settings: {
    dropChanges?: boolean;
    delayMs?: number;
  }): Promise<{ dropChanges: boolean; delayMs: number }> {
    return this.call('PUT', '/events/delivery', settings);
  }

  async setEventSink(sink: EventSinkOptions | null): Promise<void> {
    await this.call('PUT', '/events/sink', sink);
  }

  // ---- tokens ----
  /** A Graph access token with chosen claims (or deliberately expired / badly signed). */
  mintToken(request: MintTokenRequest = {}): Promise<IssuedToken> {
    return this.call('POST', '/tokens', request);
  }
}
