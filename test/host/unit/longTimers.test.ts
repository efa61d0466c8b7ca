import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdjustableClock } from '../../../dev/host/durable/clock';
import {
  LONG_TIMER_INTERVAL_MS,
  MAXIMUM_TIMER_INTERVAL_MS,
  TIMER_BINDING_SETTINGS,
  timerSliceFireAt,
} from '../../../dev/host/durable/longTimers';
import { TimerQueue } from '../../../dev/host/durable/timerQueue';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Slices as azure-functions-durable-extension DurableOrchestrationContext.CreateTimer computes them with the Azure
 * Storage provider's MaximumDelayTime (6 d) and LongRunningTimerIntervalLength (3 d).
 */
describe('long timer slices', () => {
  it("advertises the Azure Storage provider's maximum and interval as the extension does", () => {
    expect(MAXIMUM_TIMER_INTERVAL_MS).toBe(6 * DAY);
    expect(LONG_TIMER_INTERVAL_MS).toBe(3 * DAY);
    expect(JSON.parse(`{${TIMER_BINDING_SETTINGS}}`)).toEqual({
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
    });
  });

  it('splits a 7-day timer into slices ending at +3 d, +6 d and +7 d', () => {
    const start = Date.UTC(2026, 0, 1);
    const end = start + 7 * DAY;
    const first = timerSliceFireAt(end, start, true);
    const second = timerSliceFireAt(end, first, true);
    const third = timerSliceFireAt(end, second, true);
    expect([first, second, third].map((at) => (at - start) / DAY)).toEqual([3, 6, 7]);
  });

  it('fires the last slice at the end once less than one interval remains, measured from when the slice starts', () => {
    const start = Date.UTC(2026, 0, 1);
    const end = start + 13 * DAY;
    // A slice that fired late (the host was down): the next one starts from the late time, as in the extension.
    const late = start + 3 * DAY + 5 * 60 * 1000;
    expect(timerSliceFireAt(end, late, true)).toBe(late + 3 * DAY);
    expect(timerSliceFireAt(end, end - 3 * DAY, true)).toBe(end);
    expect(timerSliceFireAt(end, end - 3 * DAY + 1, true)).toBe(end);
  });

  it('keeps a plain timer (up to the maximum) whole', () => {
    const start = Date.UTC(2026, 0, 1);
    expect(timerSliceFireAt(start + 6 * DAY, start, false)).toBe(start + 6 * DAY);
    expect(timerSliceFireAt(start + 1000, start, false)).toBe(start + 1000);
  });
});

describe('adjustable clock', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('fires timers that a jump makes due, without waiting, and only those', () => {
    const clock = new AdjustableClock();
    const fired: string[] = [];
    const queue = new TimerQueue<string>((item) => fired.push(item), clock);
    queue.add(clock.now() + 3 * DAY, 'three days');
    queue.add(clock.now() + 7 * DAY, 'seven days');
    clock.advance(3 * DAY);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['three days']);
    clock.advance(4 * DAY - 1);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['three days']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['three days', 'seven days']);
    queue.stop();
  });

  it('only moves forward', () => {
    const clock = new AdjustableClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    const before = clock.now();
    clock.advance(DAY);
    expect(clock.now() - before).toBeGreaterThanOrEqual(DAY);
  });
});
