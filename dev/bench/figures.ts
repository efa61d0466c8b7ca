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

/** Runs a benchmark's main, and on failure prints why and exits non-zero. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
