import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig, type AppConfig } from '../lib/config';
import { parseSyncRequest } from '../lib/input/syncRequest';
import { createLogger } from '../lib/log';
import { newRunId, runIdFromMessageId } from '../lib/runId';
import { buildRunInput, startRunOnce, type RunClient } from '../lib/runs';

/**
 * Service Bus door: the message body has the HTTP door's schema. The run id derives from the message id,
 * so a redelivered message finds its run instead of starting a second one.
 *
 * An invalid message throws an error that names the problem. The Functions host then abandons it, Service
 * Bus redelivers it, and after the queue's max delivery count it lands in the dead-letter queue, where the
 * error text is in the logs of each attempt. (Settling it ourselves would need the SDK-type Service Bus
 * binding, still a preview for Node; see README "Service Bus door".)
 */
export class InvalidQueueMessageError extends Error {
  constructor(detail: string) {
    super(`invalid sync request message: ${detail}`);
    this.name = 'InvalidQueueMessageError';
  }
}

export async function queueStart(
  message: unknown,
  client: RunClient,
  context: InvocationContext,
  config: AppConfig = getConfig(),
): Promise<void> {
  const log = createLogger(context);
  const messageId = stringMetadata(context, 'messageId');
  const deliveryCount = numberMetadata(context, 'deliveryCount');

  const body = decodeMessageBody(message);
  const parsed = parseSyncRequest(body, config.limits.maxUsersPerRequest);
  if (!parsed.ok) {
    const entries = parsed.problems.map((problem) => `${problem.pointer || '(body)'} ${problem.detail}`);
    const detail = [parsed.detail, ...entries.slice(0, 10)].join('; ');
    log.error('queue message refused', {
      messageId,
      deliveryCount,
      reason: detail,
    });
    throw new InvalidQueueMessageError(detail);
  }

  if (messageId === undefined) log.warn('queue message has no MessageId: redelivery cannot be recognised');
  const runId = messageId === undefined ? newRunId() : runIdFromMessageId(messageId);
  const dryRun = parsed.request.dryRun ?? config.dryRunDefault;
  const input = buildRunInput(
    {
      users: parsed.request.users,
      dryRun,
      trigger: 'serviceBus',
      requester: `serviceBus:${messageId ?? 'unknown'}`,
    },
    config,
  );
  const started = await startRunOnce(client, runId, input);
  log.info(started.kind === 'started' ? 'sync run started' : 'redelivered message: run exists already', {
    runId,
    messageId,
    users: parsed.request.users.length,
    dryRun,
  });
}

/** The host hands over JSON bodies parsed; other bodies arrive as text or bytes. */
function decodeMessageBody(message: unknown): unknown {
  let text: string | undefined;
  if (typeof message === 'string') text = message;
  else if (message instanceof Uint8Array) text = Buffer.from(message).toString('utf8');
  if (text === undefined) return message;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    throw new InvalidQueueMessageError('the message body is not JSON');
  }
}

function numberMetadata(context: InvocationContext, key: string): number | undefined {
  const value = context.triggerMetadata?.[key];
  return typeof value === 'number' ? value : undefined;
}

function stringMetadata(context: InvocationContext, key: string): string | undefined {
  const value = context.triggerMetadata?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

df.app.client.serviceBusQueue('queueStart', {
  connection: 'ServiceBusConnection',
  queueName: '%SERVICEBUS_QUEUE_NAME%',
  handler: (message, client, context) => queueStart(message, client, context),
});
