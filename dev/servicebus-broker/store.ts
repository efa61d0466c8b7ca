import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A queue's main entity or its dead-letter sub-queue (`<queue>/$DeadLetterQueue`). */
export type SubQueue = 'active' | 'deadletter';

/** One stored message. `payload` is the AMQP-encoded message as the sender sent it (plus our stamps). */
export interface StoredMessage {
  readonly queue: string;
  readonly sub: SubQueue;
  readonly seq: number;
  readonly messageId: string;
  readonly payload: Buffer;
  readonly enqueuedAt: number;
  /** Scheduled messages stay invisible until then. */
  readonly visibleAt: number;
  readonly expiresAt: number | null;
  /** Deliveries so far (peek-lock and lock expiries count; the next delivery shows this value). */
  readonly deliveryCount: number;
  readonly lockToken: string | null;
  readonly lockedUntil: number | null;
  readonly deadLetterSource: string | null;
}

interface Row {
  queue: string;
  sub: SubQueue;
  seq: number;
  message_id: string;
  payload: Buffer;
  enqueued_at: number;
  visible_at: number;
  expires_at: number | null;
  delivery_count: number;
  lock_token: string | null;
  locked_until: number | null;
  dead_letter_source: string | null;
}

function fromRow(row: Row): StoredMessage {
  return {
    queue: row.queue,
    sub: row.sub,
    seq: row.seq,
    messageId: row.message_id,
    payload: row.payload,
    enqueuedAt: row.enqueued_at,
    visibleAt: row.visible_at,
    expiresAt: row.expires_at,
    deliveryCount: row.delivery_count,
    lockToken: row.lock_token,
    lockedUntil: row.locked_until,
    deadLetterSource: row.dead_letter_source,
  };
}

export interface NewMessage {
  queue: string;
  messageId: string;
  payload: Buffer;
  enqueuedAt: number;
  visibleAt: number;
  expiresAt: number | null;
}

/**
 * Every message on disk (SQLite, WAL), so a broker restart loses no queued, scheduled, locked or
 * dead-lettered message. Sequence numbers are per queue, as in Service Bus, and never reused.
 */
