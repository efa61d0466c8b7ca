import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../lib/log';
import {
  chunkInstanceId,
  isRunId,
  newRunId,
  requestFingerprint,
  runIdFromIdempotencyKey,
  runIdFromMessageId,
} from '../../lib/runId';

describe('run ids', () => {
  it('are valid Durable instance ids and our own status-route ids', () => {
    for (const id of [
      newRunId(),
      runIdFromIdempotencyKey('any key: with/odd?chars#'),
      runIdFromMessageId('m/1?#'),
      runIdFromMessageId('m-1'),
      chunkInstanceId('run-1', 3),
    ]) {
      expect(isRunId(id), id).toBe(true);
      expect(id).not.toMatch(/[/\\?#]/);
    }
  });

  it('derive deterministically from idempotency keys and message ids', () => {
    expect(runIdFromIdempotencyKey('k')).toBe(runIdFromIdempotencyKey('k'));
    expect(runIdFromIdempotencyKey('k')).not.toBe(runIdFromIdempotencyKey('K'));
    expect(runIdFromMessageId('order-42')).toBe('sb-order-42');
    expect(runIdFromMessageId('a/b')).toBe(runIdFromMessageId('a/b'));
    expect(newRunId()).not.toBe(newRunId());
  });

  it('fingerprints requests by content, case-insensitively for users', () => {
    expect(requestFingerprint(['A@x.com'], false)).toBe(requestFingerprint(['a@x.com'], false));
    expect(requestFingerprint(['a@x.com'], false)).not.toBe(requestFingerprint(['a@x.com'], true));
  });
});

describe('log lines', () => {
  it('mask phone numbers in the message and in every property', () => {
    const line = formatLogLine('wrote +49 170 1234567', {
      user: 'a@contoso.com',
      detail: 'was 0170 7654321',
      count: 3,
    });
    expect(line).not.toMatch(/1234567|7654321/);
    expect(line).toMatch(/^wrote .* user=a@contoso.com detail=".*" count=3$/);
  });
});
