import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventType,
  startHost,
  silentLogger,
  type HistoryEvent,
  type RunningHost,
} from '../../dev/host/index';
import { eventually, field, request, waitForTerminal } from './support/hostHttp';

/**
 * The durable patterns, driven the way an app drives them: an HTTP starter using the real durable client, the
 * management URLs it hands out, and the raw history the host wrote (checked against DTFx's layout).
 */
const appDir = join(__dirname, 'apps', 'durable');
const appRequire = createRequire(join(appDir, 'package.json'));
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    appDir,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-durable-')),
    logger: silentLogger,
  });
});
afterAll(async () => {
  await host?.stop();
});

interface Started {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}

async function start(name: string, input?: unknown, instanceId?: string): Promise<Started> {
  const response = await request(
    `${host.apiUrl}/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`,
    {
      method: 'POST',
      rawBody: input === undefined ? '' : JSON.stringify(input),
    },
  );
  expect(response.status).toBe(202);
  return response.body as Started;
}

async function run(
  name: string,
  input?: unknown,
): Promise<{ started: Started; final: Record<string, unknown> }> {
  const started = await start(name, input);
  return { started, final: await waitForTerminal(started.statusQueryGetUri) };
}

function history(instanceId: string): HistoryEvent[] {
  return host.durable.getHistory(instanceId);
}

const types = (events: HistoryEvent[]): number[] => events.map((event) => event.EventType);
const ofType = (events: HistoryEvent[], type: number): HistoryEvent[] =>
  events.filter((event) => event.EventType === type);

function expectWellFormedHistory(events: HistoryEvent[]): void {
  // Episodes: OrchestratorStarted ... OrchestratorCompleted; the first holds ExecutionStarted; stored events are played.
  expect(events[0]?.EventType).toBe(EventType.OrchestratorStarted);
  expect(events[1]?.EventType).toBe(EventType.ExecutionStarted);
  expect(events.at(-1)?.EventType).toBe(EventType.OrchestratorCompleted);
  expect(events.every((event) => event.IsPlayed)).toBe(true);
  const starts = ofType(events, EventType.OrchestratorStarted).length;
  expect(ofType(events, EventType.OrchestratorCompleted)).toHaveLength(starts);
  // Scheduling events carry their sequence number; every other event has EventId -1.
  for (const event of events) {
    const scheduling = [
      EventType.TaskScheduled,
      EventType.TimerCreated,
      EventType.SubOrchestrationInstanceCreated,
    ];
    if (!(scheduling as number[]).includes(event.EventType)) expect(event.EventId).toBe(-1);
  }
  const ids = events.filter((event) => event.EventId >= 0).map((event) => event.EventId);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
  const completions = events
    .map((event) => (event.EventType === EventType.TimerFired ? event['TimerId'] : event['TaskScheduledId']))
    .filter((id) => typeof id === 'number');
  expect(new Set(completions).size).toBe(completions.length);
  for (const id of completions) expect(ids).toContain(id);
  // Timestamps never go backwards across episodes.
  const episodeTimes = ofType(events, EventType.OrchestratorStarted).map((event) =>
    Date.parse(event.Timestamp),
  );
  expect(episodeTimes).toEqual([...episodeTimes].sort((a, b) => a - b));
}