export class BrokerStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        queue TEXT NOT NULL, sub TEXT NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL,
        payload BLOB NOT NULL, enqueued_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
        expires_at INTEGER, delivery_count INTEGER NOT NULL DEFAULT 0, lock_token TEXT,
        locked_until INTEGER, dead_letter_source TEXT,
        PRIMARY KEY (queue, seq));
      CREATE INDEX IF NOT EXISTS messages_next ON messages (queue, sub, lock_token, seq);
      CREATE INDEX IF NOT EXISTS messages_lock ON messages (lock_token);
      CREATE TABLE IF NOT EXISTS sequences (queue TEXT PRIMARY KEY, last INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS duplicates (
        queue TEXT NOT NULL, message_id TEXT NOT NULL, seen_at INTEGER NOT NULL,
        PRIMARY KEY (queue, message_id));
    `);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Enqueues messages atomically (a batch is all or nothing). With `dedupWindowMs`, a message whose id was
   * seen within the window is dropped (accepted but ignored, as Service Bus does). Returns the sequence
   * numbers given, `undefined` for dropped duplicates.
   */
  enqueue(messages: readonly NewMessage[], dedupWindowMs: number | undefined): (number | undefined)[] {
    const run = this.db.transaction((): (number | undefined)[] => {
      const result: (number | undefined)[] = [];
      for (const message of messages) {
        if (dedupWindowMs !== undefined) {
          const seen = this.db
            .prepare('SELECT seen_at FROM duplicates WHERE queue = ? AND message_id = ?')
            .get(message.queue, message.messageId) as { seen_at: number } | undefined;
          if (seen !== undefined && seen.seen_at > message.enqueuedAt - dedupWindowMs) {
            result.push(undefined);
            continue;
          }
          this.db
            .prepare('INSERT OR REPLACE INTO duplicates (queue, message_id, seen_at) VALUES (?, ?, ?)')
            .run(message.queue, message.messageId, message.enqueuedAt);
        }
        const seq = this.nextSequence(message.queue);
        this.db
          .prepare(
            `INSERT INTO messages (queue, sub, seq, message_id, payload, enqueued_at, visible_at, expires_at)
             VALUES (?, 'active', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            message.queue,
            seq,
            message.messageId,
            message.payload,
            message.enqueuedAt,
            message.visibleAt,
            message.expiresAt,
          );
        result.push(seq);
      }
      return result;
    });
    return run();
  }

  private nextSequence(queue: string): number {
    const row = this.db
      .prepare(
        `INSERT INTO sequences (queue, last) VALUES (?, 1)
         ON CONFLICT (queue) DO UPDATE SET last = last + 1 RETURNING last`,
      )
      .get(queue) as { last: number };
    return row.last;
  }

  /** The first deliverable message (visible, unlocked, not expired), in sequence order. */
  nextAvailable(queue: string, sub: SubQueue, now: number): StoredMessage | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM messages WHERE queue = ? AND sub = ? AND lock_token IS NULL AND visible_at <= ?
           AND (expires_at IS NULL OR expires_at > ? OR sub = 'deadletter')
         ORDER BY seq LIMIT 1`,
      )
      .get(queue, sub, now, now) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Locks a message for one delivery and counts the delivery. */
  lock(queue: string, seq: number, lockToken: string, lockedUntil: number): void {
    this.db
      .prepare(
        `UPDATE messages SET lock_token = ?, locked_until = ?, delivery_count = delivery_count + 1
         WHERE queue = ? AND seq = ?`,
      )
      .run(lockToken, lockedUntil, queue, seq);
  }

  byLockToken(lockToken: string): StoredMessage | undefined {
    const row = this.db.prepare('SELECT * FROM messages WHERE lock_token = ?').get(lockToken) as
      Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  renewLock(queue: string, seq: number, lockedUntil: number): void {
    this.db
      .prepare('UPDATE messages SET locked_until = ? WHERE queue = ? AND seq = ?')
      .run(lockedUntil, queue, seq);
  }

  /** Makes a locked message available again (abandon, lock expiry), optionally with a new payload. */
  unlock(queue: string, seq: number, payload?: Buffer): void {
    this.db
      .prepare(
        `UPDATE messages SET lock_token = NULL, locked_until = NULL, payload = coalesce(?, payload)
         WHERE queue = ? AND seq = ?`,
      )
      .run(payload ?? null, queue, seq);
  }

  /** A delivery the receiver never processed (AMQP `released`): available again, not counted. */
  release(queue: string, seq: number): void {
    this.db
      .prepare(
        `UPDATE messages SET lock_token = NULL, locked_until = NULL,
           delivery_count = max(delivery_count - 1, 0) WHERE queue = ? AND seq = ?`,
      )
      .run(queue, seq);
  }

  remove(queue: string, seq: number): void {
    this.db.prepare('DELETE FROM messages WHERE queue = ? AND seq = ?').run(queue, seq);
  }

  /** Moves a message to the dead-letter sub-queue with the payload that carries the reason. */
  deadLetter(queue: string, seq: number, payload: Buffer, source: string): void {
    this.db
      .prepare(
        `UPDATE messages SET sub = 'deadletter', payload = ?, lock_token = NULL, locked_until = NULL,
           dead_letter_source = ?, delivery_count = 0 WHERE queue = ? AND seq = ?`,
      )
      .run(payload, source, queue, seq);
  }

  /** Locks that ran out: the broker redelivers (or dead-letters) these messages. */
  expiredLocks(now: number): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE lock_token IS NOT NULL AND locked_until <= ? ORDER BY seq')
      .all(now) as Row[];
    return rows.map(fromRow);
  }

  /** Active messages whose time to live ran out (and that nobody holds a lock on). */
  expiredMessages(now: number): StoredMessage[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM messages WHERE sub = 'active' AND lock_token IS NULL AND expires_at IS NOT NULL
           AND expires_at <= ? ORDER BY seq`,
      )
      .all(now) as Row[];
    return rows.map(fromRow);
  }

  /** Messages from a sequence number on, locked and scheduled ones included (as Service Bus peeks). */
  peek(queue: string, sub: SubQueue, fromSeq: number, count: number): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE queue = ? AND sub = ? AND seq >= ? ORDER BY seq LIMIT ?')
      .all(queue, sub, fromSeq, count) as Row[];
    return rows.map(fromRow);
  }

  /** Cancels scheduled messages that are not visible yet; returns how many went. */
  cancelScheduled(queue: string, seqs: readonly number[], now: number): number {
    let removed = 0;
    for (const seq of seqs) {
      removed += this.db
        .prepare(`DELETE FROM messages WHERE queue = ? AND seq = ? AND sub = 'active' AND visible_at > ?`)
        .run(queue, seq, now).changes;
    }
    return removed;
  }

  count(queue: string, sub: SubQueue): number {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM messages WHERE queue = ? AND sub = ?')
      .get(queue, sub) as { n: number };
    return row.n;
  }

  forgetDuplicatesBefore(cutoffs: ReadonlyMap<string, number>): void {
    for (const [queue, cutoff] of cutoffs) {
      this.db.prepare('DELETE FROM duplicates WHERE queue = ? AND seen_at < ?').run(queue, cutoff);
    }
  }
}
