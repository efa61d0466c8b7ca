import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../../dev/host/durable/timerQueue';
import { WorkQueue } from '../../../dev/host/durable/workQueue';

describe('timer queue', () => {
  it('fires items in due order, same-time items in insertion order, not before they are due', async () => {
    const fired: string[] = [];
    const queue = new TimerQueue<string>((item) => fired.push(item));
    const now = Date.now();
    queue.add(now + 60, 'c');
    queue.add(now + 20, 'a');
    queue.add(now + 20, 'b');
    queue.add(now - 5, 'overdue');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fired).toEqual(['overdue']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fired).toEqual(['overdue', 'a', 'b', 'c']);
    queue.add(Date.now() + 5, 'after-stop');
    queue.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toHaveLength(4);
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
