import type { FunctionInfo } from '../app/functionCatalog';
import type { RpcTypedData } from '../core/coreTypes';
import { describeError, type Invoker } from '../invoke/invoker';
import { fromTypedData, toTriggerMetadata, toTypedData } from '../invoke/typedData';

/**
 * The seam every non-HTTP door goes through: the admin API, Event Grid's webhook, timer schedules, and message
 * sources (e.g. a Service Bus / AMQP bridge). A source calls `dispatch` per message and completes the message on
 * `succeeded` or abandons it on `failed`, which is what the real Service Bus trigger does (AutoComplete on).
 */
export interface DispatchOptions {
  /**
   * Trigger metadata as the real host would bind it, with the host's (PascalCase) names, e.g.
   * `{ MessageId: 'abc', DeliveryCount: 2 }`; the library camel-cases them into `context.triggerMetadata`.
   */
  readonly triggerMetadata?: Record<string, unknown>;
  /** Shown in the invocation log line. */
  readonly reason?: string;
}

export type DispatchResult =
  | {
      readonly status: 'succeeded';
      readonly invocationId: string;
      readonly durationMs: number;
      /** The handler's return value (JSON parsed, bytes as Buffer). */
      readonly returnValue: unknown;
      /** Output bindings by binding name. */
      readonly outputs: Readonly<Record<string, unknown>>;
    }
  | {
      readonly status: 'failed';
      readonly invocationId: string;
      readonly durationMs: number;
      readonly error: Error;
    };

export class DispatchRefusedError extends Error {}

export class TriggerDispatcher {
  constructor(
    private readonly catalog: ReadonlyMap<string, FunctionInfo>,
    private readonly invoker: Invoker,
  ) {}

  /** Functions a message source should feed, e.g. every enabled `serviceBusTrigger`. */
  functionsWithTrigger(triggerType: string): FunctionInfo[] {
    const wanted = triggerType.toLowerCase();
    return [...this.catalog.values()].filter(
      (fn) => fn.triggerType.toLowerCase() === wanted && !fn.error && !fn.disabled,
    );
  }

  /**
   * Invokes a non-HTTP function with a trigger input. Throws DispatchRefusedError for an unknown function, an HTTP
   * or orchestration trigger, or a function that failed to index; invocation failures come back as `failed`.
   * Inputs: a string is bound as the trigger's string (JSON text is parsed by the library, as for a queue message
   * body), a Buffer as bytes, anything else as JSON. Timer triggers ignore the input and get a TimerInfo.
   */
  async dispatch(
    functionName: string,
    input: unknown,
    options: DispatchOptions = {},
  ): Promise<DispatchResult> {
    const fn = this.dispatchable(functionName);
    const data: RpcTypedData | undefined =
      fn.kind === 'timer' ? timerInfo(input === true) : toTypedData(input);
    const outcome = await this.invoker.invoke({
      fn,
      inputData: [{ name: fn.triggerBindingName, data }],
      triggerMetadata: toTriggerMetadata(options.triggerMetadata),
      reason: options.reason ?? defaultReason(fn),
    });
    if (!outcome.ok) {
      const error = outcome.error instanceof Error ? outcome.error : new Error(describeError(outcome.error));
      return { status: 'failed', invocationId: outcome.invocationId, durationMs: outcome.durationMs, error };
    }
    const outputs: Record<string, unknown> = {};
    for (const output of outcome.response.outputData ?? []) {
      if (output.name) outputs[output.name] = fromTypedData(output.data);
    }
    return {
      status: 'succeeded',
      invocationId: outcome.invocationId,
      durationMs: outcome.durationMs,
      returnValue: fromTypedData(outcome.response.returnValue),
      outputs,
    };
  }

  dispatchable(functionName: string): FunctionInfo {
    const fn = this.catalog.get(functionName);
    if (!fn) throw new DispatchRefusedError(`No function named '${functionName}'.`);
    if (fn.error) throw new DispatchRefusedError(`The function '${functionName}' is in error: ${fn.error}`);
    if (fn.kind === 'http')
      throw new DispatchRefusedError(`'${functionName}' is an HTTP function; call its route.`);
    if (fn.kind === 'orchestration' || fn.kind === 'entity') {
      throw new DispatchRefusedError(
        `'${functionName}' is an ${fn.kind} function; start it through a durable client.`,
      );
    }
    return fn;
  }
}

/** TimerInfo as the host binds it (reference §1.4); `useMonitor` is not emulated, so ScheduleStatus is null. */
export function timerInfo(isPastDue: boolean): RpcTypedData {
  return {
    json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: isPastDue }),
  };
}

function defaultReason(fn: FunctionInfo): string {
  switch (fn.kind) {
    case 'serviceBus':
      return 'New ServiceBus message detected';
    case 'eventGrid':
      return 'EventGrid trigger fired';
    case 'timer':
      return 'Timer fired';
    default:
      return 'Dispatched';
  }
}
