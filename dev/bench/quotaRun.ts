#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  appSettingsFrom,
  exportManagedIdentityEndpoint,
  type TenantSeed,
  ensureCertificateAuthority,
  generateTenantSeed,
  startGraphEmulator,
} from '../graph-emulator';
import { PROJECT_ROOT, startLocalStack } from '../localStack';
import {
  countPerBucket,
  maxInWindow,
  successfulWriteTimes,
  percentile,
  round,
  runBenchmark,
} from './figures';
import { loadConfig } from '../../lib/config';
import { createGraphGateway } from '../../lib/graph/createGraphGateway';
import { createLogger } from '../../lib/log';
import { syncUser } from '../../lib/sync/syncUser';

/**
 * Benchmark (not a test) of DESIGN.md §8's performance bar: against the emulator with Graph's documented
 * quotas and realistic latency, a 10,000-user run (writes on) should sustain ≥ 95% of the quota-bound write
 * rate (3,000 writes / 150 s per app+tenant = 20/s) with < 2% of requests throttled, and run far ahead of the
 * legacy runbook's one-user-at-a-time algorithm at the same latency.
 *
 *   npm run bench:quota [-- --users 10000] [--baseline-seconds 60]
 *
 * The runbook baseline runs the product's own per-user logic (`syncUser`) strictly one user after another on
 * a fresh emulator with the same tenant and latency, for `--baseline-seconds`, and is extrapolated.
 */
const QUOTA_WRITES_PER_SECOND = 3_000 / 150;
const BUCKET_MS = 10_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      'baseline-seconds': { type: 'string', default: '60' },
    },
  });
  const users = Number(values.users);
  const baselineSeconds = Number(values['baseline-seconds']);
  if (!Number.isInteger(users) || users < 1 || users > 10_000) throw new Error('--users: 1 to 10,000');

  // The runbook baseline calls the emulator from this process, so this process must trust the emulator's CA;
  // Node reads NODE_EXTRA_CA_CERTS only at start, hence the re-exec.
  const caDir = join(PROJECT_ROOT, '.local', 'bench-quota-ca');
  const { caCertPath } = await ensureCertificateAuthority(caDir);
  if (process.env.NODE_EXTRA_CA_CERTS !== caCertPath) {
    const child = spawnSync(process.execPath, process.argv.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath, NO_PROXY: '127.0.0.1,localhost' },
    });
    process.exit(child.status ?? 1);
  }

  const seed = generateTenantSeed({ users, seed: 11 });
  const product = await productRun(seed, caDir);
  const baseline = await runbookRun(seed, caDir, baselineSeconds * 1000);

  const baselineUsersPerSecond = baseline.users / (baseline.ms / 1000);
  const productUsersPerSecond = users / (product.wallMs / 1000);
  const figures = {
    users,
    product: {
      wallSeconds: round(product.wallMs / 1000),
      usersPerSecond: round(productUsersPerSecond),
      writes: product.writes.length,
      writesPerSecondOverall: round(product.overallWriteRate),
      writesPerSecondSteady: round(product.steadyWriteRate),
      steadyShareOfQuota: `${round((product.steadyWriteRate / QUOTA_WRITES_PER_SECOND) * 100)}%`,
      maxWritesIn150s: product.maxWritesInWindow,
      graphRequests: product.graphRequests,
      throttled: product.throttled,
      throttledShare: `${round((product.throttled / Math.max(1, product.graphRequests)) * 100)}%`,
      counts: product.counts,
    },
    runbookBaseline: {
      usersMeasured: baseline.users,
      seconds: round(baseline.ms / 1000),
      usersPerSecond: round(baselineUsersPerSecond),
      extrapolatedSecondsFor: { users, seconds: Math.round(users / baselineUsersPerSecond) },
    },
    productSpeedupOverRunbook: `${round(productUsersPerSecond / baselineUsersPerSecond)}x`,
    bars: {
      steadyWriteRateAtLeast95PercentOfQuota: product.steadyWriteRate >= 0.95 * QUOTA_WRITES_PER_SECOND,
      throttledUnder2Percent: product.throttled / Math.max(1, product.graphRequests) < 0.02,
      neverOverQuotaIn150s: product.maxWritesInWindow <= 3_000,
    },
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}

