import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchRunId, ChangeBatcher, type ChangeBatch } from '../../../lib/directory/changeBatcher';

const USER_A = '11111111-1111-1111-1111-111111111111';
const USER_B = '22222222-2222-2222-2222-222222222222';

describe('ChangeBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recorder(fail = false): { batches: ChangeBatch[]; start: (batch: ChangeBatch) => Promise<void> } {
    const batches: ChangeBatch[] = [];
    return {
      batches,
      start: (batch) => {
        batches.push(batch);
        return fail ? Promise.reject(new Error('task hub unavailable')) : Promise.resolve();
      },
    };
  }

  it('acknowledges an event only after its batch run has started', async () => {
    const { batches, start } = recorder();
    const batcher = new ChangeBatcher({ windowMs: 1000, maxUsers: 100, start });
    let acknowledged = false;
    const pending = batcher.add('e1', USER_A).then(() => (acknowledged = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(acknowledged).toBe(false);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(acknowledged).toBe(true);
    expect(batches).toEqual([{ runId: batchRunId(['e1']), userIds: [USER_A], eventIds: ['e1'] }]);
  });

  it('turns 20 changes to one user 100 ms apart into at most 3 runs', async () => {
    const { batches, start } = recorder();
    const batcher = new ChangeBatcher({ windowMs: 1000, maxUsers: 100, start });
    const acks: Promise<void>[] = [];
    for (let i = 0; i < 20; i += 1) {
      acks.push(batcher.add(`e${i}`, USER_A));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(acks);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches.length).toBeLessThanOrEqual(3);
    // The last change is in the last batch, whose run starts after it and therefore reads its value.
    expect(batches.at(-1)?.eventIds).toContain('e19');
  });

  it('makes the same event id delivered three times one run', async () => {
    const { batches, start } = recorder();
    const batcher = new ChangeBatcher({ windowMs: 1000, maxUsers: 100, start });
    const first = batcher.add('same', USER_A);
    const second = batcher.add('same', USER_A);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([first, second]);
    // Redelivered after its run started: acknowledged without another batch.
    await batcher.add('same', USER_A);
    await vi.advanceTimersByTimeAsync(2000);
    expect(batches).toHaveLength(1);
  });

  it('gives a batch redelivered as it was the same run id', () => {
    expect(batchRunId(['a', 'b'])).toBe(batchRunId(['a', 'b']));
    expect(batchRunId(['a', 'b'])).not.toBe(batchRunId(['a', 'c']));
  });

  it('batches a bulk import into runs of at most maxUsers users', async () => {
    const { batches, start } = recorder();
    const batcher = new ChangeBatcher({ windowMs: 1000, maxUsers: 500, start });
    const acks: Promise<void>[] = [];
    for (let i = 0; i < 2000; i += 1) {
      acks.push(batcher.add(`e${i}`, `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`));
    }
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(acks);
    expect(batches.map((batch) => batch.userIds.length)).toEqual([500, 500, 500, 500]);
  });

  it('fails every delivery of a batch whose run could not start, and batches their redelivery again', async () => {
    const failing = recorder(true);
    let fail = true;
    const batches: ChangeBatch[] = [];
    const batcher = new ChangeBatcher({
      windowMs: 10,
      maxUsers: 100,
      start: (batch) => (fail ? failing.start(batch) : (batches.push(batch), Promise.resolve())),
    });
    const a = batcher.add('e1', USER_A);
    const b = batcher.add('e2', USER_B);
    const settled = Promise.allSettled([a, b]);
    await vi.advanceTimersByTimeAsync(10);
    expect((await settled).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    const again = batcher.add('e1', USER_A);
    await vi.advanceTimersByTimeAsync(10);
    await again;
    expect(batches).toHaveLength(1);
    expect(batches[0]?.userIds).toEqual([USER_A]);
  });
});
