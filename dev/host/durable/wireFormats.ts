import type { RpcTypedData } from '../core/coreTypes';
import { describeError } from '../invoke/invoker';

/**
 * Conversions between what the worker hands back and what the Durable extension writes into history
 * (reference/durable-host.md §4.1, §5).
 */

export interface OrchestratorStateJson {
  isDone: boolean;
  actions: unknown;
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  failureDetails?: unknown;
}

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

function asState(value: unknown): OrchestratorStateJson | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['isDone'] !== 'boolean') return undefined;
  return record as unknown as OrchestratorStateJson;
}

/** The state of a successful orchestrator invocation: `returnValue = {json: "<OrchestratorState>"}`. */
export function stateFromReturnValue(
  returnValue: RpcTypedData | null | undefined,
): OrchestratorStateJson | undefined {
  const text = returnValue?.json ?? returnValue?.string;
  if (typeof text !== 'string') return undefined;
  try {
    return asState(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * A failed orchestrator throws `OrchestrationFailureError` whose message ends with `$OutOfProcData$:<state>`;
 * its prefix is an SDK bug (`false`), so the failure text is taken from `state.error`.
 */
export function stateFromOrchestratorError(error: unknown): OrchestratorStateJson | undefined {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : undefined;
  if (!message) return undefined;
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return undefined;
  try {
    return asState(JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)));
  } catch {
    return undefined;
  }
}

/** Every action, depth-first (compound actions flattened); V2+ states have exactly one outer list. */
export function flattenActions(actions: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const action = node as Record<string, unknown>;
    out.push(action);
    if (Array.isArray(action['compoundActions'])) visit(action['compoundActions']);
  };
  visit(actions);
  return out;
}

/**
 * The activity's input on the wire (§5.1): a string action input is already JSON text (the SDK's processInput
 * encoded it) and is sent as is; any other value is sent as its JSON; no input stays absent.
 */
export function activityInputWire(input: unknown): string | null {
  if (input === undefined) return null;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** DTFx stores the activity parameters as a one-element array: `[<input>]`. */
export function taskScheduledInput(wireInput: string | null): string {
  return `[${wireInput ?? 'null'}]`;
}

/** `TaskCompleted.Result` from the handler's return value (§5.2); always JSON text, `null` for nothing. */
export function activityResultText(returnValue: RpcTypedData | null | undefined): string {
  if (!returnValue) return 'null';
  if (typeof returnValue.string === 'string') return JSON.stringify(returnValue.string);
  if (typeof returnValue.json === 'string') return returnValue.json;
  if (typeof returnValue.int === 'number') return String(returnValue.int);
  if (typeof returnValue.double === 'number') return JSON.stringify(returnValue.double);
  if (returnValue.bytes) return JSON.stringify(Buffer.from(returnValue.bytes).toString('base64'));
  return 'null';
}

/**
 * `TaskFailed` Reason and Details (§5.3). The extension's Reason is "Activity function '<name>' failed: <message>";
 * its Details are a serialised .NET exception whose message is the worker's RPC failure text. We write the same
 * shape so the orchestrator sees `Error("<Reason> \n <Details>")` as it would in Azure.
 */
export function activityFailure(functionName: string, error: unknown): { reason: string; details: string } {
  const message = describeError(error);
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  return {
    reason: `Activity function '${functionName}' failed: ${message}`,
    details: JSON.stringify({
      $type: 'System.Exception, System.Private.CoreLib',
      ClassName: 'System.Exception',
      Message: `Result: Failure\nException: ${message}\nStack: ${stack}`,
    }),
  };
}

/** The input a ContinueAsNew action carries, decoded: the SDK JSON-encodes string inputs (processInput). */
export function continueAsNewInput(action: Record<string, unknown>): unknown {
  const input = action['input'];
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}
