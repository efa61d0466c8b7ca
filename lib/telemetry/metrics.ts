import { metrics, type Attributes } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { type ReconcileSummary } from '../directory/reconcile';
import { type Outcome, OUTCOMES } from '../sync/types';
import { type SyncSummary } from '../sync/run';

/**
 * The app's own telemetry, written against the OpenTelemetry API only. Without a registered SDK (local runs,
 * tests, the dev host) every call here is a no-op: nothing is printed and nothing leaves the machine. In Azure,
 * `functions/telemetry.ts` registers the Azure Monitor distro, and these become customMetrics and
 * customEvents with their attributes as custom dimensions.
 *
 * Attributes carry run ids, outcome names and counts only: never a UPN, object id or phone number.
 */
const SCOPE = 'mfa-phone-sync';

export const METRIC_NAMES = {
  userOutcomes: 'mfa_sync.user_outcomes',
  graphThrottled: 'mfa_sync.graph_throttled',
  writeBudgetWaitMs: 'mfa_sync.write_budget_wait_ms',
} as const;

/** The customEvents name of the run-completed event. */
export const RUN_COMPLETED_EVENT = 'mfa_sync.run_completed';
/** The customEvents name of the reconciliation-completed event. */
export const RECONCILE_COMPLETED_EVENT = 'mfa_sync.reconcile_completed';

/**
 * Azure Monitor turns a log record carrying this attribute into a customEvents row named by its value
 * (`@azure/monitor-opentelemetry` ≥ 1.8); other exporters keep it as a plain log record.
 */
const CUSTOM_EVENT_NAME_ATTRIBUTE = 'microsoft.custom_event.name';

// Instruments are looked up per call: the global meter provider may be registered after this module loads.
function meter() {
  return metrics.getMeter(SCOPE);
}

/**
 * Adds a finished run's outcome counts to `mfa_sync.user_outcomes{outcome, dryRun, trigger}`; outcomes with
 * no user add nothing.
 */
export function recordRunOutcomes(
  counts: Readonly<Partial<Record<Outcome, number>>>,
  labels: { dryRun: boolean; trigger: string },
): void {
  const counter = meter().createCounter(METRIC_NAMES.userOutcomes, {
    description: 'Users by outcome, added once per completed run',
    unit: '{user}',
  });
  for (const outcome of OUTCOMES) {
    const count = counts[outcome] ?? 0;
    if (count > 0) counter.add(count, { outcome, dryRun: labels.dryRun, trigger: labels.trigger });
  }
}

/** The run-completed event: the run id, what started it, its duration and every outcome count. */
export function runCompletedAttributes(summary: SyncSummary): Attributes {
  const attributes: Attributes = {
    [CUSTOM_EVENT_NAME_ATTRIBUTE]: RUN_COMPLETED_EVENT,
    runId: summary.runId,
    dryRun: summary.dryRun,
    trigger: summary.trigger,
    durationMs: summary.durationMs,
    total: summary.total,
    identityCheck: summary.identityCheck,
    duplicatesRemoved: summary.duplicatesRemoved,
  };
  for (const outcome of OUTCOMES) attributes[`count.${outcome}`] = summary.counts[outcome];
  return attributes;
}

export function emitRunCompleted(summary: SyncSummary): void {
  emitEvent(runCompletedAttributes(summary));
  recordRunOutcomes(summary.counts, summary);
}

/** The reconciliation-completed event: one delta round (all its executions), counts only. */
export function reconcileCompletedAttributes(
  runId: string,
  dryRun: boolean,
  summary: ReconcileSummary,
): Attributes {
  const attributes: Attributes = {
    [CUSTOM_EVENT_NAME_ATTRIBUTE]: RECONCILE_COMPLETED_EVENT,
    runId,
    dryRun,
    fullRound: summary.fullRound,
    pages: summary.pages,
    removed: summary.removed,
    outOfScope: summary.outOfScope,
  };
  for (const outcome of OUTCOMES) attributes[`count.${outcome}`] = summary.counts[outcome] ?? 0;
  return attributes;
}

export function emitReconcileCompleted(runId: string, dryRun: boolean, summary: ReconcileSummary): void {
  emitEvent(reconcileCompletedAttributes(runId, dryRun, summary));
  recordRunOutcomes(summary.counts, { dryRun, trigger: 'reconcile' });
}

function emitEvent(attributes: Attributes): void {
  logs.getLogger(SCOPE).emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: String(attributes[CUSTOM_EVENT_NAME_ATTRIBUTE]),
    attributes,
  });
}

/** One Graph answer that asked the client to back off (429, or 503 with Retry-After). */
export function recordGraphThrottled(attributes: { status: number; write: boolean }): void {
  meter()
    .createCounter(METRIC_NAMES.graphThrottled, {
      description: 'Graph answers that throttled this app (429, 503)',
      unit: '{response}',
    })
    .add(1, attributes);
}

/** Time one write spent waiting for the write budget (token bucket and adaptive pacer) before it was sent. */
export function recordWriteBudgetWait(waitMs: number): void {
  meter()
    .createHistogram(METRIC_NAMES.writeBudgetWaitMs, {
      description: 'Time a Graph write waited for the write budget before being sent',
      unit: 'ms',
    })
    .record(waitMs);
}
