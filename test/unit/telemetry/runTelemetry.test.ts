import { metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { type DataPoint, MeterProvider, MetricReader, type Histogram } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHUNK_ORCHESTRATION,
  REPORT_ACTIVITY,
  SYNC_ORCHESTRATION,
  USER_ACTIVITY,
} from '../../../lib/functionNames';
import { type SyncRunInput, type SyncSummary, type SyncUserInput } from '../../../lib/sync/run';
import { type UserOutcome } from '../../../lib/sync/types';
import { createLogger } from '../../../lib/log';
import { azureMonitorPlan } from '../../../lib/telemetry/azureMonitor';
import { enableStructuredLogs, structuredLogsEnabled } from '../../../lib/telemetry/structuredLogs';
import {
  emitReconcileCompleted,
  METRIC_NAMES,
  RECONCILE_COMPLETED_EVENT,
  recordGraphThrottled,
  recordWriteBudgetWait,
  RUN_COMPLETED_EVENT,
} from '../../../lib/telemetry/metrics';
import { syncPhoneNumbers, syncPhoneNumbersChunk } from '../../../orchestrations/syncPhoneNumbers';
import { replay, type World } from '../../support/orchestrationReplay';
import { graphError, harness, json, noContent } from '../graph/support';

/** Collects on demand: the test reads what an exporter would have been handed. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
const logExporter = new InMemoryLogRecordExporter();
const meterProvider = new MeterProvider({ readers: [reader] });
const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor(logExporter)] });

beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
});
afterAll(async () => {
  metrics.disable();
  logs.disable();
  await meterProvider.shutdown();
  await loggerProvider.shutdown();
});
beforeEach(() => logExporter.reset());

async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[]);
}

function runInput(users: string[], dryRun: boolean): SyncRunInput {
  return {
    users,
    dryRun,
    trigger: 'timer',
    requester: 'test',
    requestFingerprint: 'fp',
    policy: {
      sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
      phoneType: 'mobile',
      defaultCountry: 'DE',
      emptyAttribute: 'keep',
      maskedRead: 'skip',
    },
    options: {
      chunkSize: 3,
      parallelChunks: 2,
      retry: {
        firstRetryIntervalMs: 1_000,
        maxAttempts: 2,
        backoffCoefficient: 2,
        maxRetryIntervalMs: 60_000,
      },
      priority: 'normal',
    },
  };
}

function activity(input: unknown): UserOutcome {
  const { user } = input as SyncUserInput;
  if (user.startsWith('ghost')) return { user, outcome: 'notFound', reason: 'Request_ResourceNotFound' };
  if (user.startsWith('same')) return { user, userId: 'id', outcome: 'unchanged', reason: 'inSync' };
  return { user, userId: 'id', outcome: 'created', reason: 'methodMissing', after: '+49 ********67' };
}

const world: World = {
  orchestrators: { [SYNC_ORCHESTRATION]: syncPhoneNumbers, [CHUNK_ORCHESTRATION]: syncPhoneNumbersChunk },
  activities: { [USER_ACTIVITY]: activity, [REPORT_ACTIVITY]: () => ({ rows: 0 }) },
  // One completion per episode: the parent replays its whole history many times before it completes.
  completionsPerEpisode: 1,
};

const USERS = [
  'a@contoso.com',
  'b@contoso.com',
  'c@contoso.com',
  'same1@contoso.com',
  'same2@contoso.com',
  'ghost@contoso.com',
  'd@contoso.com',
];

describe('run telemetry (OpenTelemetry API, in-memory SDK)', () => {
  it('emits the run-completed event once per run although the orchestrator replays, with counts and no user', async () => {
    const { root } = await replay(world, SYNC_ORCHESTRATION, runInput(USERS, false), 'run-once');
    expect(root.status, root.error).toBe('Completed');
    expect(root.episodes).toBeGreaterThan(3);
    const summary = root.output as SyncSummary;

    const events = logExporter
      .getFinishedLogRecords()
      .filter((record) => record.attributes['microsoft.custom_event.name'] === RUN_COMPLETED_EVENT);
    expect(events).toHaveLength(1);
    const attributes = events[0]?.attributes ?? {};
    expect(attributes).toMatchObject({
      runId: 'run-once',
      dryRun: false,
      trigger: 'timer',
      total: 7,
      'count.created': 4,
      'count.unchanged': 2,
      'count.notFound': 1,
      'count.failed': 0,
      durationMs: summary.durationMs,
    });
    const text = JSON.stringify(attributes);
    expect(text).not.toContain('contoso');
    expect(text).not.toMatch(/\+49/);
  });

  it('adds each finished run to the outcome counter once, by outcome and dry-run', async () => {
    const before = await points(METRIC_NAMES.userOutcomes);
    const sumOf = (list: typeof before, outcome: string, dryRun: boolean) =>
      list
        .filter((point) => point.attributes.outcome === outcome && point.attributes.dryRun === dryRun)
        .reduce((sum, point) => sum + (point.value as number), 0);
    const createdBefore = sumOf(before, 'created', false);

    const { root } = await replay(world, SYNC_ORCHESTRATION, runInput(USERS, false), 'run-counted');
    expect(root.status, root.error).toBe('Completed');

    const after = await points(METRIC_NAMES.userOutcomes);
    expect(sumOf(after, 'created', false) - createdBefore).toBe(4);
    for (const point of after) {
      expect(Object.keys(point.attributes).sort()).toEqual(['dryRun', 'outcome', 'trigger']);
    }
    // Outcomes with zero users add nothing (no empty series per run).
    expect(after.some((point) => point.attributes.outcome === 'forbidden')).toBe(false);
  });

  it('counts Graph throttling by status and write, and records write-budget waits as a histogram', async () => {
    recordGraphThrottled({ status: 429, write: true });
    recordGraphThrottled({ status: 429, write: true });
    recordGraphThrottled({ status: 503, write: false });
    recordWriteBudgetWait(0);
    recordWriteBudgetWait(1_500);

    const throttled = await points(METRIC_NAMES.graphThrottled);
    const value = (status: number, write: boolean) =>
      throttled.find((p) => p.attributes.status === status && p.attributes.write === write)?.value;
    expect(value(429, true)).toBe(2);
    expect(value(503, false)).toBe(1);

    const waits = await points(METRIC_NAMES.writeBudgetWaitMs);
    const histogram = waits[0]?.value as Histogram;
    expect(histogram.count).toBe(2);
    expect(histogram.sum).toBe(1_500);
  });
});

describe('azureMonitorPlan', () => {
  it('registers nothing without a connection string, so local runs stay offline and silent', () => {
    expect(azureMonitorPlan({})).toBeUndefined();
    expect(azureMonitorPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toBeUndefined();
  });

  it('uses the managed identity named by the authentication string, in either part order', () => {
    const connectionString = 'InstrumentationKey=00000000-0000-0000-0000-000000000000';
    expect(
      azureMonitorPlan({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=abc;Authorization=AAD',
      }),
    ).toEqual({ connectionString, managedIdentityClientId: 'abc' });
    expect(
      azureMonitorPlan({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD; ClientId=abc',
      }),
    ).toEqual({ connectionString, managedIdentityClientId: 'abc' });
    expect(azureMonitorPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString })).toEqual({
      connectionString,
    });
  });

  it('refuses an AAD authentication string without a client id instead of sending unauthenticated', () => {
    expect(() =>
      azureMonitorPlan({
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x',
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
      }),
    ).toThrow(/ClientId/);
  });
});

describe('structured log records', () => {
  it('send nothing until enabled, then carry properties as attributes, masked, with the invocation id', () => {
    const lines: unknown[] = [];
    const sink = {
      invocationId: 'inv-1',
      functionName: 'syncUserPhone',
      debug: (...args: unknown[]) => lines.push(args),
      info: (...args: unknown[]) => lines.push(args),
      warn: (...args: unknown[]) => lines.push(args),
      error: (...args: unknown[]) => lines.push(args),
    };
    const log = createLogger(sink);
    const properties = {
      status: 429,
      retried: true,
      detail: 'number +49 170 1234567 refused',
      skip: undefined,
    };

    expect(structuredLogsEnabled()).toBe(false);
    log.warn('Graph call will be retried', properties);
    expect(logExporter.getFinishedLogRecords()).toHaveLength(0);

    enableStructuredLogs();
    log.warn('Graph call will be retried', properties);
    expect(lines).toHaveLength(2);
    const records = logExporter.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    // The message keeps the text line (alerts query it), masked.
    expect(records[0]?.body).toMatch(/^Graph call will be retried status=429 retried=true detail=/);
    expect(records[0]?.body).not.toContain('1234567');
    expect(records[0]?.severityText).toBe('WARN');
    expect(records[0]?.attributes).toEqual({
      status: 429,
      retried: true,
      detail: expect.not.stringContaining('1234567') as unknown,
      InvocationId: 'inv-1',
      functionName: 'syncUserPhone',
    });
  });
});

describe('Graph gateway telemetry', () => {
  const USER_ID = '6e7b768e-07e2-4810-8459-485f84f8f204';

  it('counts a 429 answer, records the write-budget wait of a write, and sends the retry warning to the caller', async () => {
    const throttledBefore = (await points(METRIC_NAMES.graphThrottled))
      .filter((p) => p.attributes.status === 429 && p.attributes.write === false)
      .reduce((sum, p) => sum + (p.value as number), 0);
    const h = harness([
      () => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '2' }),
      () => json(200, { id: USER_ID, userPrincipalName: 'adele@contoso.com' }),
      () => noContent(),
    ]);
    const invocationWarnings: string[] = [];
    const logger = { warn: (message: string) => invocationWarnings.push(message) };

    await h.gateway.getUser(USER_ID, [], { logger });
    const waitsBefore = ((await points(METRIC_NAMES.writeBudgetWaitMs))[0]?.value as Histogram | undefined)
      ?.count;
    await h.gateway.deletePhoneMethod(USER_ID, 'mobile', { logger });

    const throttledAfter = (await points(METRIC_NAMES.graphThrottled))
      .filter((p) => p.attributes.status === 429 && p.attributes.write === false)
      .reduce((sum, p) => sum + (p.value as number), 0);
    expect(throttledAfter - throttledBefore).toBe(1);
    const waitsAfter = ((await points(METRIC_NAMES.writeBudgetWaitMs))[0]?.value as Histogram).count;
    expect(waitsAfter - (waitsBefore ?? 0)).toBe(1);
    // The warning went to the invocation's logger, not the process-wide one.
    expect(invocationWarnings).toEqual(['Graph call will be retried']);
    expect(h.warnings).toEqual([]);
  });
});

describe('reconciliation-completed event', () => {
  it('carries the round and every outcome count, and adds the counts under trigger "reconcile"', async () => {
    emitReconcileCompleted('reconcile-1', true, {
      deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=secret-ish',
      fullRound: true,
      pages: 3,
      counts: { wouldCreate: 5, unchanged: 7 },
      removed: 1,
      outOfScope: 2,
    });
    const event = logExporter
      .getFinishedLogRecords()
      .find((record) => record.attributes['microsoft.custom_event.name'] === RECONCILE_COMPLETED_EVENT);
    expect(event?.attributes).toMatchObject({
      runId: 'reconcile-1',
      dryRun: true,
      fullRound: true,
      pages: 3,
      removed: 1,
      outOfScope: 2,
      'count.wouldCreate': 5,
      'count.unchanged': 7,
      'count.created': 0,
    });
    // The delta link is a resumable cursor into the directory: not telemetry.
    expect(JSON.stringify(event?.attributes)).not.toContain('deltatoken');
    const reconciled = (await points(METRIC_NAMES.userOutcomes)).filter(
      (p) => p.attributes.trigger === 'reconcile',
    );
    expect(reconciled.map((p) => [p.attributes.outcome, p.value]).sort()).toEqual([
      ['unchanged', 7],
      ['wouldCreate', 5],
    ]);
  });
});
