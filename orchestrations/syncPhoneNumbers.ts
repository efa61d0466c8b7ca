import * as df from 'durable-functions';
import { type OrchestrationContext, type Task } from 'durable-functions';
import {
  CHUNK_ORCHESTRATION,
  REPORT_ACTIVITY,
  SYNC_ORCHESTRATION,
  USER_ACTIVITY,
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
  type OutcomeReport,
  type SyncChunkInput,
  type SyncProgress,
  type SyncRunInput,
  type SyncSummary,
  type SyncUserInput,
} from '../lib/sync/run';
import { parseChunkInput, parseChunkReport, parseRunInput, parseUserOutcome } from '../lib/sync/runMessages';
import { type UserOutcome } from '../lib/sync/types';

/**
 * One run: dedupe the users, split them into chunks, run the chunks as sub-orchestrations with at most
 * `parallelChunks` in flight, fold their reports into live progress (custom status) and a bounded summary.
 *
 * Deterministic by construction: no I/O, no clock but `currentUtcDateTime`, no settings (the door put the
 * policy and options into the input), no randomness.
 */
export function* syncPhoneNumbers(context: OrchestrationContext): Generator<Task, SyncSummary, unknown> {
  const input: SyncRunInput = parseRunInput(context.df.getInput());
  const startedAt = context.df.currentUtcDateTime;
  const users = dedupeUsers(input.users);
  const { chunkSize, parallelChunks } = input.options;
  const chunks = splitIntoChunks(users, chunkSizeFor(users.length, chunkSize, parallelChunks));

  let report = emptyReport();
  let chunksDone = 0;
  const publish = (stage: SyncProgress['stage']): void => {
    const progress: SyncProgress = {
      stage,
      total: users.length,
      done: report.total,
      counts: report.counts,
      chunks: { total: chunks.length, done: chunksDone },
    };
    context.df.setCustomStatus(progress);
  };
  publish('syncing');

  // A sliding window rather than one big Task.all: progress moves as each chunk finishes, and the number
  // of users in flight stays bounded however large the run.
  const inFlight = new Map<Task, number>();
  let next = 0;
  while (next < chunks.length || inFlight.size > 0) {
    while (inFlight.size < parallelChunks && next < chunks.length) {
      const chunkInput: SyncChunkInput = {
        runId: context.df.instanceId,
        chunkIndex: next,
        users: chunks[next] ?? [],
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
      ? reportOf(failedChunkOutcomes(chunks[index] ?? [], errorMessage(winner.result)))
      : parseChunkReport(winner.result);
    report = mergeReports(report, chunkReport);
    chunksDone += 1;
    publish('syncing');
  }

  const finishedAt = context.df.currentUtcDateTime;
  publish('completed');
  return {
    runId: context.df.instanceId,
    dryRun: input.dryRun,
    trigger: input.trigger,
    requester: input.requester,
    policy: input.policy,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ...report,
  };
}

/**
 * One chunk: one activity per user, each with retries for transient failures. Activities report business
 * failures as outcomes; only transient ones throw. A user whose retries run out becomes a `failed`
 * outcome instead of failing the chunk.
 */
export function* syncPhoneNumbersChunk(
  context: OrchestrationContext,
): Generator<Task, OutcomeReport, unknown> {
  const input = parseChunkInput(context.df.getInput());
  const retry = retryOptionsOf(input.retry);

  const tasks = input.users.map((user) => {
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
    results.forEach((result, index) => outcomes.push(parseUserOutcome(result, input.users[index] ?? '')));
  } catch {
    // Task.all fails as soon as one user's retries run out. The other tasks keep running: wait for each
    // of them, so that one stubborn user costs nobody else their result.
    for (const [index, task] of tasks.entries()) {
      const user = input.users[index] ?? '';
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

function retryOptionsOf(policy: SyncChunkInput['retry']): df.RetryOptions {
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