describe('fan-out / fan-in', () => {
  it('runs activities in parallel and writes the history DTFx writes', async () => {
    const { started, final } = await run('fanOut', ['a', 'b', 'c']);
    expect(final['runtimeStatus']).toBe('Completed');
    expect(final['output']).toEqual(['Hello a', 'Hello b', 'Hello c']);
    expect(final['input']).toEqual(['a', 'b', 'c']);
    const events = history(started.id);
    expectWellFormedHistory(events);
    // First episode: started, then the three activities scheduled as ids 0, 1, 2 with DTFx's parameter array.
    expect(types(events.slice(0, 6))).toEqual([12, 0, 4, 4, 4, 13]);
    expect(ofType(events, EventType.TaskScheduled).map((e) => [e.EventId, e['Name'], e['Input']])).toEqual([
      [0, 'hello', '["a"]'],
      [1, 'hello', '["b"]'],
      [2, 'hello', '["c"]'],
    ]);
    expect(
      ofType(events, EventType.TaskCompleted)
        .map((e) => e['Result'])
        .sort(),
    ).toEqual(['"Hello a"', '"Hello b"', '"Hello c"']);
    const completed = ofType(events, EventType.ExecutionCompleted);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.['OrchestrationStatus']).toBe(1);
    expect(completed[0]?.['Result']).toBe('["Hello a","Hello b","Hello c"]');
  });

  it('sends activity inputs and maps results as the extension does', async () => {
    const { started, final } = await run('encodings');
    expect(final['runtimeStatus']).toBe('Completed');
    expect(final['output']).toEqual({
      inputs: [
        { input: 'alice', instanceId: started.id },
        { input: 7, instanceId: started.id },
        { input: { a: 1 }, instanceId: started.id },
        { input: '<undefined>', instanceId: started.id },
      ],
      // A returned JSON-looking string stays a string; bytes become base64; undefined becomes null.
      outputs: ['{"a":1}', 7.5, 42, 'aGk=', null, { kind: 'object' }],
    });
    const results = ofType(history(started.id), EventType.TaskCompleted).map((e) => e['Result']);
    expect(results).toContain('"{\\"a\\":1}"');
    expect(results).toContain('null');
  });

  it('gives a started-without-input orchestrator the empty string the SDK posts', async () => {
    const { final } = await run('noInput');
    expect(final['output']).toEqual({ input: '' });
  });
});

describe('activity retries', () => {
  it('backs off first × coefficient^(k-1), capped at the max interval, then succeeds', async () => {
    const retry = { first: 40, max: 6, coefficient: 3, maxInterval: 500 };
    const { started, final } = await run('retrying', { key: 'backoff', failures: 4, retry });
    expect(final['output']).toBe('ok:backoff:5');
    const events = history(started.id);
    expectWellFormedHistory(events);
    const timers = ofType(events, EventType.TimerCreated);
    // Delays after failures 1..4: 40, 120, 360, then 1080 capped to 500.
    expect(timers.map((t) => Date.parse(String(t['FireAt'])) - Date.parse(t.Timestamp))).toEqual([
      40, 120, 360, 500,
    ]);
    expect(ofType(events, EventType.TaskScheduled)).toHaveLength(5);
    expect(ofType(events, EventType.TaskFailed)).toHaveLength(4);
    // The timers really waited: each re-attempt was scheduled no earlier than its timer's FireAt.
    const scheduled = ofType(events, EventType.TaskScheduled).slice(1);
    scheduled.forEach((attempt, index) => {
      expect(Date.parse(attempt.Timestamp)).toBeGreaterThanOrEqual(
        Date.parse(String(timers[index]?.['FireAt'])),
      );
    });
    // Sequence numbers interleave exactly as the SDK allocates them: attempt, timer, attempt, ...
    expect(events.filter((e) => e.EventId >= 0).map((e) => [e.EventType, e.EventId])).toEqual([
      [4, 0],
      [10, 1],
      [4, 2],
      [10, 3],
      [4, 4],
      [10, 5],
      [4, 6],
      [10, 7],
      [4, 8],
    ]);
    const attempts = (appRequire('./functions/activities.cjs') as { attempts: Map<string, number> }).attempts;
    expect(attempts.get('backoff')).toBe(5);
  });

  it('delivers the last error to the orchestrator once the attempts run out, after a final immediate timer', async () => {
    const retry = { first: 20, max: 3, coefficient: 2 };
    const { started, final } = await run('retrying', { key: 'exhausted', failures: 99, retry });
    expect(final['runtimeStatus']).toBe('Completed');
    const caught = String(field(final, 'output', 'caught'));
    expect(caught).toContain("Activity function 'flaky' failed: flaky exhausted attempt 3");
    const events = history(started.id);
    expectWellFormedHistory(events);
    const timers = ofType(events, EventType.TimerCreated);
    expect(timers.map((t) => Date.parse(String(t['FireAt'])) - Date.parse(t.Timestamp))).toEqual([20, 40, 0]);
    expect(ofType(events, EventType.TaskScheduled)).toHaveLength(3);
    expect(ofType(events, EventType.TimerFired)).toHaveLength(3);
  });

  // An exceeded retryTimeoutInMilliseconds used to end in a synthetic failure here; it now leaves the instance
  // Running as in Azure (durable-js#629): see azureFidelity.test.ts.
});

