#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generateTenantSeed } from '../graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../localStack';
import { percentile, round, runBenchmark } from './figures';

/**
 * Benchmark (not a test) of the automatic path, through the local host, Graph's quotas on:
 *
 *   node dist/dev/bench/reconcileRun.js [--users 100000] [--write] [--latency off|realistic]
 *     the first (full) delta reconciliation of a generated tenant: wall time, Graph requests per user,
 *     host peak RSS. Dry-run unless --write.
 *   node dist/dev/bench/reconcileRun.js --burst 2000 [--users 10000] [--latency realistic] [--window 1000]
 *     the event path: that many users change at once; change-to-phone latency (p50/p95) from each change
 *     to its phone write in the emulator's log.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '100000' },
      write: { type: 'boolean', default: false },
      latency: { type: 'string', default: 'off' },
      burst: { type: 'string' },
      // EVENTS_BATCH_WINDOW_MS for the burst (default: the app's 1000).
      window: { type: 'string' },
    },
  });
  const users = Number(values.users);
  const seed = generateTenantSeed({ users, seed: 13 });
  const burst = values.burst === undefined ? undefined : Number(values.burst);
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'bench-reconcile'),
    emulator: {
      seed,
      latency: values.latency === 'realistic' ? 'realistic' : 'off',
      // The request log keeps the burst's writes for the latency figures.
      requestLogSize: 200_000,
    },
    logLevel: 'warn',
    output: 'capture',
    settings:
      burst === undefined
        ? {}
        : {
            EVENTS_CLIENT_STATE: 'bench-client-state-0123456789',
            ...(values.window === undefined ? {} : { EVENTS_BATCH_WINDOW_MS: values.window }),
            EVENTS_NOTIFICATION_URL:
              'EventGrid:?azuresubscriptionid=00000000-0000-0000-0000-0000000be4c0&resourcegroup=rg&partnertopic=bench&location=westeurope',
          },
  });
  try {
    const figures =
      burst === undefined
        ? await fullRound(stack, users, values.write)
        : await eventBurst(stack, seed, burst);
    process.stdout.write(
      `${JSON.stringify({ ...figures, latency: values.latency, hostPeakRssMb: peakRssMb(stack.host.pid) }, null, 2)}\n`,
    );
  } finally {
    await stack.stop();
  }
}

async function fullRound(stack: LocalStack, users: number, write: boolean): Promise<Record<string, unknown>> {
  const url = `${stack.apiUrl()}/reconcile?code=${stack.functionKey('reconcileStart')}`;
  const before = await stack.emulator.control.lastRequestSeq();
  const started = performance.now();
  const answer = await fetch(`${url}&dryRun=${!write}`, { method: 'POST' });
  if (answer.status !== 202) throw new Error(`POST /api/reconcile answered ${answer.status}`);
  const summary = await roundSummary(url);
  const wallSeconds = (performance.now() - started) / 1000;
  const requests = (await stack.emulator.control.lastRequestSeq()) - before;
  const counts = summary?.counts ?? {};
  const writes = (counts['created'] ?? 0) + (counts['updated'] ?? 0) + (counts['removed'] ?? 0);
  // Each write costs itself plus the post-write attribute re-read.
  const writeCost = 2 * writes;
  return {
    mode: write ? 'write' : 'dry-run',
    users,
    wallSeconds: round(wallSeconds),
    usersPerSecond: round(users / wallSeconds),
    pages: summary?.pages,
    graphRequests: requests,
    graphRequestsPerUser: Math.round((requests / users) * 1000) / 1000,
    graphRequestsPerUserBesidesWrites: Math.round(((requests - writeCost) / users) * 1000) / 1000,
    counts,
  };
}

interface RoundSummary {
  pages?: number;
  counts?: Record<string, number>;
}

async function roundSummary(url: string): Promise<RoundSummary | null> {
  for (;;) {
    const status = (await (await fetch(url)).json()) as {
      runtimeStatus: string;
      summary: RoundSummary | null;
    };
    if (status.runtimeStatus === 'Failed') throw new Error('the round failed');
    if (status.runtimeStatus === 'Completed') return status.summary;
    await sleep(500);
  }
}

async function eventBurst(
  stack: LocalStack,
  seed: ReturnType<typeof generateTenantSeed>,
  burst: number,
): Promise<Record<string, unknown>> {
  const control = stack.emulator.control;
  const ready = stack.host.ready;
  await control.setEventSink({
    url: `${ready.url}/runtime/webhooks/EventGrid?functionName=directoryEvents&code=${ready.keys.masterKey}`,
  });
  for (;;) {
    if ((await control.subscriptions()).length > 0) break;
    await sleep(100);
  }
  const ids = seed.users.slice(0, burst).map((user) => user.id);
  const changedAt = new Map<string, number>();
  const since = await control.lastRequestSeq();
  const started = Date.now();
  await Promise.all(
    chunks(ids, 50).map(async (part, offset) => {
      for (const [i, id] of part.entries()) {
        changedAt.set(id, Date.now());
        await control.updateUser(id, {
          onPremisesExtensionAttributes: { extensionAttribute15: `+49 172 ${8_000_000 + offset * 1000 + i}` },
        });
      }
    }),
  );
  const written = new Map<string, number>();
  const deadline = Date.now() + 1_800_000;
  while (written.size < ids.length && Date.now() < deadline) {
    await sleep(1000);
    for (const entry of await control.requests({ since, limit: 200_000 })) {
      if (entry.channel !== 'graph' || (entry.method !== 'POST' && entry.method !== 'PATCH')) continue;
      const match = /^\/v1\.0\/users\/([0-9a-f-]{36})\/authentication\/phoneMethods/.exec(entry.path);
      if (match?.[1] !== undefined && changedAt.has(match[1])) written.set(match[1], Date.parse(entry.time));
    }
  }
  const latencies = [...written].map(([id, at]) => at - (changedAt.get(id) ?? at));
  return {
    mode: 'eventBurst',
    burst,
    phonesWritten: written.size,
    wallSeconds: round((Math.max(...written.values()) - started) / 1000),
    p50ChangeToPhoneMs: percentile(latencies, 0.5),
    p95ChangeToPhoneMs: percentile(latencies, 0.95),
    graphRequests: (await control.lastRequestSeq()) - since,
  };
}

function chunks<T>(items: readonly T[], count: number): T[][] {
  const size = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, i) => items.slice(i * size, (i + 1) * size)).filter(
    (part) => part.length > 0,
  );
}

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
