/**
 * Drives orchestrators through the REAL durable-functions replay: each episode hands the SDK's
 * orchestrator wrapper a `DummyOrchestrationContext` and a synthetic history written the way the Durable
 * extension writes it (reference/durable-host.md §3–4), reads the actions back from the SDK's executor
 * (method A of §4.4, through the local host's own reader `dev/host/durable/executorView.ts`), and answers
 * them with completion events in the next episode.
 *
 * Activities and sub-orchestrations are resolved in-process (no persistence, no clock but a virtual one),
 * which is all a unit test of orchestration logic needs. The local host (dev/host) is the full engine.
 */
import { type OrchestrationContext, DummyOrchestrationContext } from 'durable-functions';
import { readExecutor, snapshotExecutor, type NewWork } from '../../dev/host/durable/executorView';
import { EventType, type HistoryEvent } from '../../dev/host/durable/historyEvents';
import { continueAsNewInput, flattenActions } from '../../dev/host/durable/wireFormats';
import { retryDelayMs } from '../../dev/host/durable/retryPolicy';

// The SDK ships these helpers without type declarations; they are its own testing utilities.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const testingUtils = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (
    fn: OrchestratorFunction,
  ) => (binding: unknown, context: OrchestrationContext) => Promise<OrchestratorState>;
};

export type OrchestratorFunction = (context: OrchestrationContext) => Generator<unknown, unknown, unknown>;

interface OrchestratorState {
  isDone: boolean;
  output?: unknown;
  customStatus?: unknown;
  error?: string;
  actions?: unknown;
}

/** Calls made to activities, with the attempt number per (instance, activity, input). */
export interface ActivityCall {
  instanceId: string;
  name: string;
  input: unknown;
  attempt: number;
}

export interface World {
  orchestrators: Record<string, OrchestratorFunction>;
  /** Throwing means the activity failed (TaskFailed); returning means TaskCompleted. */
  activities: Record<string, (input: unknown, call: ActivityCall) => unknown>;
  /** Deliver at most this many completions per episode (default: all that are ready). */
  completionsPerEpisode?: number;
}

export interface InstanceRun {
  instanceId: string;
  name: string;
  status: 'Completed' | 'Failed';
  output: unknown;
  error?: string;
  /** Custom status after each episode (undefined when unset). */
  customStatuses: unknown[];
  /** The history of the instance's last execution. */
  history: HistoryEvent[];
  /**
   * Every execution, in order (more than one when the orchestrator continued as new), with what the worker
   * was handed: the largest episode's history length and binding size, and the sum over its episodes.
   */
  executions: ExecutionRecord[];
  episodes: number;
  /** Back-off timers created: delay in ms from the episode's time to FireAt. */
  timerDelaysMs: number[];
  children: InstanceRun[];
}

export interface ExecutionRecord {
  input: unknown;
  history: HistoryEvent[];
  episodes: number;
  maxHistoryEvents: number;
  maxBindingBytes: number;
  deliveredBytes: number;
}

export interface Replay {
  root: InstanceRun;
  activityCalls: ActivityCall[];
}

type Work =
  | { kind: 'activity'; id: number; name: string; input: unknown }
  | { kind: 'timer'; id: number; fireAt: Date }
  | { kind: 'subOrchestration'; id: number; name: string; input: unknown; instanceId: string };

export async function replay(
  world: World,
  name: string,
  input: unknown,
  instanceId = 'instance-under-test',
  start = new Date('2026-01-01T00:00:00Z'),
): Promise<Replay> {
  const activityCalls: ActivityCall[] = [];
  const attempts = new Map<string, number>();
  const clock = { now: start.getTime() };
  const root = await runInstance(world, name, input, instanceId, null, clock, activityCalls, attempts);
  return { root, activityCalls };
}

