import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startHost, silentLogger, type InvocationRecord } from './index';

/**
 * Host overhead benchmark (a script, not a test): a fan-out of N no-op activities, chunked through
 * sub-orchestrations, run in-process through the real app loading, InvocationModel, replay and SQLite outbox.
 *
 *   node dist/dev/host/bench.js [--items 10000] [--chunk 100] [--max-activities 32] [--app-dir dir]
 *
 * Prints activities/s, the median host-side activity invocation time, the amortised host time per activity,
 * orchestrator episode figures and peak RSS.
 */

function findBenchApp(): string {
  let dir = __dirname;
  for (;;) {
    for (const candidate of [join(dir, 'bench-app'), join(dir, 'dev', 'host', 'bench-app')]) {
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dev/host/bench-app not found; pass --app-dir');
    dir = parent;
  }
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '10000' },
      chunk: { type: 'string', default: '100' },
      'max-activities': { type: 'string' },
      'app-dir': { type: 'string' },
    },
  });
  const items = Number(values.items);
  const chunkSize = Number(values.chunk);
  const appDir = resolve(values['app-dir'] ?? findBenchApp());
  const dataDir = mkdtempSync(join(tmpdir(), 'host-bench-'));

  const activityTimes: number[] = [];
  const episodeTimes: number[] = [];
  const onInvocation = (record: InvocationRecord): void => {
    if (record.kind === 'activity') activityTimes.push(record.durationMs);
    else if (record.kind === 'orchestration') episodeTimes.push(record.durationMs);
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);

  const host = await startHost({
    appDir,
    dataDir,
    port: 0,
    logger: silentLogger,
    onInvocation,
    maxConcurrentActivityFunctions: values['max-activities'] ? Number(values['max-activities']) : undefined,
  });
  const started = performance.now();
  const instanceId = host.durable.startNew({
    name: 'benchRoot',
    input: JSON.stringify({ items, chunkSize }),
  });
  const final = await host.durable.waitForCompletion(instanceId, 10 * 60_000);
  const elapsedMs = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const dbBytes =
    statSync(join(dataDir, 'durable.db')).size +
    (existsSync(join(dataDir, 'durable.db-wal')) ? statSync(join(dataDir, 'durable.db-wal')).size : 0);
  await host.stop();
  rmSync(dataDir, { recursive: true, force: true });

  if (final?.runtimeStatus !== 'Completed' || final.output !== String(items)) {
    throw new Error(
      `benchRoot ended ${final?.runtimeStatus ?? 'missing'} with output ${final?.output ?? 'none'}`,
    );
  }
  const perSecond = items / (elapsedMs / 1000);
  const lines = [
    `Local host benchmark: ${items} no-op activities in chunks of ${chunkSize} (${Math.ceil(items / chunkSize)} sub-orchestrations)`,
    `  wall time:                         ${(elapsedMs / 1000).toFixed(2)} s`,
    `  throughput:                        ${perSecond.toFixed(0)} activities/s`,
    `  median activity invocation (host): ${median(activityTimes).toFixed(3)} ms (p95 ${percentile(activityTimes, 95).toFixed(3)} ms)`,
    `  host time per activity (amortised): ${((elapsedMs * 1000) / items).toFixed(0)} µs`,
    `  orchestrator episodes:             ${episodeTimes.length} (median ${median(episodeTimes).toFixed(2)} ms, p95 ${percentile(episodeTimes, 95).toFixed(2)} ms)`,
    `  peak RSS:                          ${(peakRss / (1024 * 1024)).toFixed(0)} MB`,
    `  SQLite file + WAL at the end:      ${(dbBytes / (1024 * 1024)).toFixed(1)} MB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
