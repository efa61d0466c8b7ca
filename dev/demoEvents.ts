#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generateTenantSeed, type TenantSeed } from './graph-emulator';
import { percentile } from './bench/figures';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from './localStack';

/**
 * `npm run demo:events`: the automatic path, scripted, through the local host and the emulator. Nobody
 * calls the app's sync API: directory changes reach the phones through Graph events (Event Grid webhook)
 * and delta reconciliation. Exits non-zero on any mismatch; prints the change-to-phone latency of the
 * event path (p50, p95) and the Graph requests spent.
 *
 *   npm run demo:events [-- --latency off|realistic] [--users 200]
 */
const CLIENT_STATE = 'demo-events-client-state-01234';
const NOTIFICATION_URL =
  'EventGrid:?azuresubscriptionid=00000000-0000-0000-0000-00000000d3e0&resourcegroup=rg-mfa-demo&partnertopic=mfa-users&location=westeurope';

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
}

const digits = (text: string | null | undefined): string => (text ?? '').replace(/\D/g, '');
const number = (i: number): string => `+49 171 ${7_000_000 + i}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { latency: { type: 'string', default: 'realistic' }, users: { type: 'string', default: '200' } },
  });
  const seed: TenantSeed = generateTenantSeed({ users: Math.max(120, Number(values.users)), seed: 3 });
  const ids = seed.users.map((user) => user.id);
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'demo-events'),
    emulator: { seed, latency: values.latency === 'off' ? 'off' : 'realistic' },
    logLevel: 'debug',
    output: 'capture',
    settings: { EVENTS_CLIENT_STATE: CLIENT_STATE, EVENTS_NOTIFICATION_URL: NOTIFICATION_URL },
  });
  const control = stack.emulator.control;
  const webhook = (): string =>
    `${stack.host.ready.url}/runtime/webhooks/EventGrid?functionName=directoryEvents&code=${stack.host.ready.keys.masterKey}`;
  try {
    await control.setEventSink({ url: webhook() });
    process.stdout.write(
      `Tenant of ${ids.length} users; events and reconciliation on, sync API never called.\n`,
    );

    process.stdout.write('\n1. Subscription upkeep at start-up\n');
    const subscription = await until('the subscription', async () => (await control.subscriptions())[0]);
    check(
      subscription.resource === 'users' && subscription.changeType === 'updated,deleted',
      'users subscription created (updated,deleted)',
    );

    process.stdout.write('\n2. First reconciliation round (full), to start from a tenant in sync\n');
    const first = await reconcile(stack);
    check(first.fullRound === true, `full round: ${JSON.stringify(first.counts)}`);

    process.stdout.write('\n3. 50 attribute changes → phones follow through events\n');
    const fifty = ids.slice(0, 50);
    const changedAt = new Map<string, number>();
    for (const [i, id] of fifty.entries()) {
      changedAt.set(id, performance.now());
      await setAttribute(stack, id, number(i));
    }
    const latencies = await waitForPhones(
      stack,
      fifty.map((id, i) => ({ id, value: number(i), since: changedAt.get(id) ?? 0 })),
    );
    check(latencies.length === 50, `${latencies.length}/50 phones followed`);

    process.stdout.write('\n4. A forged event (wrong clientState)\n');
    const victim = ids[60] as string;
    const before = await mobileOf(stack, victim);
    // The attribute changes with its event dropped: only the forged event could make the phone move.
    await control.setEventDelivery({ dropChanges: true });
    await setAttribute(stack, victim, number(60));
    await control.setEventDelivery({ dropChanges: false });
    const forged = await fetch(webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify({
        id: 'forged-demo-event',
        type: 'Microsoft.Graph.UserUpdated',
        source: '/tenants/x/applications/y',
        subject: `Users/${victim}`,
        specversion: '1.0',
        data: {
          changeType: 'updated',
          clientState: 'not-the-secret',
          resource: `Users/${victim}`,
          resourceData: { id: victim },
        },
      }),
    });
    await sleep(1500);
    check(
      forged.status === 202 && (await mobileOf(stack, victim)) === before,
      'forged event acknowledged, nothing changed',
    );

    process.stdout.write('\n5. 20 changes to one user, 100 ms apart\n');
    const rapid = ids[61] as string;
    for (let i = 0; i < 20; i += 1) {
      await setAttribute(stack, rapid, number(100 + i));
      await sleep(100);
    }
    await waitForPhones(stack, [{ id: rapid, value: number(119), since: performance.now() }]);
    await control.flushEvents();
    await sleep(2000);
    const syncs = runsThatSynced(stack, rapid);
    check(digits(await mobileOf(stack, rapid)) === digits(number(119)), 'ends with the last value');
    check(syncs >= 1 && syncs <= 3, `${syncs} sync(s) of that user (1 to 3)`);

    process.stdout.write('\n6. Event delivery off: 30 changes, then reconciliation\n');
    // A round first, so the next one starts from a deltaLink taken after the changes of steps 3-5
    // (delta returns every change since its link, including those the events already synced).
    await control.setEventDelivery({ dropChanges: true });
    await reconcile(stack);
    const thirty = ids.slice(70, 100);
    for (const [i, id] of thirty.entries()) await setAttribute(stack, id, number(200 + i));
    const since = await control.lastRequestSeq();
    const round = await reconcile(stack);
    await control.setEventDelivery({ dropChanges: false });
    let repaired = 0;
    for (const [i, id] of thirty.entries())
      if (digits(await mobileOf(stack, id)) === digits(number(200 + i))) repaired += 1;
    check(repaired === 30 && round.fullRound === false, `${repaired}/30 repaired by a delta round`);
    const touched = await usersTouched(stack, since);
    const thirtySet = new Set(thirty);
    check(
      [...touched].every((id) => thirtySet.has(id)),
      `no other user read one by one (${touched.size} users touched)`,
    );

    process.stdout.write('\n7. 410 on the delta link → full resync\n');
    await control.forceDeltaResync();
    const resync = await reconcile(stack);
    check(resync.fullRound === true, 'the round started over as a full round');

    process.stdout.write('\n8. A subscription near expiry is renewed\n');
    const current = (await control.subscriptions())[0];
    await graphPatch(stack, `/subscriptions/${current?.id ?? ''}`, {
      expirationDateTime: new Date(Date.now() + 5 * 3_600_000).toISOString(),
    });
    await fetch(
      `${stack.host.ready.url}/admin/functions/subscriptionUpkeep?code=${stack.host.ready.keys.masterKey}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: '' }),
      },
    );
    const renewed = await until('the renewal', async () => {
      const sub = (await control.subscriptions())[0];
      return sub !== undefined && Date.parse(sub.expirationDateTime) > Date.now() + 20 * 86_400_000
        ? sub
        : undefined;
    });
    check(renewed.id === current?.id, `renewed to ${renewed.expirationDateTime}`);

    process.stdout.write('\n9. Graph asks for reauthorization\n');
    await control.requireReauthorization(renewed.id, { pause: true });
    await until('the reauthorization', async () => {
      const sub = (await control.subscriptions())[0];
      return sub !== undefined &&
        sub.paused === false &&
        sub.expirationDateTime !== renewed.expirationDateTime
        ? true
        : undefined;
    });
    const after = ids[110] as string;
    await setAttribute(stack, after, number(300));
    const resumed = await waitForPhones(stack, [{ id: after, value: number(300), since: performance.now() }]);
    check(resumed.length === 1, 'reauthorized and renewed; events flow again');

    const requests = await control.allRequests();
    const graph = requests.filter((entry) => entry.channel === 'graph');
    const byKind = new Map<string, number>();
    for (const entry of graph) {
      const kind = `${entry.method} ${entry.path.replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/g, '{id}')}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    process.stdout.write(
      `\nChange-to-phone latency over the event path (${latencies.length} users, latency ${values.latency}): ` +
        `p50 ${Math.round(percentile(latencies, 0.5))} ms, p95 ${Math.round(percentile(latencies, 0.95))} ms\n`,
    );
    process.stdout.write(`Graph requests spent: ${graph.length}\n`);
    for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1]))
      process.stdout.write(`  ${String(count).padStart(6)}  ${kind}\n`);
    if (failures.length > 0) {
      process.stdout.write(`\n${failures.length} check(s) failed.\n`);
      process.exitCode = 1;
    } else process.stdout.write('\nAll checks passed.\n');
  } finally {
    await stack.stop();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

async function setAttribute(stack: LocalStack, id: string, value: string): Promise<void> {
  await stack.emulator.control.updateUser(id, {
    onPremisesExtensionAttributes: { extensionAttribute15: value },
  });
}

async function mobileOf(stack: LocalStack, id: string): Promise<string | undefined> {
  const user = await stack.emulator.control.getUser(id);
  return user?.phoneMethods.find((method) => method.phoneType === 'mobile')?.phoneNumber;
}

/** Polls until every user's phone holds its value; returns the change-to-phone latencies in ms. */
async function waitForPhones(
  stack: LocalStack,
  wanted: { id: string; value: string; since: number }[],
): Promise<number[]> {
  const pending = new Map(wanted.map((entry) => [entry.id, entry]));
  const latencies: number[] = [];
  const deadline = Date.now() + 120_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const entry of [...pending.values()]) {
      if (digits(await mobileOf(stack, entry.id)) === digits(entry.value)) {
        latencies.push(performance.now() - entry.since);
        pending.delete(entry.id);
      }
    }
    if (pending.size > 0) await sleep(25);
  }
  return latencies;
}

function runsThatSynced(stack: LocalStack, id: string): number {
  const runs = new Set<string>();
  for (const line of stack.host.output.join('').split('\n')) {
    if (!line.includes(`user=${id}`)) continue;
    const match = /runId=(\S+)/.exec(line);
    if (match?.[1] !== undefined && !match[1].startsWith('reconcile')) runs.add(match[1]);
  }
  return runs.size;
}

interface RoundSummary {
  fullRound?: boolean;
  counts?: Record<string, number>;
}

async function reconcile(stack: LocalStack): Promise<RoundSummary> {
  const url = `${stack.apiUrl()}/reconcile?code=${stack.functionKey('reconcileStart')}`;
  const started = await fetch(url, { method: 'POST' });
  if (started.status !== 202) throw new Error(`POST /api/reconcile answered ${started.status}`);
  return until('the reconciliation round', async () => {
    const status = (await (await fetch(url)).json()) as {
      runtimeStatus: string;
      summary: RoundSummary | null;
    };
    if (status.runtimeStatus === 'Failed') throw new Error('the reconciliation round failed');
    return status.runtimeStatus === 'Completed' ? (status.summary ?? {}) : undefined;
  });
}

/** Users whose attribute or phone methods were read one by one since `since`. */
async function usersTouched(stack: LocalStack, since: number): Promise<Set<string>> {
  const touched = new Set<string>();
  for (const entry of await stack.emulator.control.requests({ since, limit: 100_000 })) {
    if (entry.channel !== 'graph') continue;
    const match = /^\/v1\.0\/users\/([0-9a-f-]{36})/.exec(entry.path);
    if (match?.[1] !== undefined) touched.add(match[1]);
  }
  return touched;
}

/** A Graph call as the app (the demo shortens the subscription's life to show the renewal). */
async function graphPatch(stack: LocalStack, path: string, body: unknown): Promise<void> {
  const token = (await stack.emulator.control.mintToken()).accessToken;
  const url = new URL(`${stack.settings['GRAPH_BASE_URL'] ?? ''}${path}`);
  const ca = readFileSync(stack.emulator.caCertificatePath);
  await new Promise<void>((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: 'PATCH',
        ca,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`PATCH ${path}: ${response.statusCode}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo:events failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
