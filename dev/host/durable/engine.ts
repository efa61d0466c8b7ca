import type { FunctionInfo } from '../app/functionCatalog';
import type { Invoker } from '../invoke/invoker';
import { describeError } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import { systemClock, type DurableClock } from './clock';
import { readExecutor, snapshotExecutor, type NewWork } from './executorView';
import { DeliveryStats, type DeliverySnapshot } from './deliveryStats';
import {
  completionTaskId,
  EventType,
  historyEvent,
  OrchestrationStatusCode,
  SCHEDULING_EVENT_TYPES,
  TERMINAL_STATUSES,
  type HistoryEvent,
  type RuntimeStatus,
} from './historyEvents';
import { instanceIdProblem, newGuidN } from './instanceIds';
import { TIMER_BINDING_SETTINGS, timerSliceFireAt } from './longTimers';
import { findDurableFunction, refusalOf, type Refusal } from './refusals';
import { retryDelayMs } from './retryPolicy';
import {
  type ActivityRow,
  type DurableStore,
  type InboxRow,
  type InstanceQuery,
  type InstanceRow,
  WriteBatch,
} from './store';
import { TimerQueue } from './timerQueue';
import {
  activityFailure,
  activityInputWire,
  activityResultText,
  continueAsNewInput,
  flattenActions,
  stateFromOrchestratorError,
  stateFromReturnValue,
  taskScheduledInput,
} from './wireFormats';
import { WorkQueue } from './workQueue';

export class UnknownOrchestratorError extends Error {}
export class InvalidInstanceIdError extends Error {}
export class InstanceExistsError extends Error {}

export interface DurableEngineOptions {
  readonly store: DurableStore;
  readonly invoker: Invoker;
  readonly catalog: ReadonlyMap<string, FunctionInfo>;
  readonly logger: HostLogger;
  readonly maxConcurrentActivities: number;
  readonly maxConcurrentOrchestrations: number;
  /** The engine's time (episodes, timers, retry deadlines); default real time. Tests jump it ahead. */
  readonly clock?: DurableClock;
}

export interface StartRequest {
  readonly name: string;
  readonly instanceId?: string;
  /** The input as JSON text (already validated), or null for none. */
  readonly input: string | null;
  readonly version?: string;
}

/** An instance the engine is driving: everything needed to run its next episode without reading the store. */
interface LiveInstance {
  row: InstanceRow;
  history: HistoryEvent[];
  /** The stored history serialised (IsPlayed: true), comma-joined, so episodes do not re-serialise it. */
  historyJson: string;
  scheduled: Map<number, HistoryEvent>;
  completed: Set<number>;
  ready: InboxRow[];
  /** Messages that arrived while suspended; they stay in the inbox table until the instance resumes. */
  held: InboxRow[];
  running: boolean;
  queued: boolean;
  lastEpisodeAt: number;
  /** Lower bound for new sequence numbers: a cheap determinism check on the ids method A reads. */
  sequenceFloor: number;
  /** After a failure inside the host, episodes wait until this time instead of spinning. */
  backoffUntil: number;
  /** Sequence numbers of calls the extension would refuse: never scheduled, never asked about again. */
  refused: Set<number>;
}

interface PendingCompletion {
  activityId: number;
  completion: Omit<InboxRow, 'id'> & { id?: number };
  applied?: boolean;
}

/** Action types the host does not emulate, by the name used in the failure message. */
const UNSUPPORTED_ACTIONS = new Map<number, string>([
  [7, 'durable entities (callEntity)'],
  [8, 'callHttp'],
  [9, 'durable entities (signalEntity)'],
  [13, 'durable entities (critical sections)'],
  [14, 'durable entities (critical sections)'],
]);

/** Arguments DTFx hands the worker for an orchestrator episode (reference §3.1), minus the history. */
const TIMER_SETTINGS =
  '"upperSchemaVersion":1,"upperSchemaVersionNew":2,' +
  // The Azure Storage provider's values, so long timers run as chained slices here as they do in Azure.
  `${TIMER_BINDING_SETTINGS},"defaultHttpAsyncRequestSleepTimeMillseconds":30000`;

/**
 * The Durable Task extension, emulated: orchestrator episodes (replay through the SDK, history written as DTFx
 * writes it), activities with bounded concurrency, timers, sub-orchestrations, retries, events, termination,
 * continue-as-new, all persisted through the transactional outbox in `DurableStore`.
 */
export class DurableEngine {
  private readonly live = new Map<string, LiveInstance>();
  private readonly activityQueue = new WorkQueue<ActivityRow>();
  private readonly episodeQueue = new WorkQueue<LiveInstance>();
  private readonly timers: TimerQueue<InboxRow>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiters = new Map<string, Set<(row: InstanceRow) => void>>();
  private readonly deliveries = new DeliveryStats();
  private pendingCompletions: PendingCompletion[] = [];
  private completionFlushScheduled = false;
  private episodePumpScheduled = false;
  private activitiesRunning = 0;
  private episodesRunning = 0;
  private stopping = false;
  /** Set once stop() has flushed: later completions are not written (the activity re-runs after a restart). */
  private closed = false;
  private readonly clock: DurableClock;

