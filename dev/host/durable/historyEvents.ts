/**
 * DTFx history events as the Durable extension serialises them for the out-of-process SDK (PascalCase, integer
 * `EventType`, `EventId` = sequence number for scheduling events and -1 otherwise). reference/durable-host.md §3.2.
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export const EVENT_TYPE_NAMES: readonly string[] = Object.keys(EventType);

/** DTFx OrchestrationStatus, as used in `ExecutionCompleted.OrchestrationStatus`. */
export const OrchestrationStatusCode = {
  Running: 0,
  Completed: 1,
  ContinuedAsNew: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  Pending: 6,
  Suspended: 7,
} as const;

export type RuntimeStatus = keyof typeof OrchestrationStatusCode;

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set([
  'Completed',
  'Failed',
  'Terminated',
  'Canceled',
]);

export function isRuntimeStatus(value: string): value is RuntimeStatus {
  return Object.prototype.hasOwnProperty.call(OrchestrationStatusCode, value);
}

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/** Events that complete a scheduled task, keyed by the field that names the task's sequence number. */
export const COMPLETION_ID_FIELD: Readonly<Record<number, 'TaskScheduledId' | 'TimerId'>> = {
  [EventType.TaskCompleted]: 'TaskScheduledId',
  [EventType.TaskFailed]: 'TaskScheduledId',
  [EventType.SubOrchestrationInstanceCompleted]: 'TaskScheduledId',
  [EventType.SubOrchestrationInstanceFailed]: 'TaskScheduledId',
  [EventType.TimerFired]: 'TimerId',
};

export const SCHEDULING_EVENT_TYPES: ReadonlySet<number> = new Set([
  EventType.TaskScheduled,
  EventType.SubOrchestrationInstanceCreated,
  EventType.TimerCreated,
]);

/** The sequence number a completion event refers to, or undefined for other events. */
export function completionTaskId(event: HistoryEvent): number | undefined {
  const field = COMPLETION_ID_FIELD[event.EventType];
  if (!field) return undefined;
  const id = event[field];
  return typeof id === 'number' ? id : undefined;
}

function base(eventType: number, timestamp: Date, eventId = -1): HistoryEvent {
  return { EventType: eventType, EventId: eventId, IsPlayed: false, Timestamp: timestamp.toISOString() };
}

export interface ParentInstanceInfo {
  readonly name: string;
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskScheduleId: number;
}

export const historyEvent = {
  orchestratorStarted: (at: Date): HistoryEvent => base(EventType.OrchestratorStarted, at),
  orchestratorCompleted: (at: Date): HistoryEvent => base(EventType.OrchestratorCompleted, at),
  executionStarted: (
    at: Date,
    fields: {
      name: string;
      version: string;
      input: string | null;
      instanceId: string;
      executionId: string;
      parent: ParentInstanceInfo | undefined;
    },
  ): HistoryEvent => ({
    ...base(EventType.ExecutionStarted, at),
    OrchestrationInstance: { InstanceId: fields.instanceId, ExecutionId: fields.executionId },
    ParentInstance: fields.parent
      ? {
          Name: fields.parent.name,
          Version: '',
          OrchestrationInstance: {
            InstanceId: fields.parent.instanceId,
            ExecutionId: fields.parent.executionId,
          },
          TaskScheduleId: fields.parent.taskScheduleId,
        }
      : null,
    Name: fields.name,
    Version: fields.version,
    Input: fields.input,
    Tags: null,
    Correlation: null,
    ScheduledStartTime: null,
    Generation: 0,
  }),
  executionCompleted: (
    at: Date,
    status: number,
    result: string | null,
    failureDetails?: unknown,
  ): HistoryEvent => ({
    ...base(EventType.ExecutionCompleted, at),
    OrchestrationStatus: status,
    Result: result,
    FailureDetails: failureDetails ?? null,
  }),
  executionTerminated: (at: Date, reason: string | null): HistoryEvent => ({
    ...base(EventType.ExecutionTerminated, at),
    Input: reason,
  }),
  executionSuspended: (at: Date, reason: string | null): HistoryEvent => ({
    ...base(EventType.ExecutionSuspended, at),
    Reason: reason,
  }),
  executionResumed: (at: Date, reason: string | null): HistoryEvent => ({
    ...base(EventType.ExecutionResumed, at),
    Reason: reason,
  }),
  taskScheduled: (at: Date, id: number, name: string, input: string | null): HistoryEvent => ({
    ...base(EventType.TaskScheduled, at, id),
    Name: name,
    Version: '',
    Input: input,
  }),
  taskCompleted: (at: Date, taskScheduledId: number, result: string): HistoryEvent => ({
    ...base(EventType.TaskCompleted, at),
    TaskScheduledId: taskScheduledId,
    Result: result,
  }),
  taskFailed: (at: Date, taskScheduledId: number, reason: string, details: string): HistoryEvent => ({
    ...base(EventType.TaskFailed, at),
    TaskScheduledId: taskScheduledId,
    Reason: reason,
    Details: details,
  }),
  subOrchestrationCreated: (
    at: Date,
    id: number,
    name: string,
    instanceId: string,
    input: string | null,
  ): HistoryEvent => ({
    ...base(EventType.SubOrchestrationInstanceCreated, at, id),
    Name: name,
    Version: '',
    InstanceId: instanceId,
    Input: input,
  }),
  subOrchestrationCompleted: (at: Date, taskScheduledId: number, result: string): HistoryEvent => ({
    ...base(EventType.SubOrchestrationInstanceCompleted, at),
    TaskScheduledId: taskScheduledId,
    Result: result,
  }),
  subOrchestrationFailed: (
    at: Date,
    taskScheduledId: number,
    reason: string,
    details: string,
  ): HistoryEvent => ({
    ...base(EventType.SubOrchestrationInstanceFailed, at),
    TaskScheduledId: taskScheduledId,
    Reason: reason,
    Details: details,
  }),
  timerCreated: (at: Date, id: number, fireAt: Date): HistoryEvent => ({
    ...base(EventType.TimerCreated, at, id),
    FireAt: fireAt.toISOString(),
  }),
  timerFired: (at: Date, timerId: number, fireAt: string): HistoryEvent => ({
    ...base(EventType.TimerFired, at),
    TimerId: timerId,
    FireAt: fireAt,
  }),
  eventRaised: (at: Date, name: string, input: string | null): HistoryEvent => ({
    ...base(EventType.EventRaised, at),
    Name: name,
    Input: input,
  }),
};
