import { type Clock } from '../core/clock';
import {
  DEFAULT_THROTTLING,
  resourceUnitsForTenantSize,
  type BucketLimit,
  type ThrottlingOptions,
} from '../options';
import { TokenBucket } from './tokenBucket';

/** What one request costs (reference/graph.md §5.2). */
export interface RequestCost {
  resourceUnits: number;
  writes: number;
}

export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterSeconds: number; headers: Record<string, string> };

interface LimitDef {
  scope: 'Tenant_Application' | 'Tenant' | 'Application';
  kind: 'ResourceUnit' | 'Write';
  limit: BucketLimit;
}

/**
 * Identity-and-access throttling: token buckets per app+tenant (resource units by tenant size, writes),
 * per tenant (writes across apps) and per app (resource units across tenants). A request passes only if
 * every bucket it draws from has room.
 */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();
  private options: ThrottlingOptions;
  private limits: LimitDef[] = [];

  constructor(
    options: Partial<ThrottlingOptions> | false | undefined,
    private readonly clock: Clock,
    private readonly tenantId: string,
    tenantSize: number,
  ) {
    this.options = { ...DEFAULT_THROTTLING, ...(options === false ? { enabled: false } : (options ?? {})) };
    this.configure(tenantSize);
  }

  get settings(): ThrottlingOptions & { resourceUnits: BucketLimit } {
    return { ...this.options, resourceUnits: this.limits[0]?.limit ?? resourceUnitsForTenantSize(0) };
  }

  /** Replaces options (control API) and empties the buckets. */
  update(options: Partial<ThrottlingOptions>, tenantSize: number): void {
    this.options = { ...this.options, ...options };
    this.configure(tenantSize);
  }

  reset(): void {
    this.buckets.clear();
  }

  private configure(tenantSize: number): void {
    const o = this.options;
    this.limits = [
      {
        scope: 'Tenant_Application',
        kind: 'ResourceUnit',
        limit: o.resourceUnits ?? resourceUnitsForTenantSize(tenantSize),
      },
      { scope: 'Tenant_Application', kind: 'Write', limit: o.writes },
      { scope: 'Tenant', kind: 'Write', limit: o.tenantWrites },
      { scope: 'Application', kind: 'ResourceUnit', limit: o.appResourceUnits },
    ];
    this.buckets.clear();
  }

  private bucket(def: LimitDef, appId: string, nowMs: number): TokenBucket {
    const key = `${def.scope}/${def.kind}/${def.scope === 'Tenant' ? '' : appId}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(
        def.limit.capacity,
        this.clock.scaledMs(def.limit.windowSeconds * 1000),
        nowMs,
      );
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  check(appId: string, cost: RequestCost, priority: string | undefined): ThrottleDecision {
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost.resourceUnits) };
    if (!this.options.enabled) return { allowed: true, headers };
    const now = this.clock.nowMs();
    const low = (priority ?? '').toLowerCase() === 'low';
    let worstWait = 0;
    let failing: LimitDef | undefined;
    const used: { def: LimitDef; bucket: TokenBucket; amount: number }[] = [];
    for (const def of this.limits) {
      const amount = def.kind === 'Write' ? cost.writes : cost.resourceUnits;
      if (amount <= 0) continue;
      const bucket = this.bucket(def, appId, now);
      used.push({ def, bucket, amount });
      const reserve = low ? this.options.lowPriorityReserve * bucket.capacity : 0;
      if (!bucket.fits(amount, now, reserve)) {
        const wait = bucket.waitMs(amount, now, reserve);
        if (!failing || wait > worstWait) {
          failing = def;
          worstWait = wait;
        }
      }
    }
    if (!failing) {
      let maxUsed = 0;
      for (const u of used) {
        u.bucket.take(u.amount, now);
        maxUsed = Math.max(maxUsed, u.bucket.usedFraction(now));
      }
      // Only above 80% of a budget (graph.md §5.2).
      if (maxUsed > 0.8) headers['x-ms-throttle-limit-percentage'] = Math.min(1.8, maxUsed).toFixed(1);
      return { allowed: true, headers };
    }
    if (this.options.chargeThrottledRequests) {
      for (const u of used) u.bucket.take(u.amount, now);
      // Retry-After must cover the charge just made, or a client that honours it is throttled again.
      for (const u of used) {
        const reserve = low ? this.options.lowPriorityReserve * u.bucket.capacity : 0;
        const wait = u.bucket.waitMs(u.amount, now, reserve);
        if (wait > worstWait) {
          worstWait = wait;
          failing = u.def;
        }
      }
    }
    const access = failing.kind === 'Write' ? 'Write' : 'ReadWrite';
    headers['x-ms-throttle-scope'] = `${failing.scope}/${access}/${appId}/${this.tenantId}`;
    headers['x-ms-throttle-information'] =
      failing.kind === 'Write' ? 'WriteLimitExceeded' : 'ResourceUnitLimitExceeded';
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(worstWait / 1000)), headers };
  }
}