describe('sub-orchestrations', () => {
  it('runs children (generated and given ids), retries a failing child in a new instance each attempt', async () => {
    const { started, final } = await run('parent', {
      name: 'kid',
      key: 'sub-retry',
      failures: 2,
      retry: { first: 20, max: 4 },
    });
    expect(final['runtimeStatus']).toBe('Completed');
    expect(final['output']).toEqual({
      plain: { greeting: 'Hello kid', parent: started.id },
      named: { greeting: 'Hello kid-2', parent: started.id },
      retried: 'child-ok:sub-retry',
    });
    const events = history(started.id);
    expectWellFormedHistory(events);
    const created = ofType(events, EventType.SubOrchestrationInstanceCreated);
    expect(created.map((e) => e['Name'])).toEqual([
      'child',
      'child',
      'childFlaky',
      'childFlaky',
      'childFlaky',
    ]);
    expect(created[1]?.['InstanceId']).toBe(`${started.id}-named`);
    const childIds = created.map((e) => String(e['InstanceId']));
    expect(new Set(childIds).size).toBe(5);
    expect(ofType(events, EventType.SubOrchestrationInstanceFailed)).toHaveLength(2);
    // Each child is an instance of its own with the status API's parent-aware view.
    const child = host.durable.getInstance(childIds[0] ?? '');
    expect(child?.runtimeStatus).toBe('Completed');
    expect(child?.parentInstanceId).toBe(started.id);
    const failedChild = host.durable.getInstance(childIds[2] ?? '');
    expect(failedChild?.runtimeStatus).toBe('Failed');
    expect(failedChild?.output).toBe(
      "Orchestrator function 'childFlaky' failed: child sub-retry run 1 failed",
    );
  });

  it('surfaces the child failure to the parent once sub-orchestration retries run out', async () => {
    const { final } = await run('parent', {
      name: 'kid',
      key: 'sub-exhausted',
      failures: 9,
      retry: { first: 10, max: 2 },
    });
    expect(String(field(final, 'output', 'retried', 'caught'))).toContain(
      "Orchestrator function 'childFlaky' failed: child sub-exhausted run 2 failed",
    );
  });
});

describe('continue-as-new', () => {
  it('restarts with the new input and a fresh history, keeping the instance id', async () => {
    const { started, final } = await run('counter', { n: 0, target: 3 });
    expect(final['output']).toEqual({ final: 3 });
    expect(final['input']).toEqual({ n: 3, target: 3 });
    const events = history(started.id);
    expectWellFormedHistory(events);
    // Only the last execution's history remains, with its own ids starting at 0 again.
    expect(types(events)).toEqual([12, 0, 1, 13]);
    expect(ofType(events, EventType.ExecutionStarted)[0]?.['Input']).toBe('{"n":3,"target":3}');
  });

  it('decodes a string input passed to continueAsNew', async () => {
    const { final } = await run('counter', { n: 0, target: 2, finishWithString: true });
    expect(final['output']).toBe('string:done-as-string');
  });
});

describe('external events', () => {
  it('delivers an event raised after the orchestrator waits, and custom status shows meanwhile', async () => {
    const started = await start('approval');
    const waiting = await eventually(async () => {
      const response = await request(started.statusQueryGetUri);
      return field(response.body, 'customStatus') === 'waiting' ? response : undefined;
    });
    expect(waiting.status).toBe(202);
    expect(waiting.headers.get('retry-after')).toBe('5');
    expect(field(waiting.body, 'runtimeStatus')).toBe('Running');
    const raise = async (name: string, body: unknown): Promise<number> =>
      (await request(started.sendEventPostUri.replace('{eventName}', name), { body })).status;
    expect(await raise('Approval', { ok: true })).toBe(202);
    expect(await raise('Second', 2)).toBe(202);
    const final = await waitForTerminal(started.statusQueryGetUri);
    expect(final['output']).toEqual({ first: { ok: true }, second: 2 });
  });

  it('buffers events raised before the orchestrator waits for them (even before it first runs)', async () => {
    const started = await start('approval');
    const url = (name: string): string => started.sendEventPostUri.replace('{eventName}', name);
    expect((await request(url('Second'), { body: 'early-second' })).status).toBe(202);
    expect((await request(url('Approval'), { body: 'early-first' })).status).toBe(202);
    const final = await waitForTerminal(started.statusQueryGetUri);
    expect(final['output']).toEqual({ first: 'early-first', second: 'early-second' });
    const raised = ofType(history(started.id), EventType.EventRaised);
    expect(raised.map((e) => [e['Name'], e['Input']])).toEqual([
      ['Second', '"early-second"'],
      ['Approval', '"early-first"'],
    ]);
  });

  it('lets an event win a race against a long timer (Task.any)', async () => {
    const started = await start('raceTimer');
    await eventually(() =>
      host.durable.getInstance(started.id)?.runtimeStatus === 'Running' ? true : undefined,
    );
    await request(started.sendEventPostUri.replace('{eventName}', 'Go'), { body: null });
    const final = await waitForTerminal(started.statusQueryGetUri);
    expect(final['output']).toBe('event');
  });
});

