import type { FunctionInfo } from '../app/functionCatalog';
import type { NewWork, RetryContext } from './executorView';
import { MAXIMUM_TIMER_INTERVAL_MS } from './longTimers';
import { DEFAULT_MAX_RETRY_INTERVAL_MS, retryTimedOut } from './retryPolicy';

/**
 * Calls the Durable extension refuses. For a JavaScript app the refusal never reaches the orchestrator: the
 * extension's out-of-proc shim replays each action through its .NET API, which throws (ArgumentException) inside
 * an async call, and `OutOfProcOrchestrationShim.ProcessAsyncActionsV2` awaits that task in a try/catch that
 * "silently ignore[s] exceptions". Nothing is scheduled and nothing is written to history, so the SDK's task never
 * completes and the instance stays Running for ever (durable-js issue #197). The local host reproduces that
 * outcome, and logs the extension's own message loudly so the cause is not a mystery here as it is in Azure.
 *
 * Sources (azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/):
 * - ContextImplementations/DurableOrchestrationContext.cs `CallDurableTaskFunctionAsync`: retry intervals are
 *   validated first (`ValidateDelayTime`), then `ThrowIfFunctionDoesNotExist`, then for sub-orchestrations the
 *   id checks (equal to this instance's or its parent's id, ignoring case; starting with `@`).
 * - DurableTaskExtension.cs `GetInvalidActivityFunctionMessage` / `GetInvalidOrchestratorFunctionMessage`.
 * - FunctionName.cs: function names compare with OrdinalIgnoreCase.
 * - AzureStorageDurabilityProvider.cs `ValidateDelayTime`: at most `MaximumDelayTime` (6 days).
 * And DTFx (Azure/durabletask) RetryInterceptor.cs: once `RetryTimeout` has passed, no further timer is created
 * and the .NET task faults; the shim drops that too (durable-js issue #629).
 */

export type DurableFunctionKind = 'activity' | 'orchestration';

export interface Refusal {
  /** The sequence number the SDK allocated for the refused call; it is never scheduled. */
  readonly taskId: number;
  /** The message the extension (or DTFx) raises, as .NET formats it. */
  readonly message: string;
  /** Where Azure's behaviour is documented. */
  readonly source: string;
}

export interface RefusalContext {
  readonly catalog: ReadonlyMap<string, FunctionInfo>;
  /** The calling orchestration. */
  readonly instanceId: string;
  readonly parentInstanceId: string | null;
  /** The episode's time (the orchestration's CurrentUtcDateTime). */
  readonly nowMs: number;
  /** When the first attempt of a retried call was scheduled (its retry timeout starts there). */
  firstAttemptAtMs(firstAttemptId: number): number | undefined;
}

const SHIM_DROPS = 'the extension drops refused calls of out-of-proc orchestrators (durable-js#197)';

/**
 * The registered durable function an orchestrator's call reaches. Names are case-insensitive as in the extension;
 * a disabled or misconfigured function is unknown to it ("doesn't exist, is disabled, or is not …").
 */
export function findDurableFunction(
  catalog: ReadonlyMap<string, FunctionInfo>,
  name: string,
  kind: DurableFunctionKind,
): FunctionInfo | undefined {
  const usable = (fn: FunctionInfo | undefined): fn is FunctionInfo =>
    fn !== undefined && fn.kind === kind && !fn.disabled && fn.error === undefined;
  const exact = catalog.get(name);
  if (usable(exact)) return exact;
  const wanted = name.toLowerCase();
  for (const fn of catalog.values()) {
    if (usable(fn) && fn.name.toLowerCase() === wanted) return fn;
  }
  return undefined;
}

