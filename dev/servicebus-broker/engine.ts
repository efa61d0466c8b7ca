import rhea, { type Message } from 'rhea';
import {
  forDelivery,
  scheduledTimeOf,
  stampForStorage,
  timeToLiveOf,
  withApplicationProperties,
} from './amqpMessages';
import type { QueueConfig } from './config';
import { newLockToken, type LockToken } from './lockTokens';
import type { BrokerStore, NewMessage, StoredMessage, SubQueue } from './store';

/** An entity a link can attach to: a queue or its dead-letter sub-queue. */
export interface Entity {
  readonly queue: QueueConfig;
  readonly sub: SubQueue;
}

export type Settlement =
  | { kind: 'complete' }
  | { kind: 'abandon'; properties?: Record<string, unknown> }
  | { kind: 'deadLetter'; reason?: string; description?: string; properties?: Record<string, unknown> };

export class MessageSizeExceededError extends Error {
  readonly condition = 'amqp:link:message-size-exceeded';
}

export interface Delivery {
  readonly message: Message;
  readonly seq: number;
  /** Absent for receive-and-delete (the message is gone once sent). */
  readonly lock?: LockToken;
}

const DLQ_SUFFIX = '/$deadletterqueue';

/**
 * The queue semantics, apart from AMQP: enqueue with duplicate detection and size limit, peek-lock with
 * lock duration, renewal and expiry, settlement, max delivery count and TTL into the dead-letter queue,
 * scheduled messages. Every state change goes through the store, so a restarted broker continues.
 */
export class QueueEngine {
  private readonly byName = new Map<string, QueueConfig>();

  constructor(
    private readonly store: BrokerStore,
    queues: readonly QueueConfig[],
    private readonly now: () => number = Date.now,
  ) {
    for (const queue of queues) this.byName.set(queue.name.toLowerCase(), queue);
  }

  get queues(): QueueConfig[] {
    return [...this.byName.values()];
  }

