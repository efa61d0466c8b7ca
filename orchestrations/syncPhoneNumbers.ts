import * as df from 'durable-functions';
import { type OrchestrationContext, type Task } from 'durable-functions';
import {
  CHUNK_ORCHESTRATION,
  LOAD_CHUNK_USERS_ACTIVITY,
  REPORT_ACTIVITY,
  RESOLVE_USER_KEYS_ACTIVITY,
  STAGE_USERS_ACTIVITY,
  SYNC_ORCHESTRATION,
  USER_ACTIVITY,
  USERS_PAGE_ORCHESTRATION,
} from '../lib/functionNames';
import { type ChunkReportInput } from '../lib/report/chunkReportInput';
import { chunkInstanceId } from '../lib/runId';
import { chunkSizeFor, dedupeUsers, splitIntoChunks } from '../lib/sync/chunking';
import {
  emptyReport,
  exhaustedRetriesOutcome,
  failedChunkOutcomes,
  mergeReports,
  reportOf,
  roomLeft,
} from '../lib/sync/report';
import {
  type IdentityCheck,
  type OutcomeReport,
  type RetryPolicy,
  type RunIdentity,
  type StagedRunState,
  type SyncChunkInput,
  type SyncProgress,
  type SyncRunInput,
  type SyncSummary,
  type SyncUserInput,
} from '../lib/sync/run';
import { parseChunkInput, parseChunkReport, parseRunInput, parseUserOutcome } from '../lib/sync/runMessages';
import { executionRange, millisecondsBetween, needsStaging, pageSizeFor } from '../lib/sync/stagedRun';
import {
  KEYS_PER_RESOLVE_CALL,
  keysToResolve,
  mergeByIdentity,
  parseResolvedKeys,
  type ResolveKeysInput,
} from '../lib/sync/identity';
import { type UserOutcome } from '../lib/sync/types';
import { chunkUsersRef, parseUsersPage, type StageUsersInput } from '../lib/sync/userPages';
import { emitRunCompleted } from '../lib/telemetry/metrics';

/**
 * One run: dedupe the users, split them into chunks, run the chunks as sub-orchestrations with at most
 * `parallelChunks` in flight, fold their reports into live progress (custom status) and a bounded summary.
 *
 * A run too long for one execution (lib/sync/stagedRun.ts) first stages its users into pages, then works
 * through its chunks one bounded execution at a time, continuing as new in between with only its position
 * and merged report; the run id, the progress and the summary are the same either way.
 *
 * Deterministic by construction: no I/O, no clock but `currentUtcDateTime`, no settings (the door put the
 * policy and options into the input), no randomness.
 */
export function* syncPhoneNumbers(
  context: OrchestrationContext,
): Generator<Task, SyncSummary | undefined, unknown> {
  const input: SyncRunInput = parseRunInput(context.df.getInput());
  if (input.staged !== undefined) return yield* runStagedExecution(context, input, input.staged);

  const startedAt = context.df.currentUtcDateTime;
  const unique = dedupeUsers(input.users);
  const checked = yield* oneKeyPerPerson(context, input, unique);
  const users = checked.users;
  const identity: RunIdentity = {
    identityCheck: checked.identityCheck,
    duplicatesRemoved: input.users.length - users.length,
  };
  const { parallelChunks } = input.options;
  const chunkSize = chunkSizeFor(users.length, input.options.chunkSize, parallelChunks);
  const chunks = splitIntoChunks(users, chunkSize);

  if (!needsStaging(chunks.length, parallelChunks)) {
    const report = yield* runChunks(context, input, {
      from: 0,
      to: chunks.length,
      totalUsers: users.length,
      totalChunks: chunks.length,
      report: emptyReport(),
      usersOf: (index) => ({ users: chunks[index] ?? [] }),
      namesOf: (index) => chunks[index] ?? [],
    });
    const sizes = { totalUsers: users.length, totalChunks: chunks.length };
    return summaryOf(context, input, startedAt.toISOString(), identity, sizes, report);
  }

  const pageSize = pageSizeFor(chunkSize);
  publish(context, 'syncing', users.length, emptyReport(), chunks.length, 0);
  const staging: StageUsersInput = {
    runId: context.df.instanceId,
    fingerprint: input.requestFingerprint,
    pageSize,
    users,
  };
  yield context.df.callActivityWithRetry(STAGE_USERS_ACTIVITY, retryOptions(input.options.retry), staging);
  context.df.continueAsNew(
    continuation(input, {
      totalUsers: users.length,
      chunkSize,
      totalChunks: chunks.length,
      pageSize,
      nextChunk: 0,
      startedAt: startedAt.toISOString(),
      identity,
      report: emptyReport(),
    }),
  );
  return undefined;
}

