import { createHash } from 'node:crypto';
import { runIdFromMessageId } from '../runId';

/**
 * Splits users into Service Bus messages the queue door accepts: each body is `{"users": [...], "dryRun"}`
 * under the message size limit and the per-request user limit. Each MessageId derives from the message's
 * content, so running the same command twice sends the same ids: Service Bus drops the second within its
 * duplicate-detection window, and after it the run id (`sb-<MessageId>`) finds the run that exists.
 */
export interface EnqueuePlanOptions {
  dryRun: boolean;
  /** The queue's max message size (Standard tier 256 KB). */
  maxMessageBytes: number;
  /** The app's SYNC_MAX_USERS_PER_REQUEST (default 10,000). */
  maxUsersPerMessage: number;
  /** Mixed into the ids: the same users with another batch id are a new submission. */
  batchId?: string;
}

export interface QueueMessageBody {
  users: string[];
  dryRun: boolean;
}

export interface PlannedMessage {
  messageId: string;
  runId: string;
  body: QueueMessageBody;
  /** UTF-8 size of the JSON body. */
  bodyBytes: number;
}

/**
 * Room kept for what the message carries besides the body (AMQP sections, MessageId, content type, broker
 * annotations). Service Bus counts the whole message against the limit.
 */
export const MESSAGE_OVERHEAD_BYTES = 1024;

export class MessageTooLargeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'MessageTooLargeError';
  }
}

export function planEnqueue(users: readonly string[], options: EnqueuePlanOptions): PlannedMessage[] {
  const budget = options.maxMessageBytes - MESSAGE_OVERHEAD_BYTES;
  const empty = byteLength({ users: [], dryRun: options.dryRun });
  if (budget <= empty) {
    throw new MessageTooLargeError(
      `a message limit of ${options.maxMessageBytes} bytes leaves no room for users (${MESSAGE_OVERHEAD_BYTES} bytes are kept for the message envelope)`,
    );
  }
  const groups: string[][] = [];
  let current: string[] = [];
  let size = empty;
  for (const user of users) {
    const userBytes = Buffer.byteLength(JSON.stringify(user), 'utf8');
    if (empty + userBytes > budget) {
      throw new MessageTooLargeError(
        `one user alone (${userBytes} bytes) does not fit a message of at most ${options.maxMessageBytes} bytes`,
      );
    }
    // A comma separates every user after the first.
    if (
      current.length > 0 &&
      (size + 1 + userBytes > budget || current.length >= options.maxUsersPerMessage)
    ) {
      groups.push(current);
      current = [];
      size = empty;
    }
    size += (current.length > 0 ? 1 : 0) + userBytes;
    current.push(user);
  }
  if (current.length > 0) groups.push(current);
  return groups.map((group) => {
    const body: QueueMessageBody = { users: group, dryRun: options.dryRun };
    const messageId = messageIdFor(body, options.batchId);
    return { messageId, runId: runIdFromMessageId(messageId), body, bodyBytes: byteLength(body) };
  });
}

/** `q-` + 40 hex digits of SHA-256 over the canonical content (case-insensitive users, dry-run, batch id). */
export function messageIdFor(body: QueueMessageBody, batchId: string | undefined): string {
  const canonical = JSON.stringify({
    users: body.users.map((user) => user.toLowerCase()),
    dryRun: body.dryRun,
    batchId: batchId ?? '',
  });
  return `q-${createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 40)}`;
}

function byteLength(body: QueueMessageBody): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}
