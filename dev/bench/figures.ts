import { type RequestLogEntry } from '../graph-emulator/log/requestLog';

/** What the product's benchmarks share: rounding, percentiles, and how a failed benchmark ends. */

/** One decimal, as the benchmarks print their figures. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The value below which a share `p` (0..1) of `values` lies (nearest rank; 0 for no values). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** How many of `times` (ms, ascending) fall in each `bucketMs` bucket from the first on. */
export function countPerBucket(times: readonly number[], bucketMs: number): number[] {
  const first = times[0];
  if (first === undefined) return [];
  const buckets: number[] = [];
  for (const time of times) {
    const index = Math.floor((time - first) / bucketMs);
    buckets[index] = (buckets[index] ?? 0) + 1;
  }
  return Array.from(buckets, (count) => count ?? 0);
}

/** The most of `times` (ms, ascending) any window of `windowMs` holds: what a sliding-window quota counter would see. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  let worst = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    worst = Math.max(worst, end - start + 1);
  }
  return worst;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** When each successful phone-method write of an emulator request log happened (ms, ascending). */
export function successfulWriteTimes(graph: readonly RequestLogEntry[]): number[] {
  return graph
    .filter(
      (entry) =>
        WRITE_METHODS.has(entry.method) &&
        entry.path.includes('/phoneMethods') &&
        entry.status >= 200 &&
        entry.status < 300,
    )
    .map((entry) => Date.parse(entry.time))
    .sort((a, b) => a - b);
}

/** Runs a benchmark's main, and on failure prints why and exits non-zero. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