async function runInstance(
  world: World,
  name: string,
  firstInput: unknown,
  instanceId: string,
  parentInstanceId: string | null,
  clock: { now: number },
  activityCalls: ActivityCall[],
  attempts: Map<string, number>,
): Promise<InstanceRun> {
  const fn = world.orchestrators[name];
  if (fn === undefined) throw new Error(`no orchestrator '${name}' in the test world`);
  const handler = testingUtils.createOrchestrator(fn);
  let input = firstInput;
  const run: InstanceRun = {
    instanceId,
    name,
    status: 'Completed',
    output: null,
    customStatuses: [],
    history: [],
    executions: [],
    episodes: 0,
    timerDelaysMs: [],
    children: [],
  };
  let scheduled = new Set<number>();
  let ready: HistoryEvent[] = [];
  let pending: Work[] = [];
  let execution!: ExecutionRecord;
  const startExecution = (executionInput: unknown): void => {
    input = executionInput;
    execution = {
      input,
      history: [],
      episodes: 0,
      maxHistoryEvents: 0,
      maxBindingBytes: 0,
      deliveredBytes: 0,
    };
    run.executions.push(execution);
    run.history = execution.history;
    scheduled = new Set<number>();
    ready = [event(EventType.ExecutionStarted, clock, { Name: name, Input: JSON.stringify(input) })];
    pending = [];
  };
  startExecution(input);

  for (;;) {
    for (const past of run.history) past.IsPlayed = true;
    run.history.push(event(EventType.OrchestratorStarted, clock));
    const batch = ready.splice(0, world.completionsPerEpisode ?? ready.length);
    run.history.push(...batch);

    const context = new DummyOrchestrationContext(name, `${instanceId}-${run.episodes}`, () => undefined);
    run.episodes += 1;
    const binding = bindingInfo(run.history, input, instanceId, parentInstanceId);
    const bindingBytes = Buffer.byteLength(JSON.stringify(binding), 'utf8');
    execution.episodes += 1;
    execution.deliveredBytes += bindingBytes;
    execution.maxBindingBytes = Math.max(execution.maxBindingBytes, bindingBytes);
    execution.maxHistoryEvents = Math.max(execution.maxHistoryEvents, run.history.length);
    let state: OrchestratorState;
    try {
      state = await handler(binding, context);
    } catch (error) {
      state = failureState(error);
    }
    run.customStatuses.push(state.customStatus);

    const executor = readExecutor(context);
    if (executor === undefined) throw new Error('the SDK left no executor on the context');
    for (const work of snapshotExecutor(executor, (id) => scheduled.has(id)).newWork) {
      scheduled.add(work.id);
      const described = describeWork(work, clock, run);
      pending.push(described);
      run.history.push(scheduledEvent(described, clock));
    }
    run.history.push(event(EventType.OrchestratorCompleted, clock));

    if (state.error !== undefined) {
      run.status = 'Failed';
      run.error = state.error;
      run.output = `Orchestrator function '${name}' failed: ${state.error}`;
      return run;
    }
    const continued = flattenActions(state.actions).find((action) => action['actionType'] === 4);
    if (state.isDone && continued !== undefined) {
      // DTFx ends the execution and starts a fresh one with the new input and an empty history; work still
      // outstanding belongs to the old execution and its completions would be discarded.
      run.history.push(
        event(EventType.ContinueAsNew, clock, { Result: JSON.stringify(continueAsNewInput(continued)) }),
      );
      startExecution(continueAsNewInput(continued));
      continue;
    }
    if (state.isDone) {
      run.output = state.output ?? null;
      run.history.push(
        event(EventType.ExecutionCompleted, clock, {
          OrchestrationStatus: 1,
          Result: JSON.stringify(run.output),
        }),
      );
      return run;
    }
    if (ready.length === 0 && pending.length === 0)
      throw new Error(`${instanceId} is waiting for nothing: it would hang`);

    // Resolve all outstanding work (in id order) into completion events for the following episodes.
    pending.sort((a, b) => a.id - b.id);
    for (const work of pending.splice(0)) {
      ready.push(await resolve(work, world, instanceId, clock, activityCalls, attempts, run));
    }
  }
}

