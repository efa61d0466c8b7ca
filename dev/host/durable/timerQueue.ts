import { systemClock, type DurableClock } from './clock';

/**
 * One `setTimeout` for any number of due-at items (durable timers, retry back-offs): a binary min-heap keyed by
 * due time. Node clamps delays above 2^31-1 ms, so far timers are re-checked rather than trusted.
 */
const MAX_DELAY_MS = 2_147_483_647;

export class TimerQueue<T> {
  private readonly heap: { dueAt: number; seq: number; item: T }[] = [];
  private handle: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private seq = 0;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly onDue: (item: T) => void,
    private readonly clock: DurableClock = systemClock,
  ) {
    // A clock that jumps ahead makes timers due at once: re-arm from its new time.
    this.unsubscribe = clock.onAdvance?.(() => this.arm()) ?? (() => undefined);
  }

  get size(): number {
    return this.heap.length;
  }

  add(dueAt: number, item: T): void {
    if (this.stopped) return;
    this.push({ dueAt, seq: this.seq++, item });
    if (dueAt < this.armedFor) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    const first = this.heap[0];
    if (!first || this.stopped) {
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = first.dueAt;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, first.dueAt - this.clock.now()));
    this.handle = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.handle = undefined;
    const now = this.clock.now();
    while (this.heap.length > 0 && (this.heap[0]?.dueAt ?? Infinity) <= now) {
      const next = this.pop();
      if (next) this.onDue(next.item);
    }
    this.arm();
  }

  private push(node: { dueAt: number; seq: number; item: T }): void {
    const heap = this.heap;
    heap.push(node);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private pop(): { dueAt: number; seq: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && this.less(left, smallest)) smallest = left;
        if (right < heap.length && this.less(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.swap(index, smallest);
        index = smallest;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    if (!x || !y) return false;
    return x.dueAt < y.dueAt || (x.dueAt === y.dueAt && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a];
    const y = this.heap[b];
    if (!x || !y) return;
    this.heap[a] = y;
    this.heap[b] = x;
  }
}
