/**
 * A token bucket: `capacity` units, refilled continuously at capacity / window. It may go into debt (down
 * to -capacity) when throttled requests are still charged, which is how Graph punishes immediate retries
 * ("usage keeps accruing while throttled", reference/graph.md §5.1).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly ratePerMs: number;

  constructor(
    readonly capacity: number,
    windowMs: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.lastMs = nowMs;
    this.ratePerMs = capacity / Math.max(windowMs, 1);
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.lastMs) * this.ratePerMs);
      this.lastMs = nowMs;
    }
  }

  /** Would `cost` fit while keeping `reserve` units back? */
  fits(cost: number, nowMs: number, reserve = 0): boolean {
    this.refill(nowMs);
    return this.tokens - cost >= reserve;
  }

  /** Milliseconds until `cost` (plus `reserve`) fits. */
  waitMs(cost: number, nowMs: number, reserve = 0): number {
    this.refill(nowMs);
    const missing = cost + reserve - this.tokens;
    return missing <= 0 ? 0 : missing / this.ratePerMs;
  }

  take(cost: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.max(-this.capacity, this.tokens - cost);
  }

  /** Share of the budget in use: 0 when full, 1 when empty, up to 2 in debt. */
  usedFraction(nowMs: number): number {
    this.refill(nowMs);
    return (this.capacity - this.tokens) / this.capacity;
  }
}
