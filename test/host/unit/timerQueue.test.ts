import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerQueue } from '../../../dev/host/durable/timerQueue';
import { WorkQueue } from '../../../dev/host/durable/workQueue';

describe('timer queue', () => {
  // Fake timers: the assertion is about order and due times, which a loaded machine's real clock would blur.
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('fires items in due order, same-time items in insertion order, not before they are due', () => {
    const fired: string[] = [];
    const queue = new TimerQueue<string>((item) => fired.push(item));
    const now = Date.now();
    queue.add(now + 60, 'c');
    queue.add(now + 20, 'a');
    queue.add(now + 20, 'b');
    queue.add(now - 5, 'overdue');
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['overdue']);
    vi.advanceTimersByTime(19);
    expect(fired).toEqual(['overdue']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['overdue', 'a', 'b']);
    vi.advanceTimersByTime(40);
    expect(fired).toEqual(['overdue', 'a', 'b', 'c']);
    queue.add(Date.now() + 5, 'after-stop');
    queue.stop();
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(4);
  });

  it('re-checks a timer further out than setTimeout can wait instead of firing it early', () => {
    const fired: string[] = [];
    const queue = new TimerQueue<string>((item) => fired.push(item));
    const farMs = 2 ** 31 + 10_000;
    queue.add(Date.now() + farMs, 'far');
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(farMs - (2 ** 31 - 1));
    expect(fired).toEqual(['far']);
    queue.stop();
  });
});

describe('work queue', () => {
  it('is FIFO across compaction and removes by predicate', () => {
    const queue = new WorkQueue<number>();
    for (let i = 0; i < 3000; i++) queue.push(i);
    const taken: number[] = [];
    for (let i = 0; i < 2000; i++) taken.push(queue.shift() ?? -1);
    expect(taken.slice(0, 3)).toEqual([0, 1, 2]);
    expect(taken.at(-1)).toBe(1999);
    queue.removeWhere((n) => n % 2 === 0);
    expect(queue.length).toBe(500);
    expect(queue.shift()).toBe(2001);
  });
});
