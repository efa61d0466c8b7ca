import { type WriteLimiter } from './throttle';

/**
 * Adaptive pacing of Graph writes (DESIGN.md §6, issue 7 §6).
 *
 * Graph's write quota (3,000 / 150 s) is per app and tenant, not per process: when Azure scales the app out,
 * or another tool writes with the same identity, every writer's own ceiling together overspends it. The
 * writers cannot see each other, but they all see Graph's answers, so each one paces on those
 * (additive increase, multiplicative decrease, the way TCP flows share a link):
 *
 * - a write answered with `x-ms-throttle-limit-percentage` (Graph sends it only once more than 80% of a
 *   budget is used, reference/graph.md §5.2) cuts the rate to 85%: the early warning, before any 429;
 * - a 429 on a write, or one whose `x-ms-throttle-scope` names the write quota, cuts it to half (the
 *   `Retry-After` itself is honoured by the throttle gate);
 * - at most one cut per 2 s: a burst of warnings is one congestion event, not twenty;
 * - between cuts the rate grows by 2% of the ceiling per second;
 * - never below 2% of the ceiling (a writer must still learn when the quota frees up), never above the
 *   configured ceiling (`GRAPH_WRITES_PER_150S`).
 *
 * Independent writers that follow these rules converge on equal shares of whatever the quota leaves them.
 * Pure state over numbers: the clock comes in as `nowMs`, so tests run in fake time.
 */
export interface WritePacingOptions {
  /** Writes per ms never to exceed: the configured budget. */
  ceilingPerMs: number;
  /** Factor on the early warning (`x-ms-throttle-limit-percentage`). */
  warningCut?: number;
  /** Factor on a 429 to a write. */
  throttledCut?: number;
  /** Minimum time between two cuts. */
  minCutIntervalMs?: number;
  /** Additive increase per second, as a share of the ceiling. */
  increasePerSecondShare?: number;
  /** Lowest rate, as a share of the ceiling. */
  floorShare?: number;
}

/** What the pacer needs of one Graph answer. */
export interface PacingSignal {
  status: number;
  /** The request spent write quota (POST/PATCH/PUT/DELETE). */
  isWrite: boolean;
  /** `x-ms-throttle-limit-percentage`, as sent (e.g. `0.9`, `1.2`). */
  throttleLimitPercentage?: string | null;
  /** `x-ms-throttle-scope`, e.g. `Tenant_Application/Write/<appId>/<tenantId>`. */
  throttleScope?: string | null;
}

export type PacingReaction = 'none' | 'warningCut' | 'throttledCut';

export const DEFAULT_PACING = {
  warningCut: 0.85,
  throttledCut: 0.5,
  minCutIntervalMs: 2_000,
  increasePerSecondShare: 0.02,
  floorShare: 0.02,
} as const;

export class WritePacer {
  private readonly ceiling: number;
  private readonly floor: number;
  private readonly increasePerMs: number;
  private readonly options: Required<Omit<WritePacingOptions, 'ceilingPerMs'>>;
  private ratePerMs: number;
  private updatedAtMs: number | undefined;
  private lastCutAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limiter: WriteLimiter,
    options: WritePacingOptions,
  ) {
    if (!(options.ceilingPerMs > 0)) throw new RangeError('ceilingPerMs must be > 0');
    this.options = { ...DEFAULT_PACING, ...withoutUndefined(options) };
    this.ceiling = options.ceilingPerMs;
    this.floor = this.ceiling * this.options.floorShare;
    this.increasePerMs = (this.ceiling * this.options.increasePerSecondShare) / 1_000;
    this.ratePerMs = this.ceiling;
  }

  /** The pacing rate at `nowMs` (writes per ms), after the additive increase since the last look. */
  rateAt(nowMs: number): number {
    this.advance(nowMs);
    return this.ratePerMs;
  }

  /** Brings the limiter up to the rate in force now; called before each write takes its token. */
  beforeWrite(nowMs: number): void {
    this.advance(nowMs);
    this.limiter.setRate(nowMs, this.ratePerMs);
  }

  /** Reacts to one Graph answer; returns what it did (for logs and tests). */
  observe(nowMs: number, signal: PacingSignal): PacingReaction {
    const reaction = classify(signal);
    if (reaction === 'none') return 'none';
    this.advance(nowMs);
    if (nowMs - this.lastCutAtMs < this.options.minCutIntervalMs) return 'none';
    const factor = reaction === 'throttledCut' ? this.options.throttledCut : this.options.warningCut;
    this.ratePerMs = Math.max(this.floor, this.ratePerMs * factor);
    this.lastCutAtMs = nowMs;
    this.limiter.setRate(nowMs, this.ratePerMs);
    return reaction;
  }

  private advance(nowMs: number): void {
    if (this.updatedAtMs !== undefined && nowMs > this.updatedAtMs) {
      this.ratePerMs = Math.min(
        this.ceiling,
        this.ratePerMs + (nowMs - this.updatedAtMs) * this.increasePerMs,
      );
    }
    if (this.updatedAtMs === undefined || nowMs > this.updatedAtMs) this.updatedAtMs = nowMs;
  }
}

/**
 * Which signal an answer carries for the write budget. A 429 counts when the request was a write or Graph
 * names the write quota as the one exceeded; the early warning counts on writes only, since a read's
 * percentage may be the resource-unit budget's, which the write rate does not spend much of.
 */
export function classify(signal: PacingSignal): PacingReaction {
  if (signal.status === 429) {
    const scope = signal.throttleScope ?? '';
    return signal.isWrite || /\/Write\//i.test(scope) ? 'throttledCut' : 'none';
  }
  if (!signal.isWrite) return 'none';
  const percentage = Number.parseFloat(signal.throttleLimitPercentage ?? '');
  // Graph sends the header only above 80% (0.8 … 1.8); anything lower or unreadable is no warning.
  return Number.isFinite(percentage) && percentage >= 0.8 ? 'warningCut' : 'none';
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
