/**
 * Time as the emulator's rules see it. `timeScale` > 1 compresses every *window* the emulator enforces
 * (throttling windows, token lifetimes, delta-token lifetime, event retry back-off) so that a benchmark can
 * cover a 150-second quota window in a few seconds. Wall-clock timestamps (JWT `exp`, `Date` headers,
 * subscription expiry) stay real: clients compare them with their own clocks.
 */
export class Clock {
  constructor(readonly timeScale: number) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`timeScale must be a positive number, got ${String(timeScale)}`);
    }
  }

  nowMs(): number {
    return Date.now();
  }

  /** A documented duration (ms) as it elapses on the wall clock under this time scale. */
  scaledMs(documentedMs: number): number {
    return documentedMs / this.timeScale;
  }

  /** Same as scaledMs for seconds. */
  scaledSeconds(documentedSeconds: number): number {
    return documentedSeconds / this.timeScale;
  }
}
