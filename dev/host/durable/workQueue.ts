/** FIFO with O(1) shift: a plain array's `shift()` is O(n), which hurts with 10,000 queued activities. */
export class WorkQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item matching `predicate` (rare: terminate, continue-as-new). */
  removeWhere(predicate: (item: T) => boolean): void {
    this.items = this.items.slice(this.head).filter((item) => !predicate(item));
    this.head = 0;
  }
}
