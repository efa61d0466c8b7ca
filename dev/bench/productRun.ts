#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTenantSeed } from '../graph-emulator';
import { type DeliverySnapshot } from '../host/durable/deliveryStats';
import { type HostReady, PROJECT_ROOT, startLocalStack } from '../localStack';
import { percentile, round, runBenchmark } from './figures';

/**
 * Benchmark (not a test): one run of the whole product over a generated tenant through the local host,
 * emulator latency off, so what is measured is the host, the orchestration and the app, not Graph.
 *
 *   npm run build && node dist/dev/bench/productRun.js [--users 10000] [--write] [--setting NAME=VALUE ...]
 *
 * Dry-run by default: a real run's writes are paced by the client-side write limiter (2,880 / 150 s,
 * below Graph's quota) and would measure the limiter instead of the host.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      write: { type: 'boolean', default: false },
      // App settings to compare, e.g. --setting SYNC_CHUNK_SIZE=200.
      setting: { type: 'string', multiple: true, default: [] },
    },
  });
  const settings = Object.fromEntries(
    values.setting.map((entry) => {
      const at = entry.indexOf('=');
      if (at <= 0) throw new Error(`--setting expects NAME=VALUE, got '${entry}'`);
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  const users = Number(values.users);
  // The app refuses more than SYNC_MAX_USERS_PER_REQUEST users per request (default 10,000, at most
  // 100,000): a bigger benchmark raises the setting for its host unless told otherwise.
  if (users > 10_000 && settings['SYNC_MAX_USERS_PER_REQUEST'] === undefined)
    settings['SYNC_MAX_USERS_PER_REQUEST'] = String(users);
  const seed = generateTenantSeed({ users, seed: 11 });
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'bench-product'),
    emulator: { seed, latency: 'off', throttling: false },
    logLevel: 'info',
    output: 'capture',
    settings,
  });
  try {
    const client = stack.client();
    const started = performance.now();
    const submitted = await client.submit({
      users: seed.users.map((user) => user.userPrincipalName),
      dryRun: !values.write,
    });
    if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
    const view = await client.waitForRun(String(submitted.body.id), {
      timeoutMs: 3_600_000,
      intervalMs: 200,
    });
    const wallMs = performance.now() - started;
    if (view.runtimeStatus !== 'Completed' || view.summary === null)
      throw new Error(`run ended ${view.runtimeStatus}`);

    const hostPeakRssMb = peakRssMb(stack.host.pid);
    const activityMs = invocationDurations(stack.host.output.join(''), 'syncUserPhone');
    const orchestrationEpisodes = invocationDurations(
      stack.host.output.join(''),
      'syncPhoneNumbersChunk',
    ).length;
    const graphRequests = await stack.emulator.control.lastRequestSeq();
    const delivered = await deliveryStats(stack.host.ready);
    const perThousandUsers = 1000 / users;
    const figures = {
      users,
      mode: values.write ? 'write' : 'dry-run',
      wallSeconds: round(wallMs / 1000),
      usersPerSecond: round(users / (wallMs / 1000)),
      activitiesPerSecond: round(activityMs.length / (wallMs / 1000)),
      activityInvocations: activityMs.length,
      medianActivityMs: percentile(activityMs, 0.5),
      p95ActivityMs: percentile(activityMs, 0.95),
      chunkEpisodes: orchestrationEpisodes,
      orchestratorEpisodes: delivered.episodes,
      historyEventsPer1kUsers: round(delivered.historyEvents * perThousandUsers),
      historyMbPer1kUsers: Number(((delivered.bytes / 1_048_576) * perThousandUsers).toFixed(2)),
      largestEpisodeKb: round(delivered.largestEpisodeBytes / 1024),
      graphRequests,
      hostPeakRssMb,
      emulatorAndDriverPeakRssMb: round(process.resourceUsage().maxRSS / 1024),
      counts: Object.fromEntries(Object.entries(view.summary.counts).filter(([, count]) => count > 0)),
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

/** The host's replay cost since it started (local extension `GET /admin/durabletask/deliveryStats`). */
async function deliveryStats(host: HostReady): Promise<DeliverySnapshot> {
  const response = await fetch(`${host.url}/admin/durabletask/deliveryStats`, {
    headers: { 'x-functions-key': host.keys.masterKey },
  });
  if (!response.ok) throw new Error(`deliveryStats answered ${response.status}`);
  return (await response.json()) as DeliverySnapshot;
}

/** Durations the host logged for one function (`Executed 'Functions.<name>' (..., Duration=<n>ms)`). */
function invocationDurations(log: string, functionName: string): number[] {
  const pattern = new RegExp(`Executed 'Functions\\.${functionName}' \\([^)]*Duration=(\\d+)ms\\)`, 'g');
  return [...log.matchAll(pattern)].map((match) => Number(match[1]));
}

/** Peak resident set of a process (Linux `VmHWM`), in MB. */
function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

runBenchmark(main);