interface ProductFigures {
  wallMs: number;
  writes: number[];
  overallWriteRate: number;
  steadyWriteRate: number;
  maxWritesInWindow: number;
  graphRequests: number;
  throttled: number;
  counts: Record<string, number>;
}

async function productRun(seed: TenantSeed, caDir: string): Promise<ProductFigures> {
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'bench-quota'),
    // Throttling on with the emulator's defaults: the documented quotas of graph.md §5.2.
    emulator: { seed, latency: 'realistic', stateDir: caDir, requestLogSize: 200_000 },
    output: 'capture',
  });
  try {
    const client = stack.client();
    const started = performance.now();
    const submitted = await client.submit({
      users: seed.users.map((user) => user.userPrincipalName),
      dryRun: false,
    });
    if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
    let shown = -1;
    const view = await client.waitForRun(String(submitted.body.id), {
      timeoutMs: 3_600_000,
      intervalMs: 1_000,
      onProgress: ({ progress }) => {
        if (progress === null || progress.done === shown) return;
        shown = progress.done;
        process.stderr.write(`\rproduct run: ${progress.done}/${progress.total} users`);
      },
    });
    process.stderr.write('\n');
    const wallMs = performance.now() - started;
    if (view.runtimeStatus !== 'Completed' || view.summary === null)
      throw new Error(`run ended ${view.runtimeStatus}`);

    const log = await stack.emulator.control.allRequests();
    const graph = log.filter((entry) => entry.channel === 'graph' || entry.channel === 'batchItem');
    const writes = successfulWriteTimes(graph);
    return {
      wallMs,
      writes,
      overallWriteRate: rateOver(writes),
      steadyWriteRate: steadyRate(writes),
      maxWritesInWindow: maxInWindow(writes, 150_000),
      graphRequests: graph.length,
      throttled: graph.filter((entry) => entry.status === 429).length,
      counts: Object.fromEntries(Object.entries(view.summary.counts).filter(([, count]) => count > 0)),
    };
  } finally {
    await stack.stop();
  }
}

/** The legacy runbook's shape: one user at a time, each read, planned and written before the next. */
async function runbookRun(
  seed: TenantSeed,
  caDir: string,
  budgetMs: number,
): Promise<{ users: number; ms: number }> {
  const emulator = await startGraphEmulator({ seed, latency: 'realistic', stateDir: caDir });
  try {
    const settings = appSettingsFrom(emulator.productSettings('managedIdentity'));
    exportManagedIdentityEndpoint(settings);
    const config = loadConfig(settings);
    const gateway = createGraphGateway(config.graph);
    const silent = createLogger({ debug: () => {}, info: () => {}, warn: () => {}, error: () => {} });
    const started = performance.now();
    let done = 0;
    for (const user of seed.users) {
      if (performance.now() - started >= budgetMs) break;
      await syncUser(
        {
          runId: 'runbook',
          user: user.userPrincipalName,
          dryRun: false,
          policy: config.policy,
          priority: 'low',
        },
        gateway,
        silent,
      );
      done += 1;
      process.stderr.write(`\rrunbook baseline: ${done} users`);
    }
    process.stderr.write('\n');
    return { users: done, ms: performance.now() - started };
  } finally {
    await emulator.stop();
  }
}

function rateOver(times: number[]): number {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || last === first) return 0;
  return (times.length - 1) / ((last - first) / 1000);
}

/**
 * The write rate the run sustains once the limiter's opening burst is spent and before the last users drain:
 * the median of 10-second buckets, leaving out the first and last two.
 */
function steadyRate(times: number[]): number {
  const middle = countPerBucket(times, BUCKET_MS).slice(2, -2);
  if (middle.length === 0) return rateOver(times);
  return percentile(middle, 0.5) / (BUCKET_MS / 1000);
}

runBenchmark(main);
