import { type DurableClient, type DurableOrchestrationStatus } from 'durable-functions';
import { type AppConfig } from './config';
import { SYNC_ORCHESTRATION } from './functionNames';
import { redactPhoneNumbers } from './phone/mask';
import { requestFingerprint } from './runId';
import { type SyncProgress, type SyncRunInput, type SyncSummary, type SyncTrigger } from './sync/run';

/** The part of Durable's client the doors use; narrow so tests can hand in a small fake. */
export type RunClient = Pick<DurableClient, 'startNew' | 'getStatus'>;

export interface RunRequest {
  users: string[];
  dryRun: boolean;
  trigger: SyncTrigger;
  requester: string;
  priority?: 'normal' | 'low';
}

/** Captures the settings a run needs into its input, so replays and the summary never read settings. */
export function buildRunInput(request: RunRequest, config: AppConfig): SyncRunInput {
  return {
    users: request.users,
    dryRun: request.dryRun,
    trigger: request.trigger,
    requester: request.requester,
    requestFingerprint: requestFingerprint(request.users, request.dryRun),
    policy: config.policy,
    options: {
      chunkSize: config.limits.chunkSize,
      parallelChunks: config.limits.parallelChunks,
      retry: config.retry,
      priority: request.priority ?? 'normal',
    },
  };
}

/** The run's status, or undefined when no run has that id. */
export async function findRun(
  client: RunClient,
  runId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(runId);
  } catch (error) {
    // durable-functions 3.x reports an unknown instance by rejecting with this text (DurableClient.getStatus).
    if (error instanceof Error && error.message.includes('replied with HTTP 404')) return undefined;
    throw error;
  }
}

export type StartResult =
  { kind: 'started' } | { kind: 'existing'; sameRequest: boolean; runtimeStatus: string };

/**
 * Starts the run unless a run with this id exists already (a retried submission, a redelivered message).
 * Durable would happily restart a *completed* instance with the same id, so look first; and if two
 * submissions race past the look, the extension refuses the second start while the first is running.
 */
export async function startRunOnce(
  client: RunClient,
  runId: string,
  input: SyncRunInput,
): Promise<StartResult> {
  const existing = await findRun(client, runId);
  if (existing !== undefined) return existingResult(existing, input);
  try {
    await client.startNew(SYNC_ORCHESTRATION, { instanceId: runId, input });
    return { kind: 'started' };
  } catch (error) {
    const raced = await findRun(client, runId);
    if (raced !== undefined) return existingResult(raced, input);
    throw error;
  }
}

function existingResult(status: DurableOrchestrationStatus, input: SyncRunInput): StartResult {
  const stored = status.input as Partial<SyncRunInput> | null | undefined;
  return {
    kind: 'existing',
    sameRequest: stored?.requestFingerprint === input.requestFingerprint,
    runtimeStatus: String(status.runtimeStatus),
  };
}

/** What `GET /api/sync/{id}` shows: never the input (it can be large), never Durable's management URLs. */
export interface RunStatusView {
  id: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  progress: SyncProgress | null;
  summary: SyncSummary | null;
  error: string | null;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export function isTerminal(runtimeStatus: string): boolean {
  return TERMINAL.has(runtimeStatus);
}

export function runStatusView(runId: string, status: DurableOrchestrationStatus): RunStatusView {
  // A long run continues as new between executions (lib/sync/stagedRun.ts): for that instant Durable says
  // ContinuedAsNew, and each execution restarts the instance's created time. To the user it is one run that
  // is running and was created when its first execution started.
  const runtimeStatus =
    String(status.runtimeStatus) === 'ContinuedAsNew' ? 'Running' : String(status.runtimeStatus);
  const output: unknown = status.output;
  return {
    id: runId,
    runtimeStatus,
    createdTime: firstExecutionStart(status) ?? toIso(status.createdTime),
    lastUpdatedTime: toIso(status.lastUpdatedTime),
    progress: isObject(status.customStatus) ? (status.customStatus as unknown as SyncProgress) : null,
    summary: runtimeStatus === 'Completed' && isObject(output) ? (output as unknown as SyncSummary) : null,
    // Failure texts can quote anything an exception carried: mask before they leave.
    error:
      runtimeStatus === 'Failed' && output !== null && output !== undefined
        ? redactPhoneNumbers(typeof output === 'string' ? output : JSON.stringify(output))
        : null,
  };
}

/** The start of a staged run's first execution, carried in its later executions' input. */
function firstExecutionStart(status: DurableOrchestrationStatus): string | undefined {
  const input = status.input as Partial<SyncRunInput> | null | undefined;
  const startedAt = isObject(input) && isObject(input.staged) ? input.staged['startedAt'] : undefined;
  return typeof startedAt === 'string' ? startedAt : undefined;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
