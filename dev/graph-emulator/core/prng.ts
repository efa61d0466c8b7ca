/**
 * Seeded randomness. Every random decision (fault, latency, batch order) draws from a generator seeded by
 * the run's seed *and* the request's identity, so a run replays the same way even when concurrent requests
 * arrive in a different order.
 */

/** FNV-1a over UTF-16 code units, then a murmur3 finalizer so nearby inputs spread over all 32 bits. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small, fast PRNG (mulberry32): uniform floats in [0, 1). */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy;
  }
}

/**
 * Hands out one generator per request, keyed by what the request *is* (method + path) and how many times
 * that same request was seen before. Two runs with the same seed and the same per-path request sequence get
 * the same draws, whatever the interleaving between different users.
 */
export class RequestRandomness {
  /** Occurrence counters keyed by a 32-bit hash of the request line (small: two numbers per entry). */
  private readonly occurrences = new Map<number, number>();
  private readonly seedHash: number;

  constructor(seed: number) {
    this.seedHash = hash32(String(seed));
  }

  forRequest(method: string, path: string): Prng {
    const key = hash32(`${method.toUpperCase()} ${path.toLowerCase()}`, this.seedHash);
    const n = this.occurrences.get(key) ?? 0;
    // Bounded: past a million distinct request lines, later ones count as first occurrences.
    if (n > 0 || this.occurrences.size < 1_000_000) this.occurrences.set(key, n + 1);
    return new Prng(hash32(String(n), key));
  }

  reset(): void {
    this.occurrences.clear();
  }
}