  constructor(private readonly options: DurableEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = new TimerQueue((row) => this.deliver(row), this.clock);
  }

  /** The engine's current time as a Date. */
  private nowDate(): Date {
    return new Date(this.clock.now());
  }

  /** Episodes, history events and bytes handed to the worker since this host started. */
  deliveryStats(): DeliverySnapshot {
    return this.deliveries.snapshot();
  }

  /** Loads every unfinished instance, its inbox and its outstanding activities, and starts driving them. */
  start(): void {
    const { store, logger } = this.options;
    for (const row of store.activeInstances())
      this.live.set(row.instanceId, this.hydrate(row, store.history(row.instanceId)));
    const garbage = new WriteBatch();
    let messages = 0;
    for (const message of store.inbox()) {
      if (!this.live.has(message.instanceId)) {
        garbage.deleteInboxIds.push(message.id);
        continue;
      }
      messages++;
      this.deliver(message);
    }
    let activities = 0;
    for (const activity of store.activities()) {
      const instance = this.live.get(activity.instanceId);
      if (!instance || instance.row.executionId !== activity.executionId) {
        garbage.dropPendingWorkOf.push(activity.instanceId);
        continue;
      }
      activities++;
      this.activityQueue.push(activity);
    }
    store.apply(garbage);
    if (this.live.size > 0) {
      logger.log(
        'info',
        `Durable: resumed ${this.live.size} instance(s), ${messages} queued message(s), ${activities} activity work item(s) to (re-)run`,
      );
    }
    this.pumpActivities();
  }

  /** Stops taking new work, lets running invocations finish (up to `timeoutMs`), and flushes completions. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    this.timers.stop();
    const drained = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([drained, timeout]);
    if (timer) clearTimeout(timer);
    this.flushCompletions();
    this.closed = true;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Client operations (the management API and durable client calls land here)

  startNew(request: StartRequest): string {
    // Case-insensitive like the extension's StartNewAsync; the instance keeps the name as given.
    const fn = findDurableFunction(this.options.catalog, request.name, 'orchestration');
    if (!fn) {
      throw new UnknownOrchestratorError(
        `The function '${request.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const instanceId = request.instanceId ?? newGuidN();
    const problem = instanceIdProblem(instanceId);
    if (problem) throw new InvalidInstanceIdError(problem);
    // The input is embedded verbatim in the orchestrator's binding data, so it must be JSON text.
    if (request.input !== null) JSON.parse(request.input);
    const existing = this.options.store.getInstance(instanceId);
    if (existing && !TERMINAL_STATUSES.has(existing.runtimeStatus)) {
      throw new InstanceExistsError(
        `An Orchestration instance with the status ${existing.runtimeStatus} already exists.`,
      );
    }
    const batch = new WriteBatch();
    const now = this.clock.now();
    this.addNewInstance(batch, now, {
      instanceId,
      name: request.name,
      version: request.version ?? '',
      input: request.input,
      parent: undefined,
      replacing: existing !== undefined,
    });
    this.commitAndDeliver(batch);
    return instanceId;
  }

  raiseEvent(instanceId: string, eventName: string, input: string | null): void {
    this.postMessage(instanceId, historyEvent.eventRaised(this.nowDate(), eventName, input));
  }

  terminate(instanceId: string, reason: string | null): void {
    this.postMessage(instanceId, historyEvent.executionTerminated(this.nowDate(), reason));
  }

  suspend(instanceId: string, reason: string | null): void {
    this.postMessage(instanceId, historyEvent.executionSuspended(this.nowDate(), reason));
  }

  resume(instanceId: string, reason: string | null): void {
    this.postMessage(instanceId, historyEvent.executionResumed(this.nowDate(), reason));
  }

  /** Starts the instance's orchestrator again with its original input (restart API). */
  restart(instanceId: string, withNewInstanceId: boolean): string {
    const row = this.options.store.getInstance(instanceId);
    if (!row)
      throw new InvalidInstanceIdError(`No orchestration with instance ID '${instanceId}' was found.`);
    return this.startNew({
      name: row.name,
      instanceId: withNewInstanceId ? undefined : instanceId,
      input: row.input,
      version: row.version,
    });
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.options.store.getInstance(instanceId);
  }

  getHistory(instanceId: string): HistoryEvent[] {
    return this.options.store.history(instanceId);
  }

  query(query: InstanceQuery): InstanceRow[] {
    return this.options.store.queryInstances(query);
  }

  /** Deletes a finished instance and its history; false if there was none. Running instances are refused. */
  purge(instanceId: string): boolean {
    const row = this.options.store.getInstance(instanceId);
    if (!row || !TERMINAL_STATUSES.has(row.runtimeStatus)) return false;
    const batch = new WriteBatch();
    batch.deleteInstances.push(instanceId);
    this.options.store.apply(batch);
    return true;
  }

