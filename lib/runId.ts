import { createHash, randomUUID } from 'node:crypto';

/**
 * Run ids are orchestration instance ids. They are ours, so they are safe in URLs and in Durable's
 * instance-id rules (no `/ \ ? #`, no leading `@`, at most 256 characters).
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:_.-]{0,127}$/;

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** A fresh id for a run nobody can ask for twice. */
export function newRunId(): string {
  return `run-${randomUUID().replace(/-/g, '')}`;
}

/**
 * The same Idempotency-Key always names the same run, so a retried submission finds the run it started
 * instead of starting another. Hashed: the key is the caller's text and never becomes part of a URL.
 */
export function runIdFromIdempotencyKey(key: string): string {
  return `idem-${sha256(`idempotency-key\n${key}`).slice(0, 40)}`;
}

/** A redelivered Service Bus message carries the same message id and therefore names the same run. */
export function runIdFromMessageId(messageId: string): string {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(messageId)
    ? `sb-${messageId}`
    : `sbh-${sha256(messageId).slice(0, 40)}`;
}

/** Sub-orchestration ids derive from the parent's so a replay schedules the same children. */
export function chunkInstanceId(runId: string, chunkIndex: number): string {
  return `${runId}:chunk-${chunkIndex}`;
}

/** Identifies the content of a request, to tell a retried submission from a different one reusing a key. */
export function requestFingerprint(users: readonly string[], dryRun: boolean): string {
  const canonical = JSON.stringify({ users: users.map((user) => user.toLowerCase()), dryRun });
  return sha256(canonical).slice(0, 32);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
