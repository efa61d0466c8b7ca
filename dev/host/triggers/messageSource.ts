import type { FunctionInfo } from '../app/functionCatalog';
import type { HostLogger } from '../logger';
import type { DispatchOptions, DispatchResult } from './dispatcher';

/**
 * A plug-in that feeds non-HTTP triggers from somewhere else, e.g. an AMQP broker speaking Service Bus: it
 * receives messages for the functions it serves and calls `dispatch` for each, completing the message when the
 * result is `succeeded` and abandoning it when `failed` (Service Bus then redelivers with DeliveryCount + 1).
 * Sources start after the app and the HTTP server are up, and stop before the host shuts the app down.
 */
export interface MessageSource {
  readonly name: string;
  start(context: MessageSourceContext): Promise<void>;
  stop(): Promise<void>;
}

export interface MessageSourceContext {
  /** Every indexed function (bindings with `%SETTING%` resolved); filter by `triggerType`, skip `disabled`/`error`. */
  readonly functions: readonly FunctionInfo[];
  /** The app settings in effect (local.settings.json Values + environment + overrides). */
  readonly settings: Readonly<NodeJS.ProcessEnv>;
  readonly logger: HostLogger;
  dispatch(functionName: string, input: unknown, options?: DispatchOptions): Promise<DispatchResult>;
}
