/**
 * The ordered record of directory changes that `/users/delta` replays. Each entry names the user and the
 * properties that changed, so a `$select`-ed delta only surfaces users whose *selected* properties changed
 * (reference/graph.md §6). Bounded: when full, the oldest half is dropped and delta tokens older than the
 * oldest kept entry must resync (410).
 */
export type JournalKind = 'updated' | 'softDeleted' | 'deleted' | 'restored' | 'created';

export interface JournalEntry {
  seq: number;
  userId: string;
  kind: JournalKind;
  /** Changed Graph property names (canonical), lower-cased for matching. Empty for deletions. */
  properties: readonly string[];
}

export class ChangeJournal {
  private entries: JournalEntry[] = [];
  private nextSeq = 1;
  /** Tokens with a baseline below this cannot be served any more. */
  private oldestServableSeq = 0;

  constructor(private readonly maxEntries: number) {}

  /** Sequence number of the latest change (a delta baseline taken now). */
  get currentSeq(): number {
    return this.nextSeq - 1;
  }

  get oldestBaseline(): number {
    return this.oldestServableSeq;
  }

  get size(): number {
    return this.entries.length;
  }

  append(userId: string, kind: JournalKind, properties: readonly string[]): JournalEntry {
    const entry: JournalEntry = {
      seq: this.nextSeq++,
      userId,
      kind,
      properties: properties.map((p) => p.toLowerCase()),
    };
    this.entries.push(entry);
    if (this.entries.length > this.maxEntries) {
      const drop = Math.ceil(this.entries.length / 2);
      const dropped = this.entries[drop - 1];
      this.entries = this.entries.slice(drop);
      this.oldestServableSeq = dropped?.seq ?? this.oldestServableSeq;
    }
    return entry;
  }

  canServe(baselineSeq: number): boolean {
    return baselineSeq >= this.oldestServableSeq && baselineSeq <= this.currentSeq;
  }

  /** Index of the first entry with seq > afterSeq (binary search; seqs are increasing). */
  indexAfter(afterSeq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as JournalEntry).seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Entries with afterSeq < seq <= upToSeq, starting at afterSeq. */
  *range(afterSeq: number, upToSeq: number): Generator<JournalEntry> {
    for (let i = this.indexAfter(afterSeq); i < this.entries.length; i++) {
      const entry = this.entries[i] as JournalEntry;
      if (entry.seq > upToSeq) return;
      yield entry;
    }
  }

  clear(): void {
    this.entries = [];
    this.oldestServableSeq = this.currentSeq;
  }
}