/** The refusal for one new piece of work the SDK asked for, or undefined if the extension would schedule it. */
export function refusalOf(work: NewWork, context: RefusalContext): Refusal | undefined {
  switch (work.kind) {
    case 'activity':
      // Re-attempts are DTFx-internal (RetryInterceptor calls ScheduleTask again): validated only the first time.
      if (work.retry && work.retry.attempt > 1) return undefined;
      return (
        retryIntervalRefusal(work.id, work.retry) ??
        unknownFunctionRefusal(work.id, work.name, 'activity', context.catalog)
      );
    case 'subOrchestration': {
      if (work.retry && work.retry.attempt > 1) return undefined;
      const refusal =
        retryIntervalRefusal(work.id, work.retry) ??
        unknownFunctionRefusal(work.id, work.name, 'orchestration', context.catalog);
      if (refusal || work.instanceId === undefined) return refusal;
      const childId = work.instanceId.toLowerCase();
      if (
        childId === context.instanceId.toLowerCase() ||
        (context.parentInstanceId !== null && childId === context.parentInstanceId.toLowerCase())
      ) {
        return {
          taskId: work.id,
          message:
            'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.',
          source: SHIM_DROPS,
        };
      }
      if (work.instanceId.startsWith('@')) {
        // The extension passes its arguments to `new ArgumentException(message, paramName)` the wrong way round,
        // so .NET prints the parameter name as the message: this is its text, verbatim.
        return {
          taskId: work.id,
          message: "instanceId (Parameter 'Orchestration instance ids must not start with @')",
          source: SHIM_DROPS,
        };
      }
      return undefined;
    }
    case 'retryTimer': {
      const { options, attempt, firstAttemptId } = work.retry;
      // DTFx creates the timer after the last attempt unconditionally ("Dummy timer for back-compat", fires at
      // once); only the timers between attempts depend on the retry timeout.
      if (attempt >= options.maxNumberOfAttempts) return undefined;
      const firstAt = context.firstAttemptAtMs(firstAttemptId);
      if (firstAt === undefined || !retryTimedOut(options, firstAt, context.nowMs)) return undefined;
      return {
        taskId: work.id,
        message:
          `The retry timeout of ${options.retryTimeoutInMilliseconds ?? 0} ms has passed after attempt ${attempt}: ` +
          'DTFx schedules no further attempt and faults the call, which the extension does not pass on to JavaScript',
        source: 'DTFx RetryInterceptor; durable-js#629',
      };
    }
    case 'timer':
    case 'unsupported':
      return undefined;
  }
}

function unknownFunctionRefusal(
  taskId: number,
  name: string,
  kind: DurableFunctionKind,
  catalog: ReadonlyMap<string, FunctionInfo>,
): Refusal | undefined {
  if (findDurableFunction(catalog, name, kind)) return undefined;
  const label = kind === 'activity' ? 'activity' : 'orchestrator';
  const known = [...catalog.values()]
    .filter((fn) => fn.kind === kind && !fn.disabled && fn.error === undefined)
    .map((fn) => fn.name);
  const info =
    known.length > 0
      ? `The following are the known ${label} functions: '${known.join("', '")}'.`
      : `No ${label} functions are currently registered!`;
  return {
    taskId,
    message: `The function '${name}' doesn't exist, is disabled, or is not an ${label} function. Additional info: ${info}`,
    source: SHIM_DROPS,
  };
}

function retryIntervalRefusal(taskId: number, retry: RetryContext | undefined): Refusal | undefined {
  if (!retry) return undefined;
  const tooLong = (ms: number): boolean => ms > MAXIMUM_TIMER_INTERVAL_MS;
  const maxInterval = retry.options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  const parameter = tooLong(maxInterval)
    ? 'MaxRetryInterval'
    : tooLong(retry.options.firstRetryIntervalInMilliseconds)
      ? 'FirstRetryInterval'
      : undefined;
  if (!parameter) return undefined;
  return {
    taskId,
    message: `The Azure Storage provider supports a maximum of 6 days for time-based delays (Parameter '${parameter}')`,
    source: SHIM_DROPS,
  };
}
