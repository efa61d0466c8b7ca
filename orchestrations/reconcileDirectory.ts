import * as df from 'durable-functions';
import { type OrchestrationContext, type Task } from 'durable-functions';
import {
  addCounts,
  parseReconcileInput,
  parseReconcilePageResult,
  type ReconcileInput,
  type ReconcilePageInput,
  type ReconcileSummary,
} from '../lib/directory/reconcile';
import { RECONCILE_ORCHESTRATION, RECONCILE_PAGE_ACTIVITY, USER_ACTIVITY } from '../lib/functionNames';
import { type SyncUserInput } from '../lib/sync/run';
import { parseUserOutcome } from '../lib/sync/runMessages';
import { type Outcome } from '../lib/sync/types';
import { emitReconcileCompleted } from '../lib/telemetry/metrics';

/** A Graph that keeps asking for a resync is a fault to surface, not to loop on. */
const MAX_RESYNCS_IN_A_ROW = 3;

/**
 * One delta reconciliation round, one `/users/delta` page per execution (lib/directory/reconcile.ts):
 * page activity → retry the few users that failed transiently → `continueAsNew` with the next link. The
 * link therefore lives in the instance's input, durable across host restarts: a killed host resumes at
 * the page it was on. The round ends with its deltaLink as output; the next round starts from it.
 *
 * No events are raised to this instance, so `continueAsNew` cannot drop any (DESIGN.md §4).
 * Deterministic: no I/O, clock, randomness or settings (the door put the policy into the input).
 */
export function* reconcileDirectory(
  context: OrchestrationContext,
): Generator<Task, ReconcileSummary | undefined, unknown> {
  const input = parseReconcileInput(context.df.getInput());
  const retry = new df.RetryOptions(input.retry.firstRetryIntervalMs, input.retry.maxAttempts);
  retry.backoffCoefficient = input.retry.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = input.retry.maxRetryIntervalMs;
  context.df.setCustomStatus({
    stage: 'reconciling',
    fullRound: input.fullRound,
    pages: input.pages,
    counts: input.counts,
    removed: input.removed,
    outOfScope: input.outOfScope,
  });

  const pageInput: ReconcilePageInput = {
    runId: context.df.instanceId,
    link: input.link,
    dryRun: input.dryRun,
    policy: input.policy,
  };
  const page = parseReconcilePageResult(
    yield context.df.callActivityWithRetry(RECONCILE_PAGE_ACTIVITY, retry, pageInput),
  );

  if (page.kind === 'resync') {
    if (input.resyncs >= MAX_RESYNCS_IN_A_ROW) {
      throw new Error(`Graph asked for a delta resync ${input.resyncs + 1} times in a row: ${page.reason}`);
    }
    const restart: ReconcileInput = {
      ...input,
      link: null,
      fullRound: true,
      pages: 0,
      counts: {},
      removed: 0,
      outOfScope: 0,
      resyncs: input.resyncs + 1,
    };
    context.df.continueAsNew(restart);
    return undefined;
  }

  let counts = addCounts(input.counts, page.counts);
  if (page.retryUsers.length > 0) {
    const tasks = page.retryUsers.map((user) => {
      const userInput: SyncUserInput = {
        runId: context.df.instanceId,
        user,
        dryRun: input.dryRun,
        policy: input.policy,
        priority: 'low',
      };
      return context.df.callActivityWithRetry(USER_ACTIVITY, retry, userInput);
    });
    const retried: Partial<Record<Outcome, number>> = {};
    for (const [index, task] of tasks.entries()) {
      let outcome: Outcome = 'failed';
      try {
        outcome = parseUserOutcome(yield task, page.retryUsers[index] ?? '').outcome;
      } catch {
        outcome = 'failed';
      }
      retried[outcome] = (retried[outcome] ?? 0) + 1;
    }
    counts = addCounts(counts, retried);
  }

  const done: ReconcileInput = {
    ...input,
    pages: input.pages + 1,
    counts,
    removed: input.removed + page.removed,
    outOfScope: input.outOfScope + page.outOfScope,
    resyncs: 0,
  };
  if (page.nextLink !== null) {
    context.df.continueAsNew({ ...done, link: page.nextLink });
    return undefined;
  }
  if (page.deltaLink === null) throw new Error('a delta page carried neither a nextLink nor a deltaLink');
  const summary: ReconcileSummary = {
    deltaLink: page.deltaLink,
    fullRound: done.fullRound,
    pages: done.pages,
    counts: done.counts,
    removed: done.removed,
    outOfScope: done.outOfScope,
  };
  context.df.setCustomStatus({ stage: 'completed', ...summary, deltaLink: undefined });
  // Only the last execution's last episode gets here, live; see syncPhoneNumbers' summaryOf.
  if (!context.df.isReplaying) emitReconcileCompleted(context.df.instanceId, input.dryRun, summary);
  return summary;
}

df.app.orchestration(RECONCILE_ORCHESTRATION, reconcileDirectory);
