import { randomUUID } from 'node:crypto';
import type { FunctionInfo } from '../app/functionCatalog';
import type { FunctionTimeout } from '../app/settings';
import type { CoreRegistry } from '../core/coreModule';
import type {
  CoreInvocationContext,
  FunctionCallback,
  HookName,
  InvocationState,
  ProgrammingModel,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from '../core/coreTypes';
import type { HostLogger, LogLevel } from '../logger';

export interface InvocationRequest {
  readonly fn: FunctionInfo;
  /** The trigger's entry; the durable client entry is added by the invoker when the function declares one. */
  readonly inputData: RpcParameterBinding[];
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** Set by the caller when something else must carry the same id (the HTTP stream's x-ms-invocation-id). */
  readonly invocationId?: string;
  /** Shown in the invocation log line, e.g. "HTTP request", "Timer fired", "New queue message". */
  readonly reason: string;
}

export type InvocationOutcome =
  | {
      readonly ok: true;
      readonly invocationId: string;
      readonly response: RpcInvocationResponse;
      /** The library's InvocationContext; the durable engine reads the orchestrator's executor from it. */
      readonly context: unknown;
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      readonly invocationId: string;
      readonly error: unknown;
      readonly context: unknown;
      readonly durationMs: number;
    };

export interface InvocationRecord {
  readonly functionName: string;
  readonly kind: FunctionInfo['kind'];
  readonly invocationId: string;
  readonly succeeded: boolean;
  readonly durationMs: number;
}

export interface InvokerOptions {
  readonly registry: CoreRegistry;
  readonly logger: HostLogger;
  readonly durableClientData: () => string;
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** host.json `functionTimeout`: `ms` enforced, `text` as written (for the messages). */
  readonly functionTimeout?: FunctionTimeout | undefined;
}

type Settled<T> =
  | { kind: 'value'; value: T }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timedOut'; limit: FunctionTimeout };

/** What the real host throws when an invocation outlives `functionTimeout`. */
export class FunctionTimeoutError extends Error {
  constructor(timeoutText: string, functionName: string) {
    super(`Timeout value of ${timeoutText} was exceeded by function: Functions.${functionName}`);
    this.name = 'FunctionTimeoutException';
  }
}

const USER_LEVEL: Record<RpcLogLevel, LogLevel | undefined> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: undefined,
};

/**
 * Runs one invocation exactly as the Node worker's InvocationHandler does: a fresh core context, the library's
 * InvocationModel (arguments, invoke, response), and the app's pre/post-invocation hooks around the call.
 */
export class Invoker {
  readonly appHookData: Record<string, unknown> = {};
  readonly appLevelOnlyHookData: Record<string, unknown> = {};

  constructor(private readonly options: InvokerOptions) {}

  private get programmingModel(): ProgrammingModel {
    const model = this.options.registry.programmingModel;
    if (!model)
      throw new Error('The app never set a programming model (no @azure/functions registration ran).');
    return model;
  }

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const { fn } = request;
    const invocationId = request.invocationId ?? randomUUID();
    const started = performance.now();
    const inputData = [...request.inputData];
    if (fn.durableClientBindingName) {
      inputData.push({
        name: fn.durableClientBindingName,
        data: { string: this.options.durableClientData() },
      });
    }
    const logger = this.options.logger;
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData,
        triggerMetadata: request.triggerMetadata ?? {},
      },
      metadata: { name: fn.name, bindings: { ...fn.bindings } },
      state: undefined,
      log(level: RpcLogLevel, category: RpcLogCategory, message: string) {
        const mapped =
          category === 'user'
            ? USER_LEVEL[level]
            : level === 'warning' || level === 'error'
              ? 'warn'
              : 'debug';
        if (mapped) logger.log(mapped, `[${fn.name}] ${message}`);
      },
    };

    let context: unknown;
    let result: unknown;
    let error: unknown;
    let failed = false;
    let response: RpcInvocationResponse | undefined;
    try {
      const model = this.programmingModel.getInvocationModel(coreContext);
      const args = await model.getArguments();
      context = args.context;
      const hookData: Record<string, unknown> = {};
      const pre = this.hookContext(hookData, context, {
        inputs: args.inputs,
        functionCallback: fn.registered.callback,
      });
      await this.runHooks('preInvocation', pre, coreContext, 'preInvocationHooks');
      const inputs = Array.isArray(pre['inputs']) ? (pre['inputs'] as unknown[]) : args.inputs;
      const callback =
        typeof pre['functionCallback'] === 'function'
          ? (pre['functionCallback'] as FunctionCallback)
          : fn.registered.callback;

      coreContext.state = 'invocation';
      let timedOut = false;
      try {
        const ran = await this.settle(model.invokeFunction(context, inputs, callback));
        if (ran.kind === 'timedOut') {
          timedOut = true;
          error = new FunctionTimeoutError(ran.limit.text, fn.name);
          failed = true;
          logger.log(
            'error',
            `Timeout value of ${ran.limit.text} exceeded by function 'Functions.${fn.name}' (Id: '${invocationId}'). Initiating cancellation.`,
          );
          logger.log(
            'warn',
            'In Azure the worker process would now be restarted, failing its other running invocations; ' +
              'this host runs the app in its own process, so they carry on, and the timed-out call runs on unobserved.',
          );
        } else if (ran.kind === 'threw') {
          error = ran.error;
          failed = true;
        } else result = ran.value;
      } catch (caught) {
        error = caught;
        failed = true;
      } finally {
        coreContext.state = undefined;
      }
      // A timed-out invocation is abandoned as the host abandons it: no post-invocation hooks, no response.
      if (!timedOut) {
        const post = this.hookContext(hookData, context, { inputs, result, error: failed ? error : null });
        await this.runHooks('postInvocation', post, coreContext, 'postInvocationHooks');
        // As in the worker: a post hook may swallow the error or replace the result.
        result = post['result'];
        error = post['error'];
        failed = error !== null && error !== undefined;
        if (!failed) response = await model.getResponse(context, result);
      }
    } catch (caught) {
      error = caught;
      failed = true;
    }

    const durationMs = performance.now() - started;
    const outcomeText = failed ? 'Failed' : 'Succeeded';
    logger.log(
      failed ? 'warn' : 'info',
      `Executed 'Functions.${fn.name}' (${outcomeText}, Reason=${request.reason}, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)` +
        (failed ? `: ${describeError(error)}` : ''),
    );
    this.options.onInvocation?.({
      functionName: fn.name,
      kind: fn.kind,
      invocationId,
      succeeded: !failed,
      durationMs,
    });
    return failed || !response
      ? { ok: false, invocationId, error, context, durationMs }
      : { ok: true, invocationId, response, context, durationMs };
  }

  /** How the invocation settled, or `timedOut` once `functionTimeout` passed first (no timeout: never). */
  private settle<T>(invocation: Promise<T>): Promise<Settled<T>> {
    const settled = invocation.then(
      (value): Settled<T> => ({ kind: 'value', value }),
      (error: unknown): Settled<T> => ({ kind: 'threw', error }),
    );
    const limit = this.options.functionTimeout;
    if (limit === undefined) return settled;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Settled<T>>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timedOut', limit }), limit.ms);
    });
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  /** appStart / appTerminate hooks; errors propagate (a failing appStart hook stops the host, as in Azure). */
  async runAppHook(name: 'appStart' | 'appTerminate', functionAppDirectory: string): Promise<void> {
    const context: Record<string, unknown> = {
      hookData: this.appLevelOnlyHookData,
      appHookData: this.appHookData,
      functionAppDirectory,
    };
    for (const hook of this.options.registry.hooksFor(name)) await hook(context);
  }

  private hookContext(
    hookData: Record<string, unknown>,
    invocationContext: unknown,
    writable: Record<string, unknown>,
  ): Record<string, unknown> {
    const context: Record<string, unknown> = { ...writable };
    Object.defineProperties(context, {
      hookData: { get: () => hookData, enumerable: true },
      appHookData: { get: () => this.appHookData, enumerable: true },
      invocationContext: { get: () => invocationContext, enumerable: true },
    });
    return context;
  }

  private async runHooks(
    name: HookName,
    context: Record<string, unknown>,
    coreContext: CoreInvocationContext,
    state: InvocationState,
  ): Promise<void> {
    const hooks = this.options.registry.hooksFor(name);
    if (hooks.length === 0) return;
    coreContext.state = state;
    try {
      for (const hook of hooks) await hook(context);
    } finally {
      coreContext.state = undefined;
    }
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