/** The host's reading of one new task, as the work this harness resolves (timers fire at once, in virtual time). */
function describeWork(work: NewWork, clock: { now: number }, run: InstanceRun): Work {
  switch (work.kind) {
    case 'activity':
      return { kind: 'activity', id: work.id, name: work.name, input: decodeInput(work.input) };
    case 'subOrchestration':
      return {
        kind: 'subOrchestration',
        id: work.id,
        name: work.name,
        input: work.input,
        instanceId: work.instanceId ?? `sub-${work.id}`,
      };
    case 'timer':
      return { kind: 'timer', id: work.id, fireAt: work.fireAt };
    case 'retryTimer': {
      const delay = retryDelayMs(work.retry.options, work.retry.attempt);
      run.timerDelaysMs.push(delay);
      return { kind: 'timer', id: work.id, fireAt: new Date(clock.now + delay) };
    }
    case 'unsupported':
      throw new Error(`task ${work.id} is not supported by the replay harness: ${work.description}`);
  }
}

async function resolve(
  work: Work,
  world: World,
  instanceId: string,
  clock: { now: number },
  activityCalls: ActivityCall[],
  attempts: Map<string, number>,
  run: InstanceRun,
): Promise<HistoryEvent> {
  switch (work.kind) {
    case 'timer':
      clock.now = Math.max(clock.now, work.fireAt.getTime());
      return event(EventType.TimerFired, clock, { TimerId: work.id, FireAt: work.fireAt.toISOString() });
    case 'activity': {
      const activity = world.activities[work.name];
      const key = `${instanceId}\n${work.name}\n${JSON.stringify(work.input)}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const call: ActivityCall = { instanceId, name: work.name, input: work.input, attempt };
      activityCalls.push(call);
      try {
        if (activity === undefined) throw new Error(`activity '${work.name}' is not registered`);
        const result = await activity(work.input, call);
        return event(EventType.TaskCompleted, clock, {
          TaskScheduledId: work.id,
          Result: JSON.stringify(result ?? null),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return event(EventType.TaskFailed, clock, {
          TaskScheduledId: work.id,
          Reason: `Activity function '${work.name}' failed: ${message}`,
          Details: JSON.stringify({ message }),
        });
      }
    }
    case 'subOrchestration': {
      const child = await runInstance(
        world,
        work.name,
        work.input,
        work.instanceId,
        instanceId,
        clock,
        activityCalls,
        attempts,
      );
      run.children.push(child);
      return child.status === 'Completed'
        ? event(EventType.SubOrchestrationInstanceCompleted, clock, {
            TaskScheduledId: work.id,
            Result: JSON.stringify(child.output),
          })
        : event(EventType.SubOrchestrationInstanceFailed, clock, {
            TaskScheduledId: work.id,
            Reason: String(child.output),
            Details: String(child.error ?? ''),
          });
    }
  }
}

function scheduledEvent(work: Work, clock: { now: number }): HistoryEvent {
  switch (work.kind) {
    case 'activity':
      return event(
        EventType.TaskScheduled,
        clock,
        { Name: work.name, Input: JSON.stringify(work.input) },
        work.id,
      );
    case 'timer':
      return event(EventType.TimerCreated, clock, { FireAt: work.fireAt.toISOString() }, work.id);
    case 'subOrchestration':
      return event(
        EventType.SubOrchestrationInstanceCreated,
        clock,
        { Name: work.name, InstanceId: work.instanceId, Input: JSON.stringify(work.input) },
        work.id,
      );
  }
}

function event(
  type: number,
  clock: { now: number },
  fields: Record<string, unknown> = {},
  eventId = -1,
): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: new Date(clock.now).toISOString(),
    ...fields,
  };
}

function bindingInfo(
  history: HistoryEvent[],
  input: unknown,
  instanceId: string,
  parentInstanceId: string | null,
): unknown {
  // What the extension sends (durable-host.md §3.1); a copy, because the SDK turns Timestamps into Dates.
  return {
    history: structuredClone(history),
    input,
    instanceId,
    isReplaying: false,
    parentInstanceId,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '3650.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

function decodeInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** The SDK throws `<prefix>\n\n$OutOfProcData$:<state JSON>` on failure; the error text is in state.error. */
function failureState(error: unknown): OrchestratorState {
  const message = error instanceof Error ? error.message : String(error);
  const marker = '$OutOfProcData$:';
  const at = message.indexOf(marker);
  if (at >= 0) {
    const state = JSON.parse(message.slice(at + marker.length)) as OrchestratorState;
    return { ...state, error: state.error ?? 'unknown orchestrator error' };
  }
  return { isDone: false, error: message };
}
