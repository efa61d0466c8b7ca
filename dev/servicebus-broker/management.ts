import rhea, { type Message } from 'rhea';
import { decodeMessage } from './amqpMessages';
import type { Entity, QueueEngine } from './engine';
import { lockTokenCandidates } from './lockTokens';

/** A `$management` reply: status code, description and body (status 2xx is success for the client). */
export interface ManagementReply {
  status: number;
  description: string;
  errorCondition?: string;
  body?: unknown;
}

const OK = (body?: unknown): ManagementReply => ({ status: 200, description: 'OK', body });

/**
 * The `$management` operations `@azure/service-bus` uses on a queue: renew-lock (explicit and auto lock
 * renewal), peek-message, update-disposition (settling when the receive link is gone), schedule-message and
 * cancel-scheduled-message. Others answer 501, which the client raises as an error.
 */
export function handleManagement(engine: QueueEngine, entity: Entity, request: Message): ManagementReply {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const body = (request.body ?? {}) as Record<string, unknown>;
  switch (properties['operation']) {
    case 'com.microsoft:renew-lock':
      return renewLock(engine, body);
    case 'com.microsoft:peek-message':
      return peek(engine, entity, body);
    case 'com.microsoft:update-disposition':
      return updateDisposition(engine, body);
    case 'com.microsoft:schedule-message':
      return schedule(engine, entity, body);
    case 'com.microsoft:cancel-scheduled-message':
      engine.cancelScheduled(entity, sequenceNumbers(body['sequence-numbers']));
      return OK({});
    default:
      return {
        status: 501,
        description: `The operation '${String(properties['operation'])}' is not emulated by the local broker.`,
        errorCondition: 'com.microsoft:not-implemented',
      };
  }
}

function lockLost(): ManagementReply {
  return {
    status: 410,
    description:
      'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
    errorCondition: 'com.microsoft:message-lock-lost',
  };
}

function tokensOf(value: unknown): string[][] {
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  return list
    .filter((item): item is Buffer => Buffer.isBuffer(item))
    .map((bytes) => lockTokenCandidates(bytes));
}

function findLocked(engine: QueueEngine, candidates: string[]): string | undefined {
  return candidates.find((token) => engine.isLocked(token));
}

function renewLock(engine: QueueEngine, body: Record<string, unknown>): ManagementReply {
  const expirations: Date[] = [];
  for (const candidates of tokensOf(body['lock-tokens'])) {
    const token = findLocked(engine, candidates);
    const until = token === undefined ? undefined : engine.renewLock(token);
    if (until === undefined) return lockLost();
    expirations.push(new Date(until));
  }
  return OK({ expirations });
}

function updateDisposition(engine: QueueEngine, body: Record<string, unknown>): ManagementReply {
  const status = body['disposition-status'];
  const properties = isRecord(body['properties-to-modify']) ? body['properties-to-modify'] : undefined;
  for (const candidates of tokensOf(body['lock-tokens'])) {
    const token = findLocked(engine, candidates);
    if (token === undefined) return lockLost();
    if (status === 'completed') engine.settle(token, { kind: 'complete' });
    else if (status === 'abandoned')
      engine.settle(token, { kind: 'abandon', ...(properties ? { properties } : {}) });
    else if (status === 'suspended') {
      engine.settle(token, {
        kind: 'deadLetter',
        ...(typeof body['deadletter-reason'] === 'string' ? { reason: body['deadletter-reason'] } : {}),
        ...(typeof body['deadletter-description'] === 'string'
          ? { description: body['deadletter-description'] }
          : {}),
        ...(properties ? { properties } : {}),
      });
    } else {
      return {
        status: 501,
        description: `Disposition '${String(status)}' (defer) is not emulated by the local broker.`,
        errorCondition: 'com.microsoft:not-implemented',
      };
    }
  }
  return OK({});
}

function peek(engine: QueueEngine, entity: Entity, body: Record<string, unknown>): ManagementReply {
  const from = sequenceNumbers([body['from-sequence-number']])[0] ?? 1;
  const count = typeof body['message-count'] === 'number' ? body['message-count'] : 1;
  const messages = engine.peek(entity, from, Math.max(1, Math.min(count, 1000)));
  if (messages.length === 0) return { status: 204, description: 'No messages' };
  return OK({ messages: messages.map((message) => ({ message })) });
}

function schedule(engine: QueueEngine, entity: Entity, body: Record<string, unknown>): ManagementReply {
  const entries = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  const decoded = entries
    .map((entry) => (isRecord(entry) ? entry['message'] : undefined))
    .filter((bytes): bytes is Buffer => Buffer.isBuffer(bytes))
    .map((bytes) => decodeMessage(bytes));
  try {
    // Scheduled messages skip duplicate detection in our store only if already seen: as with a send.
    const seqs = engine.enqueue(entity.queue, decoded);
    return OK({ 'sequence-numbers': seqs.map((seq) => rhea.types.wrap_long(seq ?? 0)) });
  } catch (error) {
    return {
      status: 400,
      description: error instanceof Error ? error.message : String(error),
      errorCondition: 'amqp:link:message-size-exceeded',
    };
  }
}

/** Sequence numbers arrive as AMQP longs: numbers, or 8-byte big-endian buffers when large. */
function sequenceNumbers(value: unknown): number[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  return list.flatMap((item) => {
    if (typeof item === 'number') return [item];
    if (Buffer.isBuffer(item) && item.length === 8) return [Number(item.readBigInt64BE())];
    return [];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
