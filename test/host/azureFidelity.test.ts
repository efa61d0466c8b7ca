import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdjustableClock,
  EventType,
  startHost,
  type HistoryEvent,
  type HostLogger,
  type RunningHost,
} from '../../dev/host/index';
import { eventually, request } from './support/hostHttp';

/**
 * Where the local host used to be friendlier than Azure (issue 7 §5): code that passed here but hangs or fails in
 * Azure. Each test states what Azure does and where that is known; sources are read in
 * Azure/azure-functions-durable-extension (the extension, "ext"), Azure/durabletask (DTFx) and
 * Azure/azure-functions-durable-js (the SDK).
 *
 * The common shape of a refused call in Azure: the extension's out-of-proc shim replays the orchestrator's actions
 * through its .NET API; the API throws an ArgumentException inside an async call, and
 * ext Listener/OutOfProcOrchestrationShim.cs ProcessAsyncActionsV2 awaits it in a try/catch that "silently
 * ignore[s] exceptions thrown by user code". Nothing is scheduled, the JavaScript task never completes, and the
 * instance stays Running (durable-js issue #197). The probe orchestrator races each call against an external
 * event: a call the host answers (even with a failure) wins the race; a dropped call never does.
 */
const appDir = join(__dirname, 'apps', 'fidelity');
const appRequire = createRequire(join(appDir, 'package.json'));
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

const clock = new AdjustableClock();
const logLines: string[] = [];
const logger: HostLogger = {
  log: (level, message) => {
    logLines.push(`${level} ${message}`);
  },
};
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    appDir,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-fidelity-')),
    logger,
    durableClock: clock,
  });
});
afterAll(async () => {
  await host?.stop();
});

type ProbeSpec = {
  call: 'activity' | 'activityWithRetry' | 'subOrchestrator' | 'subOrchestratorWithRetry';
  name: string;
  input?: unknown;
  instanceId?: string;
  retry?: { first: number; max: number; maxInterval?: number; timeout?: number };
};

function startProbe(spec: ProbeSpec): string {
  return host.durable.startNew({ name: 'probeCall', input: JSON.stringify(spec) });
}

function history(instanceId: string): HistoryEvent[] {
  return host.durable.getHistory(instanceId);
}

const ofType = (events: HistoryEvent[], type: number): HistoryEvent[] =>
  events.filter((event) => event.EventType === type);

async function finalOutput(instanceId: string): Promise<unknown> {
  const row = await eventually(() => {
    const current = host.durable.getInstance(instanceId);
    return current && ['Completed', 'Failed', 'Terminated'].includes(current.runtimeStatus)
      ? current
      : undefined;
  });
  expect(row.runtimeStatus).toBe('Completed');
  return JSON.parse(row.output ?? 'null') as unknown;
}

/** Waits for the host's loud refusal line for this instance and returns it. */
async function refusalLogged(instanceId: string): Promise<string> {
  return eventually(
    () => logLines.find((line) => line.startsWith('error ') && line.includes(`'${instanceId}'`)),
    20_000,
    `a refusal logged for ${instanceId}`,
  );
}

/**
 * The Azure outcome of a refused call: the refusal is logged with the extension's message, the episode that made
 * the call is committed with nothing scheduled for it, the instance is Running, and only the probe ends it.
 */
async function expectDroppedLikeAzure(instanceId: string, extensionMessage: string): Promise<void> {
  const line = await refusalLogged(instanceId);
  expect(line).toContain(extensionMessage);
  expect(line).toContain('stays Running');
  await eventually(() =>
    host.durable.getInstance(instanceId)?.customStatus === '"waiting"' ? true : undefined,
  );
  expect(host.durable.getInstance(instanceId)?.runtimeStatus).toBe('Running');
  const events = history(instanceId);
  expect(ofType(events, EventType.TaskScheduled)).toHaveLength(0);
  expect(ofType(events, EventType.SubOrchestrationInstanceCreated)).toHaveLength(0);
  expect(ofType(events, EventType.TaskFailed)).toHaveLength(0);
  expect(ofType(events, EventType.SubOrchestrationInstanceFailed)).toHaveLength(0);
  host.durable.raiseEvent(instanceId, 'Probe', 'true');
  expect(await finalOutput(instanceId)).toEqual({ winner: 'probe' });
}

