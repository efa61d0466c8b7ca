#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTenantSeed, REALISTIC_LATENCY } from '../graph-emulator';
import { type RequestLogEntry } from '../graph-emulator/log/requestLog';
import { PROJECT_ROOT, startLocalStack } from '../localStack';
import { percentile, round, runBenchmark } from './figures';

/**
 * Benchmark (not a test) of issue 7 §7 / DESIGN.md §8: a user needing no write costs one Graph round trip of
 * latency. A dry-run (reads only) through the local host against the emulator's realistic latency preset;
 * compares the median activity time (`syncUserPhone`, as the host logs it) with the median of one read
 * (the attribute read, as the emulator timed it, its added latency included).
 *
 *   npm run bench:roundtrip [-- --users 2000] [--max-activities 2]
 *
 * Also pairs each user's two reads from the emulator's log: the median of the slower of the two (what
 * concurrent reads cost) and of their sum (what reading one after the other cost).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '2000' },
      // Activities at once in the host; low values measure a user's latency without queueing behind others.
      'max-activities': { type: 'string' },
    },
  });
  const maxActivities = values['max-activities'] === undefined ? undefined : Number(values['max-activities']);
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 10_000) throw new Error('--users: 1 to 10,000');
  const seed = generateTenantSeed({ users, seed: 11 });
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'bench-roundtrip'),
    // Graph's documented quotas stay on: a dry-run stays far inside the read budget.
    emulator: { seed, latency: 'realistic', requestLogSize: 100_000 },
    logLevel: 'info',
    output: 'capture',
    ...(maxActivities === undefined ? {} : { maxActivities }),
  });
  try {
    const client = stack.client();
    const started = performance.now();
    const submitted = await client.submit({
      users: seed.users.map((user) => user.userPrincipalName),
      dryRun: true,
    });
    if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
    const view = await client.waitForRun(String(submitted.body.id), {
      timeoutMs: 3_600_000,
      intervalMs: 500,
      toleratedErrors: 20,
    });
    const wallMs = performance.now() - started;
    if (view.runtimeStatus !== 'Completed' || view.summary === null)
      throw new Error(`run ended ${view.runtimeStatus}`);

    const activityMs = invocationDurations(stack.host.output.join(''), 'syncUserPhone');
    const log = (await stack.emulator.control.allRequests()).filter((entry) => entry.channel === 'graph');
    const attributeReads = log.filter((entry) => entry.method === 'GET' && isAttributeRead(entry.path));
    const methodReads = log.filter((entry) => entry.method === 'GET' && isMethodsRead(entry.path));
    const pairs = pairByUser(attributeReads, methodReads);
    const oneRead = percentile(
      attributeReads.map((entry) => entry.durationMs),
      0.5,
    );
    const medianActivity = percentile(activityMs, 0.5);
    const figures = {
      users,
      latency: 'realistic',
      maxActivities: maxActivities ?? 'host default',
      readLatencyPreset: REALISTIC_LATENCY.read,
      wallSeconds: round(wallMs / 1000),
      graphRequests: log.length,
      graphRequestsPerUser: Math.round((log.length / users) * 100) / 100,
      medianOneReadMs: oneRead,
      medianActivityMs: medianActivity,
      activityOverOneRead: Math.round((medianActivity / Math.max(1, oneRead)) * 100) / 100,
      p95ActivityMs: percentile(activityMs, 0.95),
      usersWithBothReads: pairs.length,
      medianSlowerOfTheTwoReadsMs: percentile(
        pairs.map(([a, b]) => Math.max(a, b)),
        0.5,
      ),
      medianSumOfTheTwoReadsMs: percentile(
        pairs.map(([a, b]) => a + b),
        0.5,
      ),
      counts: Object.fromEntries(Object.entries(view.summary.counts).filter(([, count]) => count > 0)),
      bars: {
        activityAtMost1_3xOneRead: medianActivity <= 1.3 * oneRead,
        graphRequestsPerUserAtMost2: log.length / users <= 2,
      },
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

/** `/v1.0/users/<key>?$select=…` (the attribute read; the key may be `users('…')`). */
function isAttributeRead(path: string): boolean {
  return (
    /\/users[/(][^/?]*\?.*\$select=/i.test(decodeURIComponent(path)) && !path.includes('/authentication')
  );
}

function isMethodsRead(path: string): boolean {
  return /\/authentication\/phoneMethods(\?|$)/i.test(path);
}

/** The user key in a request path, lower case, so the two reads of one user find each other. */
function userKeyOf(path: string): string {
  const match = /\/users(?:\/|\(')([^/?']+)/i.exec(path);
  return decodeURIComponent(match?.[1] ?? '').toLowerCase();
}

/** [attribute read ms, methods read ms] per user that has exactly one of each. */
function pairByUser(attributeReads: RequestLogEntry[], methodReads: RequestLogEntry[]): [number, number][] {
  const methods = new Map<string, number[]>();
  for (const entry of methodReads) {
    const key = userKeyOf(entry.path);
    methods.set(key, [...(methods.get(key) ?? []), entry.durationMs]);
  }
  const pairs: [number, number][] = [];
  for (const entry of attributeReads) {
    const found = methods.get(userKeyOf(entry.path));
    if (found?.length === 1 && found[0] !== undefined) pairs.push([entry.durationMs, found[0]]);
  }
  return pairs;
}

/** Durations the host logged for one function (`Executed 'Functions.<name>' (..., Duration=<n>ms)`). */
function invocationDurations(log: string, functionName: string): number[] {
  const pattern = new RegExp(`Executed 'Functions\\.${functionName}' \\([^)]*Duration=(\\d+)ms\\)`, 'g');
  return [...log.matchAll(pattern)].map((match) => Number(match[1]));
}

runBenchmark(main);
