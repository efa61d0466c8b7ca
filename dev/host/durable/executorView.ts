import { readRetryOptions, type RetryOptionsJson } from './retryPolicy';

/**
 * Method A of reference/durable-host.md §4.4: after an orchestrator episode, read the sequence numbers the SDK
 * actually allocated from its executor (`context.df.taskOrchestratorExecutor`) instead of recomputing them.
 * The fields are TypeScript-private in durable-functions but present in 3.1–3.5; every access is guarded so a
 * different SDK shape fails loudly instead of scheduling the wrong task.
 */

export interface RetryContext {
  readonly options: RetryOptionsJson;
  /** Sequence number of the first attempt; its scheduling time starts the retry timeout. */
  readonly firstAttemptId: number;
  /** 1-based number of the attempt being scheduled (re-attempts) or that just failed (back-off timers). */
  readonly attempt: number;
}

export type NewWork =
  | { kind: 'activity'; id: number; name: string; input: unknown; retry: RetryContext | undefined }
  | {
      kind: 'subOrchestration';
      id: number;
      name: string;
      input: unknown;
      instanceId: string | undefined;
      retry: RetryContext | undefined;
    }
  | {
      kind: 'timer';
      id: number;
      /** The time the user asked for (for a slice of a long timer: the whole timer's end). */
      fireAt: Date;
      /** True when the SDK asked for one slice of a long timer (its LongTimerTask, §4.6). */
      longTimerSlice: boolean;
    }
  | { kind: 'retryTimer'; id: number; retry: RetryContext }
  | { kind: 'unsupported'; id: number; description: string };

export interface ExecutorSnapshot {
  /** Next free sequence number. */
  readonly sequenceNumber: number;
  /** Work for ids the host has not scheduled yet, in id order. */
  readonly newWork: NewWork[];
}

const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  CreateTimer: 5,
  CallEntity: 7,
  CallHttp: 8,
  LockEntities: 13,
} as const;

type Loose = Record<string, unknown>;

function asLoose(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null ? (value as Loose) : undefined;
}

/** Finds the executor on the InvocationContext the orchestrator ran with. */
export function readExecutor(invocationContext: unknown): Loose | undefined {
  const df = asLoose(asLoose(invocationContext)?.['df']);
  return asLoose(df?.['taskOrchestratorExecutor']);
}

export function snapshotExecutor(
  executor: Loose,
  alreadyScheduled: (id: number) => boolean,
): ExecutorSnapshot {
  const sequenceNumber = executor['sequenceNumber'];
  const openTasks = asLoose(executor['openTasks']);
  if (typeof sequenceNumber !== 'number' || !openTasks) {
    throw new Error('durable-functions executor has an unexpected shape (sequenceNumber/openTasks missing)');
  }
  const newWork: NewWork[] = [];
  const ids = Object.keys(openTasks)
    .map(Number)
    .filter((id) => Number.isInteger(id) && !alreadyScheduled(id))
    .sort((a, b) => a - b);
  for (const id of ids) {
    const task = asLoose(openTasks[String(id)]);
    if (!task) continue;
    newWork.push(describeTask(id, task));
  }
  return { sequenceNumber, newWork };
}

function describeTask(id: number, task: Loose): NewWork {
  const parent = asLoose(task['parent']);
  const action = asLoose(task['actionObj']);
  if (!action && parent && 'retryOptions' in parent && 'innerTask' in parent) {
    return describeRetryPlumbing(id, parent);
  }
  if (!action) return { kind: 'unsupported', id, description: 'a task without an action' };
  const longTimerEnd = parent ? longTimerFinalFireAt(parent) : undefined;
  if (longTimerEnd && action['actionType'] === ActionType.CreateTimer) {
    return { kind: 'timer', id, fireAt: longTimerEnd, longTimerSlice: true };
  }
  return describeAction(id, action, undefined);
}

/** A LongTimerTask (durable-functions 3.x) keeps the whole timer's action; its children are the slices. */
function longTimerFinalFireAt(parent: Loose): Date | undefined {
  if (!('longRunningTimerIntervalDuration' in parent)) return undefined;
  const fireAt = asLoose(parent['action'])?.['fireAt'];
  if (fireAt instanceof Date) return fireAt;
  return typeof fireAt === 'string' ? new Date(fireAt) : undefined;
}

function describeAction(id: number, action: Loose, retry: RetryContext | undefined): NewWork {
  const type = action['actionType'];
  const name = action['functionName'];
  switch (type) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      if (typeof name !== 'string') break;
      return {
        kind: 'activity',
        id,
        name,
        input: action['input'],
        retry: retry ?? firstAttemptRetry(id, action),
      };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      if (typeof name !== 'string') break;
      const instanceId = action['instanceId'];
      return {
        kind: 'subOrchestration',
        id,
        name,
        input: action['input'],
        instanceId: typeof instanceId === 'string' && instanceId.length > 0 ? instanceId : undefined,
        retry: retry ?? firstAttemptRetry(id, action),
      };
    }
    case ActionType.CreateTimer: {
      const fireAt = action['fireAt'];
      if (fireAt instanceof Date) return { kind: 'timer', id, fireAt, longTimerSlice: false };
      if (typeof fireAt === 'string')
        return { kind: 'timer', id, fireAt: new Date(fireAt), longTimerSlice: false };
      break;
    }
    case ActionType.CallEntity:
    case ActionType.LockEntities:
      return { kind: 'unsupported', id, description: 'durable entities' };
    case ActionType.CallHttp:
      return { kind: 'unsupported', id, description: 'callHttp' };
  }
  return { kind: 'unsupported', id, description: `action type ${String(type)}` };
}

function firstAttemptRetry(id: number, action: Loose): RetryContext | undefined {
  const options = readRetryOptions(action['retryOptions']);
  return options ? { options, firstAttemptId: id, attempt: 1 } : undefined;
}

/**
 * A NoOpTask under a RetryableTask is retry plumbing: while the wrapper waits on its timer it is the back-off
 * timer (attemptNumber already counts the next attempt), otherwise it is the re-attempt of the inner action.
 */
function describeRetryPlumbing(id: number, wrapper: Loose): NewWork {
  const options = readRetryOptions(wrapper['retryOptions']);
  const inner = asLoose(wrapper['innerTask']);
  const innerAction = asLoose(inner?.['actionObj']);
  const firstAttemptId = inner?.['id'];
  const attemptNumber = wrapper['attemptNumber'];
  if (!options || !innerAction || typeof firstAttemptId !== 'number' || typeof attemptNumber !== 'number') {
    return { kind: 'unsupported', id, description: 'retry wrapper with an unexpected shape' };
  }
  if (wrapper['isWaitingOnTimer'] === true) {
    return { kind: 'retryTimer', id, retry: { options, firstAttemptId, attempt: attemptNumber - 1 } };
  }
  return describeAction(id, innerAction, { options, firstAttemptId, attempt: attemptNumber });
}