  /** Entity path of a link address: `queue`, `queue/$DeadLetterQueue`, with or without `sb://host/`. */
  resolve(address: string | undefined): Entity | undefined {
    if (address === undefined) return undefined;
    const path = address.replace(/^[a-z]+:\/\/[^/]+\//i, '').toLowerCase();
    if (path.endsWith(DLQ_SUFFIX)) {
      const queue = this.byName.get(path.slice(0, -DLQ_SUFFIX.length));
      return queue === undefined ? undefined : { queue, sub: 'deadletter' };
    }
    const queue = this.byName.get(path);
    return queue === undefined ? undefined : { queue, sub: 'active' };
  }

  /**
   * Stores the messages of one transfer (all or nothing). Throws MessageSizeExceededError when any is over
   * the queue's limit. Returns the sequence numbers; duplicates within the window get `undefined`.
   */
  enqueue(queue: QueueConfig, messages: readonly Message[], scheduledAt?: number): (number | undefined)[] {
    const now = this.now();
    const rows: NewMessage[] = messages.map((message) => {
      const { messageId, payload } = stampForStorage(message);
      if (payload.length > queue.maxMessageSizeBytes) {
        throw new MessageSizeExceededError(
          `The received message (size ${payload.length} bytes) exceeds the limit (${queue.maxMessageSizeBytes} bytes) currently allowed on the link.`,
        );
      }
      const visibleAt = Math.max(now, scheduledAt ?? scheduledTimeOf(message) ?? now);
      const ttl = timeToLiveOf(message) ?? queue.defaultMessageTimeToLiveMs;
      return {
        queue: queue.name,
        messageId,
        payload,
        enqueuedAt: visibleAt,
        visibleAt,
        expiresAt: ttl === undefined ? null : visibleAt + ttl,
      };
    });
    return this.store.enqueue(
      rows,
      queue.requiresDuplicateDetection ? queue.duplicateDetectionHistoryTimeWindowMs : undefined,
    );
  }

  /** Takes the next message for a receiver: locked for the lock duration, or removed (receive-and-delete). */
  take(entity: Entity, peekLock: boolean): Delivery | undefined {
    const now = this.now();
    const stored = this.store.nextAvailable(entity.queue.name, entity.sub, now);
    if (stored === undefined) return undefined;
    if (!peekLock) {
      this.store.remove(stored.queue, stored.seq);
      return { message: this.messageOf(stored), seq: stored.seq };
    }
    const lock = newLockToken();
    const lockedUntil = now + entity.queue.lockDurationMs;
    this.store.lock(stored.queue, stored.seq, lock.text, lockedUntil);
    return { message: this.messageOf(stored, lockedUntil), seq: stored.seq, lock };
  }

  /** Settles a locked message. False when the lock is unknown or expired (the client's MessageLockLost). */
  settle(lockToken: string, settlement: Settlement): boolean {
    const stored = this.lockedMessage(lockToken);
    if (stored === undefined) return false;
    switch (settlement.kind) {
      case 'complete':
        this.store.remove(stored.queue, stored.seq);
        break;
      case 'abandon':
        this.abandon(stored, settlement.properties);
        break;
      case 'deadLetter':
        this.deadLetter(stored, settlement.reason, settlement.description, settlement.properties);
        break;
    }
    return true;
  }

  /** AMQP `released`: the client gave the message back unseen. */
  release(lockToken: string): void {
    const stored = this.lockedMessage(lockToken);
    if (stored !== undefined) this.store.release(stored.queue, stored.seq);
  }

  /** A new lock expiry, or undefined when the lock is already lost. */
  renewLock(lockToken: string): number | undefined {
    const stored = this.lockedMessage(lockToken);
    if (stored === undefined) return undefined;
    const queue = this.queueOf(stored);
    const lockedUntil = this.now() + queue.lockDurationMs;
    this.store.renewLock(stored.queue, stored.seq, lockedUntil);
    return lockedUntil;
  }

  isLocked(lockToken: string): boolean {
    return this.lockedMessage(lockToken) !== undefined;
  }

  peek(entity: Entity, fromSeq: number, count: number): Buffer[] {
    return this.store
      .peek(entity.queue.name, entity.sub, fromSeq, count)
      .map((stored) => rhea.message.encode(this.messageOf(stored)));
  }

  cancelScheduled(entity: Entity, seqs: readonly number[]): void {
    this.store.cancelScheduled(entity.queue.name, seqs, this.now());
  }

  count(entity: Entity): number {
    return this.store.count(entity.queue.name, entity.sub);
  }

  /**
   * Time-driven work: expired locks go back to the queue (or to the dead-letter queue at the max delivery
   * count), expired messages are dropped or dead-lettered, old duplicate-detection ids are forgotten.
   * Returns whether anything may have become deliverable.
   */
  tick(): boolean {
    const now = this.now();
    let changed = false;
    for (const stored of this.store.expiredLocks(now)) {
      this.abandon(stored, undefined);
      changed = true;
    }
    for (const stored of this.store.expiredMessages(now)) {
      const queue = this.queueOf(stored);
      if (queue.deadLetteringOnMessageExpiration) {
        this.deadLetter(
          stored,
          'TTLExpiredException',
          'The message expired and was dead lettered.',
          undefined,
        );
      } else {
        this.store.remove(stored.queue, stored.seq);
      }
    }
    const cutoffs = new Map<string, number>();
    for (const queue of this.byName.values()) {
      if (queue.requiresDuplicateDetection)
        cutoffs.set(queue.name, now - queue.duplicateDetectionHistoryTimeWindowMs);
    }
    this.store.forgetDuplicatesBefore(cutoffs);
    return changed;
  }

  private abandon(stored: StoredMessage, properties: Record<string, unknown> | undefined): void {
    const queue = this.queueOf(stored);
    const payload =
      properties === undefined ? undefined : withApplicationProperties(stored.payload, properties);
    if (stored.sub === 'active' && stored.deliveryCount >= queue.maxDeliveryCount) {
      this.store.deadLetter(
        stored.queue,
        stored.seq,
        withApplicationProperties(payload ?? stored.payload, {
          DeadLetterReason: 'MaxDeliveryCountExceeded',
          DeadLetterErrorDescription: `Message could not be consumed after ${queue.maxDeliveryCount} delivery attempts.`,
        }),
        queue.name,
      );
      return;
    }
    this.store.unlock(stored.queue, stored.seq, payload);
  }

  private deadLetter(
    stored: StoredMessage,
    reason: string | undefined,
    description: string | undefined,
    properties: Record<string, unknown> | undefined,
  ): void {
    const reasonProperties: Record<string, unknown> = { ...properties };
    if (reason !== undefined) reasonProperties['DeadLetterReason'] = reason;
    if (description !== undefined) reasonProperties['DeadLetterErrorDescription'] = description;
    this.store.deadLetter(
      stored.queue,
      stored.seq,
      withApplicationProperties(stored.payload, reasonProperties),
      stored.queue,
    );
  }

  private lockedMessage(lockToken: string): StoredMessage | undefined {
    const stored = this.store.byLockToken(lockToken);
    if (stored === undefined || stored.lockedUntil === null || stored.lockedUntil <= this.now())
      return undefined;
    return stored;
  }

  private queueOf(stored: StoredMessage): QueueConfig {
    const queue = this.byName.get(stored.queue.toLowerCase());
    if (queue === undefined) throw new Error(`message ${stored.seq} belongs to an unknown queue`);
    return queue;
  }

  /** deliveryCount in the header is the number of previous attempts (stored count before this delivery). */
  private messageOf(stored: StoredMessage, lockedUntil?: number): Message {
    return forDelivery(stored.payload, {
      seq: stored.seq,
      enqueuedAt: stored.enqueuedAt,
      deliveryCount: stored.deliveryCount,
      ...(lockedUntil === undefined ? {} : { lockedUntil }),
    });
  }
}
