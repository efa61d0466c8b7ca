import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type SyncClient } from '../../dev/syncClient';
import { type RunStatusView } from '../../lib/runs';
import { type SyncSummary } from '../../lib/sync/run';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * The product end to end on this machine: the compiled app in the local Functions host (a child process),
 * Graph and Entra from the emulator with the demo tenant. HTTP start → orchestration → emulator → status.
 */
interface SeedUser {
  userPrincipalName: string;
  expect?: { outcome: string; phoneNumber: string | null };
}
const SEED_PATH = join(PROJECT_ROOT, 'dev', 'graph-emulator', 'seeds', 'demo-tenant.json');
const seedUsers = (JSON.parse(readFileSync(SEED_PATH, 'utf8')) as { users: SeedUser[] }).users.filter(
  (u) => u.expect,
);
const upns = seedUsers.map((user) => user.userPrincipalName);
const expected = (outcome: string): number =>
  seedUsers.filter((user) => user.expect?.outcome === outcome).length;

let stack: LocalStack;
let client: SyncClient;

beforeAll(async () => {
  stack = await startLocalStack({
    dataDir,
    emulator: { seed: SEED_PATH, stateDir: process.env.EMULATOR_STATE_DIR, latency: 'off' },
    // Small chunks, two at a time: progress moves in visible steps even on a small tenant.
    settings: { SYNC_CHUNK_SIZE: '5', SYNC_PARALLEL_CHUNKS: '2' },
  });
  client = stack.client();
}, 120_000);