  /** Purges finished instances matching the filter (statuses outside the terminal ones are never purged). */
  purgeWhere(query: InstanceQuery): number {
    const statuses = (query.runtimeStatus ?? [...TERMINAL_STATUSES]).filter((status) =>
      TERMINAL_STATUSES.has(status),
    );
    if (statuses.length === 0) return 0;
    const rows = this.options.store.queryInstances({ ...query, runtimeStatus: statuses });
    const batch = new WriteBatch();
    batch.deleteInstances.push(...rows.map((row) => row.instanceId));
    this.options.store.apply(batch);
    return rows.length;
  }

  /** Resolves with the instance once it reaches a terminal status, or with its current row at the timeout. */
  async waitForCompletion(instanceId: string, timeoutMs: number): Promise<InstanceRow | undefined> {
    const current = this.options.store.getInstance(instanceId);
    if (!current || TERMINAL_STATUSES.has(current.runtimeStatus) || timeoutMs <= 0) return current;
    return new Promise((resolve) => {
      const set = this.waiters.get(instanceId) ?? new Set();
      const forget = (): void => {
        set.delete(done);
        if (set.size === 0 && this.waiters.get(instanceId) === set) this.waiters.delete(instanceId);
      };
      const done = (row: InstanceRow): void => {
        clearTimeout(timer);
        forget();
        resolve(row);
      };
      const timer = setTimeout(() => {
        forget();
        resolve(this.options.store.getInstance(instanceId));
      }, timeoutMs);
      set.add(done);
      this.waiters.set(instanceId, set);
    });
  }

