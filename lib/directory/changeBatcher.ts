import { createHash } from 'node:crypto';

/**
 * Turns a stream of "user X changed" events into few runs (DESIGN.md §4, Event Grid door).
 *
 * - A batch opens with its first event and closes `windowMs` later (or when it holds `maxUsers` users):
 *   a burst of changes to one user, or a bulk import, becomes one run per window, not one per event.
 * - The run id is a hash of the batch's event ids, so a batch Event Grid redelivers as it was maps to the
 *   same instance id and starts nothing new; an event id seen recently by this process joins nothing
 *   (it is acknowledged once its first batch has started).
 * - `add` resolves only after `start` resolved, i.e. after the run is durably recorded. The Event Grid
 *   invocation awaits it, so a crash before that leaves the delivery unacknowledged and Event Grid
 *   redelivers. A failed start rejects every waiter of the batch, so each delivery fails and is retried.
 * - Runs re-read each user's attribute when they sync, so events out of order or late do no harm: any run
 *   that starts after a change reads it. No raiseEvent, no continueAsNew with pending events: nothing
 *   can be dropped between instances (the two traps of DESIGN.md §4).
 */
export interface ChangeBatch {
  runId: string;
  userIds: string[];
  eventIds: string[];
}

export interface ChangeBatcherOptions {
  windowMs: number;
  maxUsers: number;
  /** Durably starts the run for a batch (resolves once it is recorded). */
  start(batch: ChangeBatch): Promise<void>;
  /** How long an event id is remembered after its batch started. */
  rememberMs?: number;
  /** Most event ids remembered. */
  rememberMax?: number;
  now?: () => number;
}

interface OpenBatch {
  eventIds: Set<string>;
  userIds: Set<string>;
  waiters: { resolve(): void; reject(error: unknown): void }[];
  timer: NodeJS.Timeout | undefined;
}

export class ChangeBatcher {
  private open: OpenBatch | undefined;
  /** Event id → the promise of the batch that carries it; kept `rememberMs` after it started. */
  private readonly seen = new Map<string, { promise: Promise<void>; startedAt: number | null }>();
  private readonly rememberMs: number;
  private readonly rememberMax: number;
  private readonly now: () => number;

  constructor(private readonly options: ChangeBatcherOptions) {
    this.rememberMs = options.rememberMs ?? 15 * 60_000;
    this.rememberMax = options.rememberMax ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Resolves when a run that will sync `userId` (read after this event was sent) is durably started. */
  add(eventId: string, userId: string): Promise<void> {
    this.forgetOld();
    const known = this.seen.get(eventId);
    if (known !== undefined) return known.promise;

    const batch = (this.open ??= { eventIds: new Set(), userIds: new Set(), waiters: [], timer: undefined });
    const promise = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.eventIds.add(eventId);
    batch.userIds.add(userId);
    const entry = { promise, startedAt: null as number | null };
    this.seen.set(eventId, entry);
    promise.then(
      () => (entry.startedAt = this.now()),
      // A failed start forgets the event, so its redelivery is batched again.
      () => this.seen.delete(eventId),
    );

    // flush settles every waiter itself and never rejects.
    if (batch.userIds.size >= this.options.maxUsers) void this.flush(batch);
    else batch.timer ??= setTimeout(() => void this.flush(batch), this.options.windowMs);
    return promise;
  }

  /** Starts the open batch now (e.g. on shutdown). */
  async flushNow(): Promise<void> {
    const batch = this.open;
    if (batch !== undefined) await this.flush(batch);
  }

  private async flush(batch: OpenBatch): Promise<void> {
    if (this.open !== batch) return;
    this.open = undefined;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    const eventIds = [...batch.eventIds].sort();
    const changeBatch: ChangeBatch = { runId: batchRunId(eventIds), userIds: [...batch.userIds], eventIds };
    try {
      await this.options.start(changeBatch);
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }

  private forgetOld(): void {
    const cutoff = this.now() - this.rememberMs;
    for (const [eventId, entry] of this.seen) {
      if (this.seen.size <= this.rememberMax && (entry.startedAt === null || entry.startedAt > cutoff)) break;
      if (entry.startedAt !== null) this.seen.delete(eventId);
      else if (this.seen.size <= this.rememberMax) break;
    }
  }
}

/** The same set of event ids always names the same run. */
export function batchRunId(sortedEventIds: readonly string[]): string {
  const hash = createHash('sha256').update(sortedEventIds.join('\n'), 'utf8').digest('hex');
  return `evt-${hash.slice(0, 40)}`;
}
