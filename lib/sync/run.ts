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

/**
 * Whether the run checked that no person is named twice (by object id and by UPN, lib/sync/identity.ts):
 * notNeeded when the batch uses one kind of key, checked when Graph resolved them, unavailable when Graph
 * could not (the run went on; a person named both ways is then synced twice, which converges).
 */
export type IdentityCheck = 'notNeeded' | 'checked' | 'unavailable';

/** What the run removed from its input before fanning out. */
export interface RunIdentity {
  identityCheck: IdentityCheck;
  /** Repeated keys (same text, or the same person by object id and UPN) dropped, keeping the first. */
  duplicatesRemoved: number;
}

/** Input of the `syncPhoneNumbers` orchestration. Everything a replay needs; nothing read from settings. */
export interface SyncRunInput {
  /** Empty in the later executions of a staged run (`staged` is set): the users live in pages then. */
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
  /** Set by the run itself when it continues as new (lib/sync/stagedRun.ts); never by a door. */
  staged?: StagedRunState;
}

/**
 * Where a long run stands when it continues as new: its position and merged bounded report, nothing that
 * grows with the number of users, so every execution's history and input stay the same size.
 */
export interface StagedRunState {
  totalUsers: number;
  chunkSize: number;
  totalChunks: number;
  /** Users per staged page (a multiple of chunkSize, so no chunk straddles two pages). */
  pageSize: number;
  /** The first chunk this execution starts; chunk indexes are global, unique across executions. */
  nextChunk: number;
  /** When the run's first execution started (the summary's startedAt, the status view's createdTime). */
  startedAt: string;
  identity: RunIdentity;
  report: OutcomeReport;
}

/** A chunk's users in a staged run: a slice of one page (lib/sync/userPages.ts), not the names themselves. */
export interface StagedUsersRef {
  page: string;
  /** The run's request fingerprint: a page left behind by another run with the same id is refused. */
  fingerprint: string;
  offset: number;
  count: number;
}

/** Input of one `syncPhoneNumbersChunk` sub-orchestration. */
export interface SyncChunkInput {
  runId: string;
  chunkIndex: number;
  /** The chunk's users, or empty when `usersFrom` says where to load them. */
  users: string[];
  usersFrom?: StagedUsersRef;
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
export interface SyncSummary extends OutcomeReport, RunIdentity {
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
