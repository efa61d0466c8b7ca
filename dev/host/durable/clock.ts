/**
 * The time the durable engine lives by: episode timestamps, timer due times, retry deadlines. Real time by default;
 * tests pass an `AdjustableClock` to jump days ahead (a 7-day durable timer) without waiting.
 */
export interface DurableClock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  /** Registers a listener called after every jump (so due timers fire at once); returns an unsubscribe. */
  onAdvance?(listener: () => void): () => void;
}

export const systemClock: DurableClock = { now: () => Date.now() };

/** Real time plus an offset that only grows: time keeps flowing, and `advance` jumps it forward. */
export class AdjustableClock implements DurableClock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Jumps forward; durable timers that became due fire right away. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The clock only moves forward.');
    this.offsetMs += ms;
    for (const listener of [...this.listeners]) listener();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
