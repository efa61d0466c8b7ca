import { randomUUID } from 'node:crypto';
import rhea, { type Message } from 'rhea';

/** `message_format` of a batch transfer: the body is data sections, each one a whole encoded message. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

const SCHEDULED_ANNOTATION = 'x-opt-scheduled-enqueue-time';

/** rhea's decoder typed as the message type its links use. */
export function decodeMessage(bytes: Buffer): Message {
  return rhea.message.decode(bytes) as unknown as Message;
}

/**
 * The messages one transfer carries: itself, or each message of a batch. rhea decodes only format 0; a
 * batch reaches us as the raw envelope.
 */
export function messagesOfTransfer(message: unknown, format: number | undefined): Message[] {
  if (format === BATCH_MESSAGE_FORMAT && Buffer.isBuffer(message)) {
    const envelope = decodeMessage(message);
    return dataSections(envelope.body).map((section) => decodeMessage(section));
  }
  if (format !== undefined && format !== 0) throw new Error(`unsupported message format ${format}`);
  return [message as Message];
}

function dataSections(body: unknown): Buffer[] {
  if (typeof body !== 'object' || body === null) return [];
  const section = body as { typecode?: number; content?: unknown; multiple?: boolean };
  if (section.typecode !== 0x75) return [];
  const content = section.multiple ? (section.content as unknown[]) : [section.content];
  return content.filter((item): item is Buffer => Buffer.isBuffer(item));
}

/**
 * What the broker keeps of a received message. The JS client sets no `message_id` unless asked; Service
 * Bus assigns one (the client's lock renewer needs it), so we stamp a random one.
 */
export function stampForStorage(message: Message): { messageId: string; payload: Buffer } {
  const copy = decodeMessage(rhea.message.encode(message));
  const existing: unknown = copy.message_id;
  let messageId: string;
  if (typeof existing === 'string' && existing !== '') messageId = existing;
  else if (typeof existing === 'number') messageId = String(existing);
  else if (Buffer.isBuffer(existing)) messageId = existing.toString('hex');
  else {
    messageId = randomUUID().replace(/-/g, '');
    copy.message_id = messageId;
  }
  return { messageId, payload: rhea.message.encode(copy) };
}

/** Scheduled enqueue time from the message annotation (`scheduledEnqueueTimeUtc` on send). */
export function scheduledTimeOf(message: Message): number | undefined {
  const annotations = message.message_annotations;
  const value: unknown = annotations?.[SCHEDULED_ANNOTATION];
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return undefined;
}

/** Time to live from the header (milliseconds), if the sender set one. */
export function timeToLiveOf(message: Message): number | undefined {
  const ttl = (message as { ttl?: unknown }).ttl;
  return typeof ttl === 'number' && ttl > 0 ? ttl : undefined;
}

export interface DeliveryStamp {
  seq: number;
  enqueuedAt: number;
  /** Previous delivery attempts (AMQP header delivery-count; the client shows it raw). */
  deliveryCount: number;
  lockedUntil?: number;
  deadLetterSource?: string | null;
}

/** The message as the broker hands it to a receiver or a peek: broker annotations on the stored payload. */
export function forDelivery(payload: Buffer, stamp: DeliveryStamp): Message {
  const message = decodeMessage(payload);
  // rhea keeps header fields (durable, ttl, delivery_count, ...) at the top level of the message.
  message.delivery_count = stamp.deliveryCount;
  const annotations: Record<string, unknown> = {
    ...(message.message_annotations ?? {}),
    'x-opt-sequence-number': rhea.types.wrap_long(stamp.seq),
    'x-opt-enqueued-time': new Date(stamp.enqueuedAt),
  };
  if (stamp.lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(stamp.lockedUntil);
  if (stamp.deadLetterSource) annotations['x-opt-deadletter-source'] = stamp.deadLetterSource;
  message.message_annotations = annotations;
  return message;
}

/** Applies properties to a stored payload (abandon's properties-to-modify, dead-letter reason). */
export function withApplicationProperties(payload: Buffer, properties: Record<string, unknown>): Buffer {
  const message = decodeMessage(payload);
  message.application_properties = {
    ...((message.application_properties as Record<string, unknown> | undefined) ?? {}),
    ...properties,
  };
  return rhea.message.encode(message);
}
