import { maskPhoneNumbersInText } from '../core/masking';

/** One request the emulator received. Paths are masked: no full phone number ever leaves the log. */
export interface RequestLogEntry {
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  /** `graph`, `token` (login host), `managedIdentity`, or `batchItem` (inside a $batch). */
  channel: 'graph' | 'token' | 'managedIdentity' | 'batchItem';
  method: string;
  /** Path and query as received, phone numbers masked. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  clientRequestId?: string;
  /** Calling app (Graph: from the token; token endpoint: the client id asked for). */
  appId?: string;
  /** Signed-in user for delegated calls. */
  userPrincipalName?: string;
  /** Graph `error.code` (or OAuth `error`) when the request failed. */
  errorCode?: string;
  resourceUnits?: number;
  throttled?: boolean;
  /** Injected fault kind, if any. */
  fault?: string;
  priority?: string;
  /** For batch items: the envelope's request id and the item id. */
  batch?: { requestId: string; itemId: string };
}

/** A bounded ring buffer of request log entries. */
export class RequestLog {
  private readonly entries: (RequestLogEntry | undefined)[];
  private nextSeq = 1;
  private start = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.entries = new Array<RequestLogEntry | undefined>(capacity);
  }

  /** Adds an entry when the request completes; `seq` is completion order, so polling with `since` misses nothing. */
  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    const full: RequestLogEntry = { ...entry, seq: this.nextSeq++, path: maskPhoneNumbersInText(entry.path) };
    const index = (this.start + this.count) % this.capacity;
    this.entries[index] = full;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Entries with seq > `since`, oldest first, at most `limit`. */
  list(since = 0, limit = 1000): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (let i = 0; i < this.count && out.length < limit; i++) {
      const entry = this.entries[(this.start + i) % this.capacity];
      if (entry && entry.seq > since) out.push(entry);
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
    this.entries.fill(undefined);
  }
}