describe('calls the extension refuses leave the instance Running, with a loud log line', () => {
  it('an unregistered activity (ext DurableTaskExtension.ThrowIfFunctionDoesNotExist; dropped per durable-js#197)', async () => {
    const id = startProbe({ call: 'activity', name: 'noSuchActivity', input: 'x' });
    await expectDroppedLikeAzure(
      id,
      "The function 'noSuchActivity' doesn't exist, is disabled, or is not an activity function. " +
        "Additional info: The following are the known activity functions: 'sayHello', 'alwaysFails'.",
    );
  });

  it('an activity named with other letter case runs: the extension compares names ignoring case (ext FunctionName.cs)', async () => {
    const id = startProbe({ call: 'activity', name: 'SAYHELLO', input: 'case' });
    expect(await finalOutput(id)).toEqual({ winner: 'call', result: 'Hello case' });
    // The history keeps the name as called, as DTFx records the scheduled name.
    expect(ofType(history(id), EventType.TaskScheduled)[0]?.['Name']).toBe('SAYHELLO');
  });

  it('an unregistered sub-orchestrator (ext ThrowIfFunctionDoesNotExist, FunctionType.Orchestrator)', async () => {
    const id = startProbe({ call: 'subOrchestrator', name: 'noSuchOrchestrator', input: 1 });
    await expectDroppedLikeAzure(
      id,
      "The function 'noSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function.",
    );
  });

  it("a sub-orchestration whose instance id equals its parent's (ext DurableOrchestrationContext.CallDurableTaskFunctionAsync)", async () => {
    const id = startProbe({ call: 'subOrchestrator', name: 'echoChild', input: 1, instanceId: '$self' });
    await expectDroppedLikeAzure(
      id,
      'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.',
    );
  });

  it('a sub-orchestration instance id starting with @ (ext CallDurableTaskFunctionAsync, message verbatim)', async () => {
    const id = startProbe({ call: 'subOrchestrator', name: 'echoChild', input: 1, instanceId: '@child' });
    await expectDroppedLikeAzure(
      id,
      "instanceId (Parameter 'Orchestration instance ids must not start with @')",
    );
  });

  it('a retry interval beyond the storage maximum of 6 days (ext AzureStorageDurabilityProvider.ValidateDelayTime)', async () => {
    const id = startProbe({
      call: 'activityWithRetry',
      name: 'sayHello',
      input: 'never runs',
      retry: { first: 1000, max: 3, maxInterval: 7 * DAY_MS },
    });
    await expectDroppedLikeAzure(
      id,
      "The Azure Storage provider supports a maximum of 6 days for time-based delays (Parameter 'MaxRetryInterval')",
    );
  });

  it('a sub-orchestration retry whose first interval exceeds 6 days', async () => {
    const id = startProbe({
      call: 'subOrchestratorWithRetry',
      name: 'echoChild',
      input: 1,
      retry: { first: 7 * DAY_MS, max: 2 },
    });
    await expectDroppedLikeAzure(
      id,
      "The Azure Storage provider supports a maximum of 6 days for time-based delays (Parameter 'FirstRetryInterval')",
    );
  });
});

describe('retries', () => {
  it('an exceeded retryTimeoutInMilliseconds stops the retries and leaves the instance Running (DTFx RetryInterceptor; durable-js#629)', async () => {
    // DTFx RetryInterceptor.ComputeNextDelay returns zero once CurrentUtcDateTime passes firstAttempt + RetryTimeout;
    // Invoke() then creates no timer and rethrows, and the shim drops the faulted task: the SDK's RetryableTask
    // waits for a timer that never comes.
    const attempts = (appRequire('./functions/app.cjs') as { attempts: Map<string, number> }).attempts;
    const key = 'timeout';
    const id = startProbe({
      call: 'activityWithRetry',
      name: 'alwaysFails',
      input: key,
      retry: { first: HOUR_MS, max: 6, timeout: 2 * HOUR_MS },
    });
    const timersCreated = (count: number): Promise<true> =>
      eventually(() => (ofType(history(id), EventType.TimerCreated).length >= count ? true : undefined));
    await timersCreated(1); // attempt 1 failed at t0: back-off of one hour (t0 + 1 h < t0 + 2 h)
    clock.advance(HOUR_MS);
    await timersCreated(2); // attempt 2 failed just after t0 + 1 h: still inside the timeout
    clock.advance(HOUR_MS);
    const line = await refusalLogged(id); // attempt 3 failed after t0 + 2 h: timed out
    expect(line).toContain('retry timeout of 7200000 ms has passed after attempt 3');
    expect(attempts.get(key)).toBe(3);
    expect(host.durable.getInstance(id)?.runtimeStatus).toBe('Running');
    expect(ofType(history(id), EventType.TimerCreated)).toHaveLength(2);
    host.durable.raiseEvent(id, 'Probe', 'true');
    expect(await finalOutput(id)).toEqual({ winner: 'probe' });
    expect(attempts.get(key)).toBe(3);
  });

  it('after the last attempt the timer fires at once, then the error reaches the orchestrator (DTFx RetryInterceptor since PR #661)', async () => {
    // Issue 7 claimed DTFx waits the full interval before giving up. That was DTFx before PR #661 ("Fixed retry
    // interceptor regression", 2022-01): RetryInterceptor.Invoke now schedules, for the last attempt,
    // CreateTimer(CurrentUtcDateTime, "Dummy timer for back-compat"), which fires immediately. The host matches.
    const id = host.durable.startNew({
      name: 'retryUntilExhausted',
      input: JSON.stringify({ key: 'exhausted', retry: { first: 30, max: 2 } }),
    });
    const output = (await finalOutput(id)) as { caught: string };
    expect(output.caught).toContain("Activity function 'alwaysFails' failed: exhausted failed on attempt 2");
    const timers = ofType(history(id), EventType.TimerCreated);
    expect(timers.map((timer) => Date.parse(String(timer['FireAt'])) - Date.parse(timer.Timestamp))).toEqual([
      30, 0,
    ]);
  });
});

