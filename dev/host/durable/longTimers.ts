/**
 * Durable timers longer than the storage provider allows, as the Durable extension runs them
 * (azure-functions-durable-extension DurableOrchestrationContext.CreateTimer; Azure Storage provider values from
 * AzureStorageDurabilityProvider: MaximumDelayTime 6 days, LongRunningTimerIntervalLength 3 days).
 *
 * A timer due further away than the maximum is written as a chain of timers: the first fires after one interval,
 * each later one after another interval, or at the final time once less than an interval remains. So a 7-day timer
 * fires at +3 d, +6 d and +7 d. durable-functions (schema V3) splits the same way on its side (LongTimerTask) and
 * asks for one new sequence number per slice; the extension decides when each slice fires.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** The longest single timer (the extension's `maximumShortTimerDuration`). */
export const MAXIMUM_TIMER_INTERVAL_MS = 6 * DAY_MS;
/** One slice of a long timer (`longRunningTimerIntervalDuration`). */
export const LONG_TIMER_INTERVAL_MS = 3 * DAY_MS;

/** The two TimeSpan settings the extension sends in the orchestration trigger's binding data (§3.1). */
export const TIMER_BINDING_SETTINGS =
  '"longRunningTimerIntervalDuration":"3.00:00:00","maximumShortTimerDuration":"6.00:00:00"';

/**
 * When the timer written now for a user timer due at `finalFireAtMs` fires.
 * `partOfLongTimer`: the SDK asked for a slice of a long timer (its LongTimerTask), not a plain timer.
 */
export function timerSliceFireAt(finalFireAtMs: number, nowMs: number, partOfLongTimer: boolean): number {
  const remaining = finalFireAtMs - nowMs;
  if (!partOfLongTimer) {
    // A plain timer never exceeds the maximum: the SDK only creates plain timers up to it.
    return finalFireAtMs;
  }
  // First slice: remaining > maximum, so one interval. Later slices: one interval while at least one remains.
  return remaining < LONG_TIMER_INTERVAL_MS ? finalFireAtMs : nowMs + LONG_TIMER_INTERVAL_MS;
}
