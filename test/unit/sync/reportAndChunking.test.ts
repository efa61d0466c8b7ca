import { describe, expect, it } from 'vitest';
import { chunkSizeFor, dedupeUsers, MIN_CHUNK_SIZE, splitIntoChunks } from '../../../lib/sync/chunking';
import {
  emptyReport,
  exhaustedRetriesOutcome,
  mergeReports,
  reportOf,
  roomLeft,
} from '../../../lib/sync/report';
import { type Outcome, type UserOutcome } from '../../../lib/sync/types';

const outcome = (user: string, kind: Outcome): UserOutcome => ({ user, outcome: kind, reason: 'r' });

describe('reports (DESIGN.md §5: exact counts, bounded lists)', () => {
  it('counts every outcome and files it in the right list', () => {
    const report = reportOf([
      outcome('a', 'created'),
      outcome('b', 'wouldUpdate'),
      outcome('c', 'unchanged'),
      outcome('d', 'skipped'),
      outcome('e', 'invalid'),
      outcome('f', 'conflict'),
    ]);
    expect(report.total).toBe(6);
    expect(report.counts).toMatchObject({
      created: 1,
      wouldUpdate: 1,
      unchanged: 1,
      skipped: 1,
      invalid: 1,
      conflict: 1,
    });
    expect(report.changes.map((o) => o.user)).toEqual(['a', 'b']);
    expect(report.failures.map((o) => o.user)).toEqual(['e', 'f']);
    expect(report.skipped.map((o) => o.user)).toEqual(['d']);
  });

  it('keeps at most the room given and counts the rest as omitted', () => {
    const many = Array.from({ length: 7 }, (_, i) => outcome(`u${i}`, 'created'));
    const report = reportOf(many, { changes: 3, failures: 0, skipped: 0 });
    expect(report.changes).toHaveLength(3);
    expect(report.omitted.changes).toBe(4);
    expect(report.counts.created).toBe(7);
  });

  it('merges without exceeding the cap and with exact totals', () => {
    const first = reportOf(Array.from({ length: 80 }, (_, i) => outcome(`a${i}`, 'failed')));
    const second = reportOf(Array.from({ length: 50 }, (_, i) => outcome(`b${i}`, 'failed')));
    const merged = mergeReports(first, second);
    expect(merged.total).toBe(130);
    expect(merged.counts.failed).toBe(130);
    expect(merged.failures).toHaveLength(100);
    expect(merged.omitted.failures).toBe(30);
    expect(merged.failures.at(-1)?.user).toBe('b19');
    expect(roomLeft(merged)).toEqual({ changes: 100, failures: 0, skipped: 100 });
    expect(first.failures).toHaveLength(80); // inputs untouched
  });

  it('merging into an empty report is the identity', () => {
    const report = reportOf([outcome('a', 'removed')]);
    expect(mergeReports(emptyReport(), report)).toEqual(report);
  });

  it('turns a Durable failure text into a short masked detail', () => {
    const failed = exhaustedRetriesOutcome(
      'a@contoso.com',
      'Activity function \'syncUserPhone\' failed: 503 for +49 170 1234567 \n {"stack":"..."}',
    );
    expect(failed).toMatchObject({ outcome: 'failed', reason: 'retriesExhausted' });
    expect(failed.detail).not.toContain('1234567');
    expect(failed.detail).not.toContain('stack');
  });
});

describe('chunking', () => {
  it('dedupes case-insensitively, trims and keeps the first spelling', () => {
    expect(dedupeUsers(['A@x.com', ' a@X.com ', 'b@x.com', '', 'B@X.COM'])).toEqual(['A@x.com', 'b@x.com']);
  });

  it('never exceeds the configured chunk size and spreads small runs over the parallel slots', () => {
    expect(chunkSizeFor(100_000, 100, 8)).toBe(100);
    expect(chunkSizeFor(500, 100, 8)).toBe(16);
    expect(chunkSizeFor(30, 100, 8)).toBe(MIN_CHUNK_SIZE);
    expect(chunkSizeFor(30, 3, 8)).toBe(3);
    for (const total of [1, 7, 99, 1000, 12345]) {
      for (const max of [1, 5, 50, 100]) expect(chunkSizeFor(total, max, 8)).toBeLessThanOrEqual(max);
    }
  });

  it('splits in order into chunks of the given size, the last one shorter', () => {
    expect(splitIntoChunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoChunks([], 3)).toEqual([]);
    expect(() => splitIntoChunks([1], 0)).toThrow(RangeError);
  });
});