describe('rewind through the SDK client surfaces the host message', () => {
  // durable-functions DurableClient.rewind rejects with new Error(response.data || <default>) for 404/412/501; the
  // extension (HttpApiHandler.HandleRewindInstanceRequestAsync) answers 404 and 410 without a body. A JSON object
  // body used to reach the caller as "[object Object]".
  async function rewindMessage(instanceId: string): Promise<string> {
    const response = await request(`${host.apiUrl}/rewind/${instanceId}`, { method: 'POST' });
    expect(response.status).toBe(200);
    return String((response.body as { error?: string }).error);
  }

  it('404: the SDK names the missing instance', async () => {
    expect(await rewindMessage('no-such-instance')).toBe("No instance with ID 'no-such-instance' found.");
  });

  it('412 for a running instance and 501 for a failed one: the host text, never [object Object]', async () => {
    const running = host.durable.startNew({ name: 'waitsForever', input: null });
    await eventually(() =>
      host.durable.getInstance(running)?.runtimeStatus === 'Running' ? true : undefined,
    );
    expect(await rewindMessage(running)).toBe(
      'This orchestration has status Running, but only orchestrations in the "Failed" state can be rewound.',
    );
    const failed = host.durable.startNew({ name: 'failsAtOnce', input: null });
    await eventually(() => (host.durable.getInstance(failed)?.runtimeStatus === 'Failed' ? true : undefined));
    expect(await rewindMessage(failed)).toBe('The rewind operation is not supported by the local host.');
  });
});

describe('long timers', () => {
  // Runs last: it moves the shared clock days ahead.
  it('a 7-day timer runs as the extension runs it: slices firing at +3 d, +6 d and +7 d (ext DurableOrchestrationContext.CreateTimer)', async () => {
    // The extension advertises maximumShortTimerDuration 6 days and longRunningTimerIntervalDuration 3 days
    // (AzureStorageDurabilityProvider); durable-functions then builds a LongTimerTask asking for one timer per
    // slice, and the extension fires each after 3 days, or at the end once less than 3 days remain.
    const id = host.durable.startNew({ name: 'longTimer', input: '7' });
    const timers = (count: number): Promise<HistoryEvent[]> =>
      eventually(() => {
        const created = ofType(history(id), EventType.TimerCreated);
        return created.length >= count ? created : undefined;
      });
    await timers(1);
    clock.advance(3 * DAY_MS);
    await timers(2);
    clock.advance(3 * DAY_MS);
    await timers(3);
    expect(host.durable.getInstance(id)?.runtimeStatus).toBe('Running');
    clock.advance(DAY_MS);
    const output = (await finalOutput(id)) as { fireAt: string; firedAt: string };

    const events = history(id);
    const start = Date.parse(ofType(events, EventType.OrchestratorStarted)[0]?.Timestamp ?? '');
    const created = ofType(events, EventType.TimerCreated);
    const offsets = created.map((timer) => Date.parse(String(timer['FireAt'])) - start);
    expect(offsets[0]).toBe(3 * DAY_MS);
    // The second slice starts when the first fired (a few real milliseconds after +3 d).
    expect(offsets[1]).toBeGreaterThanOrEqual(6 * DAY_MS);
    expect(offsets[1]).toBeLessThan(6 * DAY_MS + HOUR_MS);
    expect(offsets[2]).toBe(7 * DAY_MS);
    expect(created.map((timer) => timer.EventId)).toEqual([0, 1, 2]);
    expect(ofType(events, EventType.TimerFired).map((fired) => fired['TimerId'])).toEqual([0, 1, 2]);
    expect(Date.parse(output.fireAt) - start).toBe(7 * DAY_MS);
    expect(Date.parse(output.firedAt)).toBeGreaterThanOrEqual(Date.parse(output.fireAt));
  });
});