  /** Counts for diagnostics and the benchmark. */
  stats(): { liveInstances: number; queuedActivities: number; runningActivities: number; timers: number } {
    return {
      liveInstances: this.live.size,
      queuedActivities: this.activityQueue.length,
      runningActivities: this.activitiesRunning,
      timers: this.timers.size,
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Messages

  private postMessage(instanceId: string, event: HistoryEvent): void {
    const batch = new WriteBatch();
    batch.insertInbox.push({ instanceId, executionId: null, visibleAt: this.clock.now(), event });
    this.commitAndDeliver(batch);
  }

  /** Commits a batch, then hands its new inbox rows and activity work items to the in-memory queues. */
  private commitAndDeliver(batch: WriteBatch, beforeDelivery?: () => void): void {
    this.options.store.apply(batch);
    beforeDelivery?.();
    for (const activity of batch.insertActivities) {
      if (activity.id !== undefined) this.activityQueue.push({ ...activity, id: activity.id });
    }
    for (const message of batch.insertInbox) {
      if (message.id !== undefined) this.deliver({ ...message, id: message.id });
    }
    this.pumpActivities();
  }

  /** Routes an inbox row: future rows wait in the timer queue; due rows go to their instance's ready list. */
  private deliver(message: InboxRow): void {
    if (this.stopping) return;
    if (message.visibleAt > this.clock.now()) {
      this.timers.add(message.visibleAt, message);
      return;
    }
    const instance = this.live.get(message.instanceId);
    if (!instance) return; // finished meanwhile: its pending rows were dropped with it
    instance.ready.push(message);
    this.scheduleEpisode(instance);
  }

  private addNewInstance(
    batch: WriteBatch,
    now: number,
    fields: {
      instanceId: string;
      name: string;
      version: string;
      input: string | null;
      parent: { instanceId: string; executionId: string; taskId: number; name: string } | undefined;
      replacing: boolean;
    },
  ): InstanceRow {
    const executionId = newGuidN();
    const row: InstanceRow = {
      instanceId: fields.instanceId,
      name: fields.name,
      version: fields.version,
      executionId,
      runtimeStatus: 'Pending',
      input: fields.input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      parentInstanceId: fields.parent?.instanceId ?? null,
      parentExecutionId: fields.parent?.executionId ?? null,
      parentTaskId: fields.parent?.taskId ?? null,
      parentName: fields.parent?.name ?? null,
    };
    if (fields.replacing) batch.deleteInstances.push(fields.instanceId);
    batch.upsertInstances.push(row);
    batch.insertInbox.push({
      instanceId: fields.instanceId,
      executionId,
      visibleAt: now,
      event: historyEvent.executionStarted(new Date(now), {
        name: fields.name,
        version: fields.version,
        input: fields.input,
        instanceId: fields.instanceId,
        executionId,
        parent: fields.parent
          ? {
              name: fields.parent.name,
              instanceId: fields.parent.instanceId,
              executionId: fields.parent.executionId,
              taskScheduleId: fields.parent.taskId,
            }
          : undefined,
      }),
    });
    // Registered before delivery so the ExecutionStarted row finds its instance.
    this.live.set(fields.instanceId, this.hydrate(row, []));
    return row;
  }

  private hydrate(row: InstanceRow, history: HistoryEvent[]): LiveInstance {
    const instance: LiveInstance = {
      row,
      history: [],
      historyJson: '',
      scheduled: new Map(),
      completed: new Set(),
      ready: [],
      held: [],
      running: false,
      queued: false,
      lastEpisodeAt: 0,
      sequenceFloor: 0,
      backoffUntil: 0,
      refused: new Set(),
    };
    this.appendToMemory(instance, history);
    return instance;
  }

  private appendToMemory(instance: LiveInstance, events: HistoryEvent[]): void {
    for (const event of events) {
      event.IsPlayed = true;
      instance.history.push(event);
      const json = JSON.stringify(event);
      instance.historyJson = instance.historyJson.length === 0 ? json : `${instance.historyJson},${json}`;
      if (SCHEDULING_EVENT_TYPES.has(event.EventType)) {
        instance.scheduled.set(event.EventId, event);
        instance.sequenceFloor = Math.max(instance.sequenceFloor, event.EventId + 1);
      }
      const completed = completionTaskId(event);
      if (completed !== undefined) instance.completed.add(completed);
      if (event.EventType === EventType.OrchestratorStarted) {
        instance.lastEpisodeAt = Math.max(instance.lastEpisodeAt, Date.parse(event.Timestamp));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Scheduling

  private scheduleEpisode(instance: LiveInstance): void {
    if (instance.running || instance.queued || this.stopping) return;
    const wait = instance.backoffUntil - Date.now();
    if (wait > 0) {
      setTimeout(() => this.scheduleEpisode(instance), wait).unref();
      return;
    }
    instance.queued = true;
    this.episodeQueue.push(instance);
    if (this.episodePumpScheduled) return;
    this.episodePumpScheduled = true;
    // Next macrotask: completions that land in the same tick join this episode (one replay for many events).
    setImmediate(() => {
      this.episodePumpScheduled = false;
      this.pumpEpisodes();
    });
  }

  private pumpEpisodes(): void {
    while (!this.stopping && this.episodesRunning < this.options.maxConcurrentOrchestrations) {
      const instance = this.episodeQueue.shift();
      if (!instance) return;
      instance.queued = false;
      if (!this.live.has(instance.row.instanceId) || instance.ready.length === 0) continue;
      instance.running = true;
      this.episodesRunning++;
      this.track(
        this.runEpisode(instance).finally(() => {
          instance.running = false;
          this.episodesRunning--;
          if (instance.ready.length > 0 && this.live.has(instance.row.instanceId))
            this.scheduleEpisode(instance);
          this.pumpEpisodes();
        }),
      );
    }
  }

  private pumpActivities(): void {
    while (!this.stopping && this.activitiesRunning < this.options.maxConcurrentActivities) {
      const activity = this.activityQueue.shift();
      if (!activity) return;
      this.activitiesRunning++;
      this.track(
        this.runActivity(activity).finally(() => {
          this.activitiesRunning--;
          this.pumpActivities();
        }),
      );
    }
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch((error: unknown) => {
      this.options.logger.log('error', `Durable: internal error: ${describeError(error)}`);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Activities

  private async runActivity(activity: ActivityRow): Promise<void> {
    const fn = this.options.catalog.get(activity.name);
    let event: HistoryEvent;
    if (!fn || fn.kind !== 'activity') {
      const failure = activityFailure(
        activity.name,
        new Error(
          `The function '${activity.name}' doesn't exist, is disabled, or is not an activity function.`,
        ),
      );
      event = historyEvent.taskFailed(this.nowDate(), activity.taskId, failure.reason, failure.details);
    } else {
      const outcome = await this.options.invoker.invoke({
        fn,
        inputData: [
          {
            name: fn.triggerBindingName,
            data: activity.input === null ? undefined : { string: activity.input },
          },
        ],
        triggerMetadata: { instanceId: { string: activity.instanceId } },
        reason: `Activity of ${activity.instanceId}`,
      });
      if (outcome.ok) {
        event = historyEvent.taskCompleted(
          this.nowDate(),
          activity.taskId,
          activityResultText(outcome.response.returnValue),
        );
      } else {
        const failure = activityFailure(activity.name, outcome.error);
        event = historyEvent.taskFailed(this.nowDate(), activity.taskId, failure.reason, failure.details);
      }
    }
    this.pendingCompletions.push({
      activityId: activity.id,
      completion: {
        instanceId: activity.instanceId,
        executionId: activity.executionId,
        visibleAt: this.clock.now(),
        event,
      },
    });
    if (!this.completionFlushScheduled) {
      this.completionFlushScheduled = true;
      // Completions that finish in the same tick share one transaction.
      setImmediate(() => this.flushCompletions());
    }
  }

  private flushCompletions(): void {
    this.completionFlushScheduled = false;
    const pending = this.pendingCompletions;
    if (pending.length === 0 || this.closed) return;
    this.pendingCompletions = [];
    const batch = new WriteBatch();
    batch.completeActivities.push(...pending);
    this.options.store.apply(batch);
    for (const item of pending) {
      if (item.applied && item.completion.id !== undefined)
        this.deliver({ ...item.completion, id: item.completion.id });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Episodes

  private async runEpisode(instance: LiveInstance): Promise<void> {
    const taken = instance.ready;
    instance.ready = [];
    try {
      await this.processMessages(instance, taken);
    } catch (error) {
      // Nothing was committed; the messages are still in the inbox table and in memory for a retry in a second.
      instance.ready = taken.concat(instance.ready);
      instance.backoffUntil = Date.now() + 1000;
      this.options.logger.log(
        'error',
        `Durable: episode of '${instance.row.instanceId}' failed inside the host (retrying): ${describeError(error)}`,
      );
    }
  }

  private async processMessages(instance: LiveInstance, taken: InboxRow[]): Promise<void> {
    const now = new Date(Math.max(this.clock.now(), instance.lastEpisodeAt));
    const batch = new WriteBatch();
    const row = instance.row;

    const terminate = taken.find((message) => message.event.EventType === EventType.ExecutionTerminated);
    if (terminate) {
      batch.deleteInboxIds.push(
        ...taken.map((message) => message.id),
        ...instance.held.map((message) => message.id),
      );
      const reason = typeof terminate.event['Input'] === 'string' ? terminate.event['Input'] : null;
      const events = [
        historyEvent.orchestratorStarted(now),
        terminate.event,
        historyEvent.executionCompleted(now, OrchestrationStatusCode.Terminated, reason),
        historyEvent.orchestratorCompleted(now),
      ];
      this.finish(instance, batch, now, events, 'Terminated', reason, {
        kind: 'failed',
        reason: reason ?? 'Terminated',
        details: '',
      });
      return;
    }

    // Sort the batch: control events, accepted history events, and messages held while suspended.
    const accepted: HistoryEvent[] = [];
    const controlEvents: HistoryEvent[] = [];
    const seen = new Set<number>();
    let suspended = row.runtimeStatus === 'Suspended';
    let held = [...instance.held];
    const queue = [...taken];
    for (let index = 0; index < queue.length; index++) {
      const message = queue[index];
      if (!message) continue;
      const event = message.event;
      if (
        event.EventType === EventType.ExecutionSuspended ||
        event.EventType === EventType.ExecutionResumed
      ) {
        batch.deleteInboxIds.push(message.id);
        const suspend = event.EventType === EventType.ExecutionSuspended;
        if (suspend !== suspended) {
          suspended = suspend;
          controlEvents.push(event);
          if (!suspend) {
            queue.push(...held);
            held = [];
          }
        }
        continue;
      }
      if (suspended) {
        held.push(message);
        continue;
      }
      batch.deleteInboxIds.push(message.id);
      if (message.executionId !== null && message.executionId !== row.executionId) continue; // an older execution's
      if (
        event.EventType === EventType.ExecutionStarted &&
        (instance.history.length > 0 || accepted.length > 0)
      )
        continue;
      const taskId = completionTaskId(event);
      if (taskId !== undefined) {
        // Idempotent delivery: a completion for an unknown or already-completed id is dropped.
        if (!instance.scheduled.has(taskId) || instance.completed.has(taskId) || seen.has(taskId)) {
          this.options.logger.log(
            'debug',
            `Durable: dropped a duplicate completion for task ${taskId} of '${row.instanceId}'`,
          );
          continue;
        }
        seen.add(taskId);
      }
      accepted.push(event);
    }

    // Held messages are remembered now; if the episode fails inside the host they are still in the inbox table.
    instance.held = held;
    const statusAfterControl: RuntimeStatus = suspended
      ? 'Suspended'
      : row.runtimeStatus === 'Suspended'
        ? 'Running'
        : row.runtimeStatus;
    const hasExecutionStart =
      instance.history.length > 0 || accepted.some((e) => e.EventType === EventType.ExecutionStarted);
    if (accepted.length === 0 || !hasExecutionStart) {
      // Only control events (or nothing usable): record them without running the orchestrator.
      if (controlEvents.length > 0) {
        batch.appendHistory.push({
          instanceId: row.instanceId,
          firstSeq: instance.history.length,
          events: controlEvents,
        });
        const updated = { ...row, runtimeStatus: statusAfterControl, lastUpdatedTime: now.getTime() };
        batch.upsertInstances.push(updated);
        this.options.store.apply(batch);
        instance.row = updated;
        this.appendToMemory(instance, controlEvents);
      } else {
        this.options.store.apply(batch);
      }
      return;
    }

    // An execution's history always opens with its ExecutionStarted, whatever order the messages came in.
    const startAt = accepted.findIndex((event) => event.EventType === EventType.ExecutionStarted);
    const started = startAt >= 0 ? accepted.splice(startAt, 1) : [];
    const newEvents = [historyEvent.orchestratorStarted(now), ...started, ...controlEvents, ...accepted];
    const fn = findDurableFunction(this.options.catalog, row.name, 'orchestration');
    if (!fn) {
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        `The orchestrator function '${row.name}' is not registered in this app.`,
      );
      return;
    }

    const binding = this.bindingJson(instance, newEvents);
    this.deliveries.record(instance.history.length + newEvents.length, binding);
    const outcome = await this.options.invoker.invoke({
      fn,
      inputData: [{ name: fn.triggerBindingName, data: { string: binding } }],
      reason: 'OrchestratorStarted',
    });
    const state = outcome.ok
      ? stateFromReturnValue(outcome.response.returnValue)
      : stateFromOrchestratorError(outcome.error);
    if (!state) {
      const message = outcome.ok ? 'the orchestrator returned no state' : describeError(outcome.error);
      this.fail(instance, batch, now, newEvents, `Orchestrator function '${row.name}' failed: ${message}`);
      return;
    }
    const customStatus =
      state.customStatus !== undefined && state.customStatus !== null
        ? JSON.stringify(state.customStatus)
        : row.customStatus;
    const base: InstanceRow = {
      ...row,
      customStatus,
      lastUpdatedTime: now.getTime(),
      runtimeStatus: statusAfterControl,
    };
    if (typeof state.error === 'string') {
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        `Orchestrator function '${row.name}' failed: ${state.error}`,
        base,
        state.failureDetails,
      );
      return;
    }
    // Entities and callHttp are not emulated; signalEntity never shows up as an open task, so look at the actions.
    const unsupportedAction = flattenActions(state.actions).find((action) =>
      UNSUPPORTED_ACTIONS.has(Number(action['actionType'])),
    );
    if (unsupportedAction) {
      const what = UNSUPPORTED_ACTIONS.get(Number(unsupportedAction['actionType'])) ?? 'this action';
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        `Orchestrator function '${row.name}' failed: the local host does not support ${what}.`,
        base,
      );
      return;
    }
    if (state.isDone) {
      const continueAsNew = flattenActions(state.actions).find((action) => action['actionType'] === 4);
      if (continueAsNew) {
        this.continueAsNew(instance, batch, now, newEvents, base, continueAsNewInput(continueAsNew));
        return;
      }
      const output = state.output === undefined ? 'null' : JSON.stringify(state.output);
      const events = [
        ...newEvents,
        historyEvent.executionCompleted(now, OrchestrationStatusCode.Completed, output),
        historyEvent.orchestratorCompleted(now),
      ];
      this.finish(
        instance,
        batch,
        now,
        events,
        'Completed',
        output,
        { kind: 'completed', result: output },
        base,
      );
      return;
    }

    const executor = readExecutor(outcome.context);
    if (!executor) {
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        'The local host could not read the orchestrator executor (unsupported durable-functions version).',
        base,
      );
      return;
    }
    let snapshot: ReturnType<typeof snapshotExecutor>;
    try {
      snapshot = snapshotExecutor(executor, (id) => instance.scheduled.has(id) || instance.refused.has(id));
    } catch (error) {
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        `The local host could not read the orchestrator's tasks: ${describeError(error)}`,
        base,
      );
      return;
    }
    // Calls the extension refuses are left unscheduled: the instance stays Running, as in Azure (refusals.ts).
    const refusals = this.refusals(instance, snapshot.newWork, now.getTime());
    const toSchedule = snapshot.newWork.filter(
      (work) => !refusals.some((refusal) => refusal.taskId === work.id),
    );
    const drift = toSchedule.find((work) => work.id < instance.sequenceFloor);
    if (drift) {
      this.options.logger.log(
        'error',
        `Durable: '${row.instanceId}' asked for task ${drift.id} below the next free sequence number ${instance.sequenceFloor}; ` +
          'the orchestrator is probably not deterministic',
      );
    }
    const unsupported = toSchedule.find((work) => work.kind === 'unsupported');
    if (unsupported && unsupported.kind === 'unsupported') {
      this.fail(
        instance,
        batch,
        now,
        newEvents,
        `Orchestrator function '${row.name}' failed: the local host does not support ${unsupported.description}.`,
        base,
      );
      return;
    }
    const scheduling: HistoryEvent[] = [];
    for (const work of toSchedule) this.schedule(instance, batch, now, work, scheduling);
    const events = [...newEvents, ...scheduling, historyEvent.orchestratorCompleted(now)];
    const runningRow: InstanceRow = {
      ...base,
      runtimeStatus: base.runtimeStatus === 'Pending' ? 'Running' : base.runtimeStatus,
    };
    batch.appendHistory.push({ instanceId: row.instanceId, firstSeq: instance.history.length, events });
    batch.upsertInstances.push(runningRow);
    this.commitAndDeliver(batch, () => {
      instance.row = runningRow;
      this.appendToMemory(instance, events);
      for (const refusal of refusals) instance.refused.add(refusal.taskId);
    });
  }

  /** Finds the new work the extension would refuse, and says so loudly (once per task and host run). */
  private refusals(instance: LiveInstance, work: readonly NewWork[], nowMs: number): Refusal[] {
    const row = instance.row;
    const found: Refusal[] = [];
    for (const item of work) {
      const refusal = refusalOf(item, {
        catalog: this.options.catalog,
        instanceId: row.instanceId,
        parentInstanceId: row.parentInstanceId,
        nowMs,
        firstAttemptAtMs: (id) => {
          const first = instance.scheduled.get(id);
          return first ? Date.parse(first.Timestamp) : undefined;
        },
      });
      if (!refusal) continue;
      found.push(refusal);
      this.options.logger.log(
        'error',
        `Durable: '${row.instanceId}' (${row.name}): task ${refusal.taskId} was refused and will never complete: ` +
          `${refusal.message}. In Azure ${refusal.source}: nothing is scheduled, the orchestrator is not told, ` +
          'and the instance stays Running. The local host does the same.',
      );
    }
    return found;
  }

  /** The orchestration trigger's binding data (§3.1) as JSON text, built around the cached history JSON. */
  private bindingJson(instance: LiveInstance, newEvents: HistoryEvent[]): string {
    const row = instance.row;
    const fresh = newEvents.map((event) => JSON.stringify(event)).join(',');
    const history = instance.historyJson.length === 0 ? fresh : `${instance.historyJson},${fresh}`;
    return (
      `{"history":[${history}],"input":${row.input ?? 'null'},"instanceId":${JSON.stringify(row.instanceId)},` +
      `"isReplaying":false,"parentInstanceId":${JSON.stringify(row.parentInstanceId)},${TIMER_SETTINGS}}`
    );
  }

  /** Writes the scheduling event for one new sequence number and queues the work it stands for. */
  private schedule(
    instance: LiveInstance,
    batch: WriteBatch,
    now: Date,
    work: NewWork,
    scheduling: HistoryEvent[],
  ): void {
    const row = instance.row;
    const nowMs = now.getTime();
    const post = (event: HistoryEvent, visibleAt = nowMs): void => {
      batch.insertInbox.push({ instanceId: row.instanceId, executionId: row.executionId, visibleAt, event });
    };
    switch (work.kind) {
      case 'timer': {
        // A slice of a long timer fires when the extension's slice does, not at the end the SDK shows.
        const fireAt = new Date(timerSliceFireAt(work.fireAt.getTime(), nowMs, work.longTimerSlice));
        scheduling.push(historyEvent.timerCreated(now, work.id, fireAt));
        post(historyEvent.timerFired(fireAt, work.id, fireAt.toISOString()), fireAt.getTime());
        return;
      }
      case 'retryTimer': {
        // A timed-out retry never gets here (refusals.ts); after the last attempt the delay is 0 (DTFx's dummy timer).
        const delay = retryDelayMs(work.retry.options, work.retry.attempt);
        const fireAt = new Date(nowMs + delay);
        scheduling.push(historyEvent.timerCreated(now, work.id, fireAt));
        post(historyEvent.timerFired(fireAt, work.id, fireAt.toISOString()), fireAt.getTime());
        return;
      }
      case 'activity': {
        const wire = activityInputWire(work.input);
        scheduling.push(historyEvent.taskScheduled(now, work.id, work.name, taskScheduledInput(wire)));
        // Names are case-insensitive, as in the extension; an unknown one was refused before (refusals.ts).
        const fn = findDurableFunction(this.options.catalog, work.name, 'activity');
        if (!fn) {
          const failure = activityFailure(
            work.name,
            new Error(
              `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`,
            ),
          );
          post(historyEvent.taskFailed(now, work.id, failure.reason, failure.details));
          return;
        }
        batch.insertActivities.push({
          instanceId: row.instanceId,
          executionId: row.executionId,
          taskId: work.id,
          name: fn.name,
          input: wire,
        });
        return;
      }
      case 'subOrchestration': {
        const childId = work.instanceId ?? `${row.executionId}:${work.id}`;
        const input = work.input === undefined ? null : JSON.stringify(work.input);
        scheduling.push(historyEvent.subOrchestrationCreated(now, work.id, work.name, childId, input));
        const failWith = (reason: string): void =>
          post(historyEvent.subOrchestrationFailed(now, work.id, reason, ''));
        const fn = findDurableFunction(this.options.catalog, work.name, 'orchestration');
        if (!fn) {
          failWith(
            `The function '${work.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
          );
          return;
        }
        const problem = instanceIdProblem(childId);
        if (problem) {
          failWith(problem);
          return;
        }
        const existing = this.options.store.getInstance(childId);
        const pendingInBatch = batch.upsertInstances.some((candidate) => candidate.instanceId === childId);
        if ((existing && !TERMINAL_STATUSES.has(existing.runtimeStatus)) || pendingInBatch) {
          failWith(`An orchestration with instance ID '${childId}' already exists and is not finished.`);
          return;
        }
        this.addNewInstance(batch, nowMs, {
          instanceId: childId,
          name: work.name,
          version: '',
          input,
          parent: {
            instanceId: row.instanceId,
            executionId: row.executionId,
            taskId: work.id,
            name: row.name,
          },
          replacing: existing !== undefined,
        });
        return;
      }
      case 'unsupported':
        return;
    }
  }

  private fail(
    instance: LiveInstance,
    batch: WriteBatch,
    now: Date,
    newEvents: HistoryEvent[],
    output: string,
    base?: InstanceRow,
    failureDetails?: unknown,
  ): void {
    const events = [
      ...newEvents,
      historyEvent.executionCompleted(now, OrchestrationStatusCode.Failed, output, failureDetails),
      historyEvent.orchestratorCompleted(now),
    ];
    this.finish(
      instance,
      batch,
      now,
      events,
      'Failed',
      output,
      {
        kind: 'failed',
        reason: output,
        details:
          failureDetails === undefined || failureDetails === null ? '' : JSON.stringify(failureDetails),
      },
      base,
    );
  }

  /** Ends the instance: history, status, parent notification, and no further work for it. */
  private finish(
    instance: LiveInstance,
    batch: WriteBatch,
    now: Date,
    events: HistoryEvent[],
    status: 'Completed' | 'Failed' | 'Terminated',
    output: string | null,
    toParent: { kind: 'completed'; result: string } | { kind: 'failed'; reason: string; details: string },
    base: InstanceRow = instance.row,
  ): void {
    const row: InstanceRow = { ...base, runtimeStatus: status, output, lastUpdatedTime: now.getTime() };
    const instanceId = row.instanceId;
    batch.dropPendingWorkOf.push(instanceId);
    batch.appendHistory.push({ instanceId, firstSeq: instance.history.length, events });
    batch.upsertInstances.push(row);
    const parent = row.parentInstanceId ? this.live.get(row.parentInstanceId) : undefined;
    if (parent && row.parentTaskId !== null && parent.row.executionId === row.parentExecutionId) {
      batch.insertInbox.push({
        instanceId: parent.row.instanceId,
        executionId: row.parentExecutionId,
        visibleAt: now.getTime(),
        event:
          toParent.kind === 'completed'
            ? historyEvent.subOrchestrationCompleted(now, row.parentTaskId, toParent.result)
            : historyEvent.subOrchestrationFailed(now, row.parentTaskId, toParent.reason, toParent.details),
      });
    }
    this.commitAndDeliver(batch, () => {
      instance.row = row;
      instance.ready = [];
      instance.held = [];
      this.appendToMemory(instance, events);
      this.live.delete(instanceId);
      this.activityQueue.removeWhere((activity) => activity.instanceId === instanceId);
    });
    this.options.logger.log(
      status === 'Completed' ? 'debug' : 'info',
      `Durable: '${instanceId}' (${row.name}) ${status}`,
    );
    this.notifyWaiters(row);
  }

  private continueAsNew(
    instance: LiveInstance,
    batch: WriteBatch,
    now: Date,
    newEvents: HistoryEvent[],
    base: InstanceRow,
    input: unknown,
  ): void {
    void newEvents; // the finished execution's history is replaced, as DTFx starts a fresh one
    const executionId = newGuidN();
    const inputText = input === undefined ? null : JSON.stringify(input);
    const row: InstanceRow = { ...base, executionId, input: inputText, runtimeStatus: 'Running' };
    const oldExecution = instance.row.executionId;
    batch.resetHistoryOf.push(row.instanceId);
    batch.dropPendingWorkOf.push(row.instanceId);
    batch.upsertInstances.push(row);
    // The new execution's ExecutionStarted first, so its history opens with it as DTFx's does.
    batch.insertInbox.push({
      instanceId: row.instanceId,
      executionId,
      visibleAt: now.getTime(),
      event: historyEvent.executionStarted(now, {
        name: row.name,
        version: row.version,
        input: inputText,
        instanceId: row.instanceId,
        executionId,
        parent:
          row.parentInstanceId && row.parentExecutionId && row.parentTaskId !== null && row.parentName
            ? {
                name: row.parentName,
                instanceId: row.parentInstanceId,
                executionId: row.parentExecutionId,
                taskScheduleId: row.parentTaskId,
              }
            : undefined,
      }),
    });
    // Messages for no particular execution (raised events) that arrived during the episode carry over.
    const carried = instance.ready.filter((message) => message.executionId === null);
    for (const message of carried) {
      batch.insertInbox.push({
        instanceId: message.instanceId,
        executionId: null,
        visibleAt: message.visibleAt,
        event: message.event,
      });
    }
    this.commitAndDeliver(batch, () => {
      // A fresh live instance for the new execution; the old object must never run again.
      instance.ready = [];
      instance.held = [];
      this.activityQueue.removeWhere(
        (activity) => activity.instanceId === row.instanceId && activity.executionId === oldExecution,
      );
      this.live.set(row.instanceId, this.hydrate(row, []));
    });
  }

  private notifyWaiters(row: InstanceRow): void {
    const set = this.waiters.get(row.instanceId);
    if (!set) return;
    this.waiters.delete(row.instanceId);
    for (const waiter of set) waiter(row);
  }
}
