import { type Outcome, OUTCOMES, type SyncPolicy, type UserOutcome } from './types';

/**
 * The messages that flow between doors, orchestrations and the activity. They are stored in Durable
 * history, so they stay small, plain JSON and free of secrets and full phone numbers.
 */

export type SyncTrigger = 'http' | 'serviceBus' | 'eventGrid' | 'timer';

export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

/** Input of the `syncPhoneNumbers` orchestration. Everything a replay needs; nothing read from settings. */
export interface SyncRunInput {
  users: string[];
  dryRun: boolean;
  trigger: SyncTrigger;
  /** Who asked, as far as the door can tell (never a secret). */
  requester: string;
  /** Content hash of the request, to recognise a retried submission (see lib/runId.ts). */
  requestFingerprint: string;
  policy: SyncPolicy;
  options: {
    /** Upper bound of users per sub-orchestration. */
    chunkSize: number;
    parallelChunks: number;
    retry: RetryPolicy;
    /** Background runs ask Graph to throttle them first. */
    priority: 'normal' | 'low';
  };
}

/** Input of one `syncPhoneNumbersChunk` sub-orchestration. */
export interface SyncChunkInput {
  runId: string;
  chunkIndex: number;
  users: string[];
  dryRun: boolean;
  policy: SyncPolicy;
  retry: RetryPolicy;
  priority: 'normal' | 'low';
  /**
   * How many entries of each report list the run still has room for when this chunk starts. A chunk
   * returns no more than that, so the parent's history stays small however many chunks a run has.
   */
  listRoom: { changes: number; failures: number; skipped: number };
}

/** Input of one `syncUserPhone` activity call. */
export interface SyncUserInput {
  runId: string;
  user: string;
  dryRun: boolean;
  policy: SyncPolicy;
  priority: 'normal' | 'low';
}

export type OutcomeCounts = Record<Outcome, number>;

/** A bounded report of many outcomes: exact counts, and the first few of each interesting kind. */
export interface OutcomeReport {
  total: number;
  counts: OutcomeCounts;
  /** Users whose method was (or in dry-run would be) written or removed. */
  changes: UserOutcome[];
  /** Users the run could not bring in line: invalid, notFound, forbidden, conflict, failed. */
  failures: UserOutcome[];
  /** Users deliberately left alone (empty attribute, masked read, type rules). */
  skipped: UserOutcome[];
  /** How many entries each list left out to stay bounded. */
  omitted: { changes: number; failures: number; skipped: number };
}

/** Live progress, published as the orchestration's custom status (kept far below Durable's 16 KB). */
export interface SyncProgress {
  stage: 'syncing' | 'completed';
  total: number;
  done: number;
  counts: OutcomeCounts;
  chunks: { total: number; done: number };
}

/** Output of the `syncPhoneNumbers` orchestration. */
export interface SyncSummary extends OutcomeReport {
  runId: string;
  dryRun: boolean;
  trigger: SyncTrigger;
  requester: string;
  policy: SyncPolicy;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export function emptyCounts(): OutcomeCounts {
  const counts = {} as OutcomeCounts;
  for (const outcome of OUTCOMES) counts[outcome] = 0;
  return counts;
}