const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-product-${process.pid}`);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  // Whatever the host printed (one line per invocation, app logs) must not carry a full number.
  recordForPrivacyScan('host output', stack.host.output.splice(0).join(''));
});

async function writesSince(since: number): Promise<number> {
  const entries = await stack.emulator.control.requests({ since });
  return entries.filter(
    (entry) => entry.channel === 'graph' && entry.method !== 'GET' && entry.path.includes('phoneMethods'),
  ).length;
}

async function run(
  body: unknown,
  headers: Record<string, string> = {},
  query = '',
): Promise<{ id: string; view: RunStatusView; seen: RunStatusView[] }> {
  const submitted = await client.submit(body, headers, query);
  recordForPrivacyScan('submit answer', submitted.body);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const id = String(submitted.body.id);
  const seen: RunStatusView[] = [];
  const view = await client.waitForRun(id, { intervalMs: 25, onProgress: (status) => seen.push(status) });
  recordForPrivacyScan('status', seen);
  return { id, view, seen };
}

function summaryOf(view: RunStatusView): SyncSummary {
  expect(view.runtimeStatus, view.error ?? '').toBe('Completed');
  expect(view.summary).not.toBeNull();
  return view.summary as SyncSummary;
}

describe('end to end through the local host and the emulator', () => {
  it('dry-run reads everything, writes nothing, and says what it would do', async () => {
    const since = await stack.emulator.control.lastRequestSeq();
    const { view } = await run({ users: upns, dryRun: true });
    const summary = summaryOf(view);
    expect(summary.dryRun).toBe(true);
    expect(summary.counts.wouldCreate).toBe(expected('created') + expected('conflict'));
    expect(summary.counts.wouldUpdate).toBe(expected('updated'));
    expect(summary.counts.created + summary.counts.updated + summary.counts.removed).toBe(0);
    expect(await writesSince(since)).toBe(0);
    const anna = await stack.emulator.control.getUser('anna.schmidt@contoso.com');
    expect(anna?.phoneMethods).toEqual([]);
  });

  it('HTTP start → live progress → summary: every outcome and every resulting method as the seed expects', async () => {
    await stack.emulator.control.setLatency({
      read: { kind: 'fixed', ms: 30 },
      write: { kind: 'fixed', ms: 30 },
    });
    try {
      // The legacy runbook body, exactly as PowerShell sends it.
      const body = JSON.stringify(
        upns.map((upn) => ({ UserPrincipalName: upn })),
        null,
        4,
      ).replace(/\n/g, '\r\n');
      const { view, seen } = await run(body, { 'content-type': 'application/x-www-form-urlencoded' });
      const summary = summaryOf(view);

      const running = seen.filter((status) => status.runtimeStatus === 'Running' && status.progress !== null);
      expect(running.length).toBeGreaterThan(0);
      const done = running.map((status) => status.progress?.done ?? -1);
      expect(new Set(done).size).toBeGreaterThan(1); // progress moved while running
      expect(done.every((value) => value < upns.length)).toBe(true);
      expect(view.progress).toMatchObject({ stage: 'completed', done: upns.length, total: upns.length });

      for (const outcome of [
        'created',
        'updated',
        'unchanged',
        'skipped',
        'invalid',
        'notFound',
        'conflict',
      ]) {
        expect(summary.counts[outcome as keyof SyncSummary['counts']], outcome).toBe(expected(outcome));
      }
      for (const user of seedUsers) {
        const state = await stack.emulator.control.getUser(user.userPrincipalName);
        const mobile =
          state?.phoneMethods.find((method) => method.phoneType === 'mobile')?.phoneNumber ?? null;
        expect(mobile, user.userPrincipalName).toBe(user.expect?.phoneNumber ?? null);
      }
    } finally {
      await stack.emulator.control.setLatency('off');
    }
  });

  it('running the same batch again converges: nothing left to write', async () => {
    const since = await stack.emulator.control.lastRequestSeq();
    const summary = summaryOf((await run({ users: upns })).view);
    expect(summary.counts.created + summary.counts.updated + summary.counts.removed).toBe(0);
    expect(summary.counts.unchanged).toBe(
      expected('unchanged') + expected('created') + expected('updated') + expected('conflict'),
    );
    expect(await writesSince(since)).toBe(0);
  });

  it('the Service Bus door (fired through the admin API): one run per message id, redelivery starts nothing', async () => {
    await stack.emulator.control.setPhoneMethod('anna.schmidt@contoso.com', 'mobile', { phoneNumber: null });
    const fire = async (deliveryCount: number): Promise<number> => {
      const response = await fetch(
        `${stack.host.ready.url}/admin/functions/queueStart?code=${stack.host.ready.keys.masterKey}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            input: JSON.stringify({ users: ['anna.schmidt@contoso.com'] }),
            triggerMetadata: { MessageId: 'order-4711', DeliveryCount: deliveryCount },
          }),
        },
      );
      return response.status;
    };
    expect(await fire(1)).toBe(202);
    const first = await client.waitForRun('sb-order-4711');
    const summary = summaryOf(first);
    expect(summary).toMatchObject({ trigger: 'serviceBus', requester: 'serviceBus:order-4711' });
    expect(summary.counts.created).toBe(1);

    const since = await stack.emulator.control.lastRequestSeq();
    expect(await fire(2)).toBe(202);
    await sleep(500);
    const again = await client.status('sb-order-4711');
    expect(again.view?.createdTime).toBe(first.createdTime);
    expect(again.view?.lastUpdatedTime).toBe(first.lastUpdatedTime);
    expect(
      (await stack.emulator.control.requests({ since })).filter((entry) => entry.channel === 'graph'),
    ).toEqual([]);
  });

  it('an invalid Service Bus message fails its invocation with the problem named (so Service Bus retries, then dead-letters it)', async () => {
    const response = await fetch(
      `${stack.host.ready.url}/admin/functions/queueStart?code=${stack.host.ready.keys.masterKey}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          input: JSON.stringify({ users: ['../etc@contoso.com'] }),
          triggerMetadata: { MessageId: 'bad-1' },
        }),
      },
    );
    expect(response.status).toBe(202);
    await expect
      .poll(() => stack.host.output.join(''), { timeout: 10_000 })
      .toMatch(/queueStart.*(fail|error)/is);
    expect(stack.host.output.join('')).toMatch(/invalid sync request message/);
    expect((await client.status('sb-bad-1')).status).toBe(404);
  });

  it('answers invalid input with 4xx problem+json, through the real host', async () => {
    const bad = await client.submit('{"users": ["a/b@contoso.com"]}');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, errors: [{ pointer: '/users/0' }] });
    expect((await client.submit('not json at all')).status).toBe(400);
    expect((await client.submit('<users/>', { 'content-type': 'text/xml' })).status).toBe(415);
    expect((await client.status('run-does-not-exist')).status).toBe(404);
    // authLevel function: no key, no entry.
    const anonymous = await fetch(`${stack.apiUrl()}/sync`, {
      method: 'POST',
      body: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
  });

  it('an Idempotency-Key makes a retried submission find its run', async () => {
    const body = { users: ['ben.mueller@contoso.com'], dryRun: true };
    const first = await client.submit(body, { 'Idempotency-Key': 'e2e-retry-1' });
    const second = await client.submit(body, { 'Idempotency-Key': 'e2e-retry-1' });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body).toMatchObject({ id: first.body.id, status: 'alreadyAccepted' });
    expect(first.location).toBe(`${stack.apiUrl()}/sync/${String(first.body.id)}`);
  });
});