/** One bounded execution of a staged run: its range of chunks, then continue as new or finish. */
function* runStagedExecution(
  context: OrchestrationContext,
  input: SyncRunInput,
  state: StagedRunState,
): Generator<Task, SyncSummary | undefined, unknown> {
  const { from, to } = executionRange(state.nextChunk, state.totalChunks, input.options.parallelChunks);
  const runId = context.df.instanceId;
  const report = yield* runChunks(context, input, {
    from,
    to,
    totalUsers: state.totalUsers,
    totalChunks: state.totalChunks,
    report: state.report,
    usersOf: (index) => ({
      users: [],
      usersFrom: chunkUsersRef(
        runId,
        input.requestFingerprint,
        index,
        state.chunkSize,
        state.pageSize,
        state.totalUsers,
      ),
    }),
    // The parent never holds a staged run's names: a chunk that fails as a whole is reported by position.
    namesOf: (index) => {
      const count = Math.min(state.chunkSize, state.totalUsers - index * state.chunkSize);
      return Array.from({ length: count }, (_, k) => `(chunk ${index}, user ${k + 1} of ${count})`);
    },
  });
  if (to < state.totalChunks) {
    context.df.continueAsNew(continuation(input, { ...state, nextChunk: to, report }));
    return undefined;
  }
  return summaryOf(context, input, state.startedAt, state.identity, state, report);
}

/**
 * A batch that names users both by object id and by UPN may name one person twice: resolve the smaller side
 * through Graph (lib/sync/identity.ts) and keep one key per person. If Graph cannot answer, the run goes on
 * unchecked rather than not at all (syncing a person twice converges to the same state).
 */
function* oneKeyPerPerson(
  context: OrchestrationContext,
  input: SyncRunInput,
  users: string[],
): Generator<Task, { users: string[]; identityCheck: IdentityCheck }, unknown> {
  const keys = keysToResolve(users);
  if (keys.length === 0) return { users, identityCheck: 'notNeeded' };
  const retry = retryOptions(input.options.retry);
  const batches = splitIntoChunks(keys, KEYS_PER_RESOLVE_CALL);
  const tasks = batches.map((batch) => {
    const call: ResolveKeysInput = { keys: batch, priority: input.options.priority };
    return context.df.callActivityWithRetry(RESOLVE_USER_KEYS_ACTIVITY, retry, call);
  });
  try {
    const results = (yield context.df.Task.all(tasks)) as unknown[];
    const resolved = results.flatMap((result, index) =>
      parseResolvedKeys(result, batches[index]?.length ?? 0),
    );
    return { users: mergeByIdentity(users, keys, resolved).users, identityCheck: 'checked' };
  } catch {
    return { users, identityCheck: 'unavailable' };
  }
}

interface ChunkRange {
  from: number;
  to: number;
  totalUsers: number;
  totalChunks: number;
  report: OutcomeReport;
  usersOf: (index: number) => Pick<SyncChunkInput, 'users' | 'usersFrom'>;
  namesOf: (index: number) => string[];
}

/**
 * Runs chunks `from..to` through a sliding window rather than one big Task.all: progress moves as each chunk
 * finishes, and the number of users in flight stays bounded however large the run. Returns when all of them
 * have finished, so nothing is in flight when a staged run continues as new.
 */
function* runChunks(
  context: OrchestrationContext,
  input: SyncRunInput,
  range: ChunkRange,
): Generator<Task, OutcomeReport, unknown> {
  let report = range.report;
  let chunksDone = range.from;
  publish(context, 'syncing', range.totalUsers, report, range.totalChunks, chunksDone);
  const inFlight = new Map<Task, number>();
  let next = range.from;
  while (next < range.to || inFlight.size > 0) {
    while (inFlight.size < input.options.parallelChunks && next < range.to) {
      const chunkInput: SyncChunkInput = {
        runId: context.df.instanceId,
        chunkIndex: next,
        ...range.usersOf(next),
        dryRun: input.dryRun,
        policy: input.policy,
        retry: input.options.retry,
        priority: input.options.priority,
        listRoom: roomLeft(report),
      };
      const instanceId = chunkInstanceId(context.df.instanceId, next);
      inFlight.set(context.df.callSubOrchestrator(CHUNK_ORCHESTRATION, chunkInput, instanceId), next);
      next += 1;
    }
    const winner = (yield context.df.Task.any([...inFlight.keys()])) as Task;
    const index = inFlight.get(winner) ?? -1;
    inFlight.delete(winner);
    const chunkReport: OutcomeReport = winner.isFaulted
      ? reportOf(failedChunkOutcomes(range.namesOf(index), errorMessage(winner.result)), roomLeft(report))
      : parseChunkReport(winner.result);
    report = mergeReports(report, chunkReport);
    chunksDone += 1;
    publish(context, 'syncing', range.totalUsers, report, range.totalChunks, chunksDone);
  }
  return report;
}

function publish(
  context: OrchestrationContext,
  stage: SyncProgress['stage'],
  total: number,
  report: OutcomeReport,
  totalChunks: number,
  chunksDone: number,
): void {
  const progress: SyncProgress = {
    stage,
    total,
    done: report.total,
    counts: report.counts,
    chunks: { total: totalChunks, done: chunksDone },
  };
  context.df.setCustomStatus(progress);
}