describe('durable timers', () => {
  it('fires a timer at its FireAt', async () => {
    const { started, final } = await run('timerOrch', 300);
    expect(final['runtimeStatus']).toBe('Completed');
    expect(field(final, 'output', 'waitedMs')).toBeGreaterThanOrEqual(300);
    const events = history(started.id);
    expectWellFormedHistory(events);
    const created = ofType(events, EventType.TimerCreated)[0];
    const fired = ofType(events, EventType.TimerFired)[0];
    expect(created?.EventId).toBe(0);
    expect(fired?.['TimerId']).toBe(0);
    expect(fired?.['FireAt']).toBe(created?.['FireAt']);
    const secondEpisode = ofType(events, EventType.OrchestratorStarted)[1];
    expect(Date.parse(secondEpisode?.Timestamp ?? '')).toBeGreaterThanOrEqual(
      Date.parse(String(created?.['FireAt'])),
    );
  });
});

describe('failures, termination, custom status', () => {
  it("fails an orchestrator that throws, with the extension's output text", async () => {
    const { started, final } = await run('failing');
    expect(final['runtimeStatus']).toBe('Failed');
    expect(final['output']).toBe("Orchestrator function 'failing' failed: orchestrator boom");
    const completed = ofType(history(started.id), EventType.ExecutionCompleted)[0];
    expect(completed?.['OrchestrationStatus']).toBe(3);
  });

  it('terminates a waiting instance with the reason as output, and refuses further events', async () => {
    const started = await start('waiter');
    await eventually(() =>
      host.durable.getInstance(started.id)?.runtimeStatus === 'Running' ? true : undefined,
    );
    const terminate = await request(started.terminatePostUri.replace('{text}', 'no%20longer%20needed'), {
      method: 'POST',
    });
    expect(terminate.status).toBe(202);
    const final = await waitForTerminal(started.statusQueryGetUri);
    expect(final['runtimeStatus']).toBe('Terminated');
    expect(final['output']).toBe('no longer needed');
    const events = history(started.id);
    expect(types(events.slice(-4))).toEqual([12, 3, 1, 13]);
    expect(ofType(events, EventType.ExecutionCompleted)[0]?.['OrchestrationStatus']).toBe(5);
    expect(
      (await request(started.terminatePostUri.replace('{text}', 'again'), { method: 'POST' })).status,
    ).toBe(410);
    expect(
      (await request(started.sendEventPostUri.replace('{eventName}', 'Never'), { body: 1 })).status,
    ).toBe(410);
  });

  it('fails an orchestrator that uses durable entities, which the local host does not emulate', async () => {
    const { final } = await run('usesEntity');
    expect(final['runtimeStatus']).toBe('Failed');
    expect(final['output']).toBe(
      "Orchestrator function 'usesEntity' failed: the local host does not support durable entities (signalEntity).",
    );
  });

  it('exposes custom status set by the orchestrator', async () => {
    const { final } = await run('fanOut', ['x']);
    expect(final['customStatus']).toEqual({ stage: 'done', n: 1 });
  });

  it('answers the durable client inside a function through the RPC base (getStatus with history)', async () => {
    const { started } = await run('fanOut', ['q']);
    const response = await request(`${host.apiUrl}/status/${started.id}`);
    expect(response.status).toBe(200);
    expect(field(response.body, 'runtimeStatus')).toBe('Completed');
    expect(field(response.body, 'output')).toEqual(['Hello q']);
    expect(field(response.body, 'instanceId')).toBe(started.id);
  });
});
