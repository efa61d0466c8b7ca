import { DefaultAzureCredential } from '@azure/identity';
import {
  ServiceBusClient,
  isServiceBusError,
  type ProcessErrorArgs,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import type { FunctionInfo } from '../app/functionCatalog';
import { describeError } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import type { MessageSource, MessageSourceContext } from './messageSource';
import type { ServiceBusTriggerOptions } from './serviceBusOptions';

/**
 * The Service Bus trigger on the real `@azure/service-bus` client, receiving as the Functions extension does:
 * peek-lock; the function runs; on success the message is completed (autoCompleteMessages), on failure it is
 * abandoned so Service Bus redelivers it and finally dead-letters it at the queue's max delivery count.
 * Locks are renewed automatically up to maxAutoLockRenewalDuration; at most maxConcurrentCalls messages run
 * at once per function. A function listens only when its connection is configured: `<connection>` (a
 * connection string, e.g. the local broker's) or `<connection>__fullyQualifiedNamespace` (managed identity,
 * DefaultAzureCredential). Without either it is still reachable through the admin API.
 */
export function createServiceBusSource(options: ServiceBusTriggerOptions): MessageSource {
  const clients = new Map<string, ServiceBusClient>();
  const receivers: ServiceBusReceiver[] = [];
  const running = new Set<Promise<void>>();
  let stopping = false;

  const clientFor = (connection: ResolvedConnection): ServiceBusClient => {
    let client = clients.get(connection.key);
    if (client === undefined) {
      client =
        connection.kind === 'connectionString'
          ? new ServiceBusClient(connection.value)
          : new ServiceBusClient(connection.value, new DefaultAzureCredential());
      clients.set(connection.key, client);
    }
    return client;
  };

  const listen = (fn: FunctionInfo, context: MessageSourceContext): void => {
    const queueName = stringProperty(fn.trigger, 'queueName');
    const connectionName = stringProperty(fn.trigger, 'connection') ?? 'AzureWebJobsServiceBus';
    if (queueName === undefined) {
      context.logger.log(
        'warn',
        `'${fn.name}': only queue triggers are served; topics are not (not listening).`,
      );
      return;
    }
    const connection = resolveConnection(context.settings, connectionName);
    if (connection === undefined) {
      context.logger.log(
        'info',
        `'${fn.name}': no '${connectionName}' or '${connectionName}__fullyQualifiedNamespace' setting: not listening to '${queueName}' (the admin API still runs it).`,
      );
      return;
    }
    const receiver = clientFor(connection).createReceiver(queueName, {
      receiveMode: 'peekLock',
      maxAutoLockRenewalDurationInMs: options.maxAutoLockRenewalDurationMs,
      // The extension hands the worker the body as the sender wrote it; the library parses JSON text.
      skipParsingBodyAsJson: true,
    });
    receivers.push(receiver);
    receiver.subscribe(
      {
        processMessage: (message) => track(invoke(fn, receiver, message, context)),
        processError: (args: ProcessErrorArgs) => {
          if (!stopping) reportError(fn, args, context.logger);
          return Promise.resolve();
        },
      },
      // Settlement is ours, so that a failure abandons even with autoCompleteMessages off (as the extension).
      { maxConcurrentCalls: options.maxConcurrentCalls, autoCompleteMessages: false },
    );
    context.logger.log(
      'info',
      `'${fn.name}' listens to Service Bus queue '${queueName}' (${connection.kind === 'connectionString' ? 'connection string' : connection.value}).`,
    );
  };

  const track = (work: Promise<void>): Promise<void> => {
    running.add(work);
    return work.finally(() => running.delete(work));
  };

  const invoke = async (
    fn: FunctionInfo,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    context: MessageSourceContext,
  ): Promise<void> => {
    const result = await context.dispatch(fn.name, bodyForWorker(message.body), {
      triggerMetadata: triggerMetadata(message),
    });
    if (result.status === 'succeeded') {
      if (options.autoCompleteMessages)
        await settle(() => receiver.completeMessage(message), fn, context.logger);
      return;
    }
    await settle(() => receiver.abandonMessage(message), fn, context.logger);
  };

  return {
    name: 'serviceBus',
    start: (context) => {
      for (const fn of context.functions) {
        if (fn.triggerType.toLowerCase() !== 'servicebustrigger' || fn.disabled || fn.error) continue;
        try {
          listen(fn, context);
        } catch (error) {
          // As the real host: a listener that cannot start (e.g. a malformed connection string) is logged and
          // the function stays unbound; the rest of the app runs.
          context.logger.log(
            'error',
            `'${fn.name}': the Service Bus listener could not start: ${describeError(error)}`,
          );
        }
      }
      return Promise.resolve();
    },
    stop: async () => {
      stopping = true;
      // Stop receiving first, let running invocations settle, then close the connections.
      await Promise.allSettled(receivers.map((receiver) => receiver.close()));
      await Promise.allSettled([...running]);
      await Promise.allSettled([...clients.values()].map((client) => client.close()));
    },
  };
}

type ResolvedConnection =
  | { kind: 'connectionString'; key: string; value: string }
  | { kind: 'namespace'; key: string; value: string };

function resolveConnection(
  settings: Readonly<NodeJS.ProcessEnv>,
  name: string,
): ResolvedConnection | undefined {
  const connectionString = settings[name];
  if (connectionString !== undefined && connectionString.trim() !== '') {
    return { kind: 'connectionString', key: `cs:${name}`, value: connectionString.trim() };
  }
  const namespace = settings[`${name}__fullyQualifiedNamespace`];
  if (namespace !== undefined && namespace.trim() !== '') {
    return { kind: 'namespace', key: `ns:${namespace.trim()}`, value: namespace.trim() };
  }
  return undefined;
}

/** A lock lost during the run is the broker's business: the message comes back; say so and go on. */
async function settle(operation: () => Promise<void>, fn: FunctionInfo, logger: HostLogger): Promise<void> {
  try {
    await operation();
  } catch (error) {
    const detail = isServiceBusError(error) ? `${error.code}: ${error.message}` : describeError(error);
    logger.log(
      'warn',
      `'${fn.name}': could not settle a message (${detail}); Service Bus will redeliver it.`,
    );
  }
}

function reportError(fn: FunctionInfo, args: ProcessErrorArgs, logger: HostLogger): void {
  const error = args.error;
  const detail = isServiceBusError(error) ? `${error.code}: ${error.message}` : describeError(error);
  logger.log('error', `'${fn.name}': Service Bus ${args.errorSource} error: ${detail}`);
}

/** Bytes as text (the worker gets a string and parses JSON); a string or other AMQP value as it is. */
function bodyForWorker(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return body;
}

/** Binding data as the .NET extension provides it (PascalCase; DeliveryCount is 1 on first delivery). */
export function triggerMetadata(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    MessageId: message.messageId === undefined ? undefined : String(message.messageId),
    DeliveryCount: (message.deliveryCount ?? 0) + 1,
    EnqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
    ExpiresAtUtc: message.expiresAtUtc?.toISOString(),
    LockedUntilUtc: message.lockedUntilUtc?.toISOString(),
    SequenceNumber: message.sequenceNumber?.toNumber(),
    LockToken: message.lockToken,
    ContentType: message.contentType,
    CorrelationId: message.correlationId === undefined ? undefined : String(message.correlationId),
    Subject: message.subject,
    Label: message.subject,
    ReplyTo: message.replyTo,
    To: message.to,
    SessionId: message.sessionId,
    DeadLetterSource: message.deadLetterSource,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
  };
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
}

function stringProperty(binding: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = binding[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
