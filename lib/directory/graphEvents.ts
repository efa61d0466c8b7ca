import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Graph's partner events as Event Grid delivers them (CloudEvents 1.0, reference/graph.md §7.3), parsed
 * into what the door acts on. Anything else is refused with a reason that never quotes the payload.
 */
export type GraphEvent =
  | { kind: 'userUpdated'; eventId: string; userId: string; clientState: string | null }
  | { kind: 'userDeleted'; eventId: string; userId: string; clientState: string | null }
  | { kind: 'reauthorizationRequired'; eventId: string; subscriptionId: string; clientState: string | null };

export type ParsedEvent =
  { ok: true; event: GraphEvent } | { ok: false; eventId: string | null; reason: string };

const ID = z.string().min(1).max(200);
const USER_ID = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

const envelope = z.object({
  id: ID,
  type: z.string().max(200),
  specversion: z.literal('1.0').optional(),
  data: z.unknown(),
});
const changeData = z.object({
  clientState: z.string().max(256).nullish(),
  resource: z.string().max(300).optional(),
  resourceData: z.object({ id: USER_ID }).passthrough(),
  subscriptionId: z.string().max(200).optional(),
});
const lifecycleData = z.object({
  clientState: z.string().max(256).nullish(),
  subscriptionId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/),
});

export const USER_UPDATED = 'Microsoft.Graph.UserUpdated';
export const USER_DELETED = 'Microsoft.Graph.UserDeleted';
export const REAUTHORIZATION_REQUIRED = 'Microsoft.Graph.SubscriptionReauthorizationRequired';

export function parseGraphEvent(raw: unknown): ParsedEvent {
  const head = envelope.safeParse(raw);
  if (!head.success) return { ok: false, eventId: null, reason: 'not a CloudEvent with id and type' };
  const { id, type } = head.data;
  // Event Grid hands `data` over parsed; a CloudEvent may carry it as JSON text.
  let data: unknown = head.data.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return { ok: false, eventId: id, reason: 'data is not JSON' };
    }
  }
  if (type === USER_UPDATED || type === USER_DELETED) {
    const change = changeData.safeParse(data);
    if (!change.success) return { ok: false, eventId: id, reason: 'data is not a user change notification' };
    return {
      ok: true,
      event: {
        kind: type === USER_UPDATED ? 'userUpdated' : 'userDeleted',
        eventId: id,
        userId: change.data.resourceData.id.toLowerCase(),
        clientState: change.data.clientState ?? null,
      },
    };
  }
  if (type === REAUTHORIZATION_REQUIRED) {
    const lifecycle = lifecycleData.safeParse(data);
    if (!lifecycle.success) return { ok: false, eventId: id, reason: 'data is not a lifecycle notification' };
    return {
      ok: true,
      event: {
        kind: 'reauthorizationRequired',
        eventId: id,
        subscriptionId: lifecycle.data.subscriptionId,
        clientState: lifecycle.data.clientState ?? null,
      },
    };
  }
  return { ok: false, eventId: id, reason: `event type '${type.slice(0, 80)}' is not handled` };
}

/**
 * Constant-time comparison of the event's clientState with the secret. Both are hashed first, so the
 * comparison takes the same time whatever the lengths (timingSafeEqual needs equal lengths).
 */
export function clientStateMatches(received: string | null, secret: string): boolean {
  if (received === null) return false;
  return timingSafeEqual(digest(received), digest(secret));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