/** The next execution's input: the run's settings and fingerprint (status lookups compare it), no users. */
function continuation(input: SyncRunInput, staged: StagedRunState): SyncRunInput {
  return { ...input, users: [], staged };
}

function summaryOf(
  context: OrchestrationContext,
  input: SyncRunInput,
  startedAt: string,
  identity: RunIdentity,
  sizes: { totalUsers: number; totalChunks: number },
  report: OutcomeReport,
): SyncSummary {
  const finishedAt = context.df.currentUtcDateTime;
  publish(context, 'completed', sizes.totalUsers, report, sizes.totalChunks, sizes.totalChunks);
  const summary: SyncSummary = {
    runId: context.df.instanceId,
    dryRun: input.dryRun,
    trigger: input.trigger,
    requester: input.requester,
    policy: input.policy,
    startedAt,
    finishedAt: finishedAt.toISOString(),
    durationMs: millisecondsBetween(startedAt, finishedAt),
    ...identity,
    ...report,
  };
  // Only the last episode gets here, live, so the event and the outcome counts go out once per run. The guard
  // keeps that true if work is ever scheduled after the summary (its next episode would replay this line).
  // An episode whose commit fails runs again live: then, rarely, the event is sent twice (at least once).
  if (!context.df.isReplaying) emitRunCompleted(summary);
  return summary;
}

/**
 * One chunk: its users (given, or loaded from the run's staged pages), then one activity per user, each with
 * retries for transient failures. Activities report business failures as outcomes; only transient ones
 * throw. A user whose retries run out becomes a `failed` outcome instead of failing the chunk.
 */
export function* syncPhoneNumbersChunk(
  context: OrchestrationContext,
): Generator<Task, OutcomeReport, unknown> {
  const input = parseChunkInput(context.df.getInput());
  const retry = retryOptions(input.retry);
  const users =
    input.usersFrom === undefined
      ? input.users
      : loadedUsers(
          yield context.df.callActivityWithRetry(LOAD_CHUNK_USERS_ACTIVITY, retry, input.usersFrom),
        );

  const tasks = users.map((user) => {
    const activityInput: SyncUserInput = {
      runId: input.runId,
      user,
      dryRun: input.dryRun,
      policy: input.policy,
      priority: input.priority,
    };
    return context.df.callActivityWithRetry(USER_ACTIVITY, retry, activityInput);
  });

  const outcomes: UserOutcome[] = [];
  try {
    const results = (yield context.df.Task.all(tasks)) as unknown[];
    results.forEach((result, index) => outcomes.push(parseUserOutcome(result, users[index] ?? '')));
  } catch {
    // Task.all fails as soon as one user's retries run out. The other tasks keep running: wait for each
    // of them, so that one stubborn user costs nobody else their result.
    for (const [index, task] of tasks.entries()) {
      const user = users[index] ?? '';
      try {
        const result: unknown = yield task;
        outcomes.push(parseUserOutcome(result, user));
      } catch (error) {
        outcomes.push(exhaustedRetriesOutcome(user, errorMessage(error)));
      }
    }
  }
  // Every user's row of the full report, under this chunk's index (unique per run): a replay or a retry
  // overwrites the same blob, never adds a second copy.
  yield* writeReportRows(context, retry, { runId: input.runId, chunkIndex: input.chunkIndex, outcomes });
  return reportOf(outcomes, input.listRoom);
}

/**
 * The report is beside the sync, not part of it: if storage stays down through every retry the users'
 * outcomes still count, and the report door tells from the missing chunk blob that the report is partial.
 */
function* writeReportRows(
  context: OrchestrationContext,
  retry: df.RetryOptions,
  reportInput: ChunkReportInput,
): Generator<Task, void, unknown> {
  try {
    yield context.df.callActivityWithRetry(REPORT_ACTIVITY, retry, reportInput);
  } catch {
    // Deliberately swallowed (see above); replay takes the same path because the failure is in history.
  }
}

/**
 * A page of a staged run's users: an orchestration instance whose stored input is the page
 * (lib/sync/userPages.ts). It has nothing to do; it checks the page is well formed and completes.
 */
export function* syncRunUsersPage(context: OrchestrationContext): Generator<Task, number, unknown> {
  yield* [];
  return parseUsersPage(context.df.getInput()).users.length;
}

function loadedUsers(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((user) => typeof user === 'string'))
    throw new Error('loadChunkUsers returned something other than a list of users');
  return value;
}

function retryOptions(policy: RetryPolicy): df.RetryOptions {
  const retry = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  retry.backoffCoefficient = policy.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return retry;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

df.app.orchestration(SYNC_ORCHESTRATION, syncPhoneNumbers);
df.app.orchestration(CHUNK_ORCHESTRATION, syncPhoneNumbersChunk);
df.app.orchestration(USERS_PAGE_ORCHESTRATION, syncRunUsersPage);
