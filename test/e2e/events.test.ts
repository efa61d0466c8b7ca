import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type ControlUser } from '../../dev/graph-emulator/control/types';

/**
 * The automatic path end to end: Graph change events (emulator → Event Grid webhook of the local host →
 * directoryEvents → runs), subscription upkeep at start-up, reauthorization, and delta reconciliation.
 * No test calls the app's sync API: phones follow directory changes on their own.
 */
const CLIENT_STATE = 'e2e-client-state-0123456789';
const NOTIFICATION_URL =
  'EventGrid:?azuresubscriptionid=00000000-0000-0000-0000-000000000001&resourcegroup=rg-mfa&partnertopic=mfa-users&location=westeurope';
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-events-${process.pid}`);

let stack: LocalStack;
let users: ControlUser[];

async function pointSinkAtHost(): Promise<void> {
  const ready = stack.host.ready;
  await stack.emulator.control.setEventSink({
    url: `${ready.url}/runtime/webhooks/EventGrid?functionName=directoryEvents&code=${ready.keys.masterKey}`,
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

const digits = (text: string | undefined): string => (text ?? '').replace(/\D/g, '');
const number = (i: number): string => `+49 171 ${5_000_000 + i}`;

async function mobileOf(userId: string): Promise<string | undefined> {
  const user = await stack.emulator.control.getUser(userId);
  return user?.phoneMethods.find((method) => method.phoneType === 'mobile')?.phoneNumber;
}

async function setAttribute(userId: string, value: string): Promise<void> {
  await stack.emulator.control.updateUser(userId, {
    onPremisesExtensionAttributes: { extensionAttribute15: value },
  });
}

async function phoneFollows(userId: string, value: string): Promise<void> {
  await until(`the phone of ${userId} to follow`, async () =>
    digits(await mobileOf(userId)) === digits(value) ? true : undefined,
  );
}

function postEvent(event: unknown): Promise<Response> {
  const ready = stack.host.ready;
  return fetch(
    `${ready.url}/runtime/webhooks/EventGrid?functionName=directoryEvents&code=${ready.keys.masterKey}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify(event),
    },
  );
}

function userEvent(id: string, userId: string, clientState: string): Record<string, unknown> {
  return {
    id,
    type: 'Microsoft.Graph.UserUpdated',
    source: '/tenants/t/applications/a',
    subject: `Users/${userId}`,
    time: new Date().toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    data: { changeType: 'updated', clientState, resource: `Users/${userId}`, resourceData: { id: userId } },
  };
}

/** Distinct runs that synced this user, from the activity's log lines (`runId=… user=…`). */
function runsThatSynced(userId: string): Set<string> {
  const runs = new Set<string>();
  for (const line of stack.host.output.join('').split('\n')) {
    if (!line.includes(`user=${userId}`)) continue;
    const match = /runId=(\S+)/.exec(line);
    if (match?.[1] !== undefined) runs.add(match[1]);
  }
  return runs;
}

async function reconcile(): Promise<Record<string, unknown>> {
  const url = `${stack.apiUrl()}/reconcile?code=${stack.functionKey('reconcileStart')}`;
  const started = await fetch(url, { method: 'POST' });
  expect(started.status).toBe(202);
  expect(((await started.json()) as { kind: string }).kind).toBe('started');
  return until('the reconciliation round to complete', async () => {
    const status = (await (await fetch(url)).json()) as {
      runtimeStatus: string;
      summary: Record<string, unknown>;
    };
    if (status.runtimeStatus === 'Failed') throw new Error('reconciliation failed');
    return status.runtimeStatus === 'Completed' ? status.summary : undefined;
  });
}

async function graphReadsSince(since: number): Promise<{ userReads: Set<string>; methodReads: Set<string> }> {
  const entries = await stack.emulator.control.requests({ since, limit: 100_000 });
  const userReads = new Set<string>();
  const methodReads = new Set<string>();
  for (const entry of entries) {
    if (entry.channel !== 'graph' || entry.method !== 'GET') continue;
    const phone = /^\/v1\.0\/users\/([^/?]+)\/authentication\/phoneMethods/.exec(entry.path);
    if (phone?.[1] !== undefined) methodReads.add(phone[1]);
    const user = /^\/v1\.0\/users\/([0-9a-f-]{36})(\?|$)/.exec(entry.path);
    if (user?.[1] !== undefined) userReads.add(user[1]);
  }
  return { userReads, methodReads };
}

beforeAll(async () => {
  stack = await startLocalStack({
    dataDir,
    emulator: { seed: { generate: { users: 60 } }, latency: 'off' },
    logLevel: 'debug',
    settings: {
      EVENTS_CLIENT_STATE: CLIENT_STATE,
      EVENTS_NOTIFICATION_URL: NOTIFICATION_URL,
      EVENTS_BATCH_WINDOW_MS: '1000',
    },
  });
  await pointSinkAtHost();
  users = (await stack.emulator.control.listUsers({ top: 100 })).value.filter((user) => !user.softDeleted);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('automatic sync on directory changes', () => {
  it('creates the users subscription at start-up, with the settings of the app', async () => {
    const subscriptions = await until('the subscription', async () => {
      const list = await stack.emulator.control.subscriptions();
      return list.length > 0 ? list : undefined;
    });
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({ resource: 'users', notificationUrl: NOTIFICATION_URL });
  });

  it('makes phones follow attribute changes with no call to the app', async () => {
    const changed = users.slice(0, 10);
    await Promise.all(changed.map((user, i) => setAttribute(user.id, number(i))));
    await Promise.all(changed.map((user, i) => phoneFollows(user.id, number(i))));
  }, 120_000);

  it('ignores an event with a wrong clientState', async () => {
    const user = users[10] as ControlUser;
    const before = await mobileOf(user.id);
    await stack.emulator.control.setEventSink(null);
    await setAttribute(user.id, number(100));
    await pointSinkAtHost();
    const forged = await postEvent(userEvent('forged-1', user.id, 'not-the-client-state-at-all'));
    expect(forged.status).toBe(202);
    // Log lines reach the captured output a moment after the answer.
    await until('the warning', async () =>
      /wrong clientState ignored eventId=forged-1/.test(stack.host.output.join('')) ? true : undefined,
    );
    expect(runsThatSynced(user.id).size).toBe(0);
    expect(await mobileOf(user.id)).toBe(before);
  });

  it('syncs once for the same event delivered three times', async () => {
    const user = users[10] as ControlUser;
    for (let i = 0; i < 3; i += 1) {
      const answer = await postEvent(userEvent('repeated-1', user.id, CLIENT_STATE));
      expect(answer.status).toBe(202);
    }
    await phoneFollows(user.id, number(100));
    await until('the sync log line', async () => (runsThatSynced(user.id).size > 0 ? true : undefined));
    // Every run these deliveries could have started was started before the last 202; give their logs
    // time to arrive before counting.
    await sleep(1500);
    expect(runsThatSynced(user.id).size).toBe(1);
  });

  it('ends 20 rapid changes to one user with the last value and at most 3 syncs', async () => {
    const user = users[11] as ControlUser;
    for (let i = 0; i < 20; i += 1) {
      await setAttribute(user.id, number(200 + i));
      await sleep(100);
    }
    await phoneFollows(user.id, number(219));
    await stack.emulator.control.flushEvents();
    await sleep(1500);
    // At least one sync (the per-user lines are Debug: this stack logs at debug), at most three.
    expect(runsThatSynced(user.id).size).toBeGreaterThanOrEqual(1);
    expect(runsThatSynced(user.id).size).toBeLessThanOrEqual(3);
    expect(digits(await mobileOf(user.id))).toBe(digits(number(219)));
  }, 60_000);

  it('reauthorizes and renews the subscription when Graph asks, and events flow again', async () => {
    const [subscription] = await stack.emulator.control.subscriptions();
    expect(subscription).toBeDefined();
    const id = subscription?.id ?? '';
    await stack.emulator.control.requireReauthorization(id, { pause: true });
    await until('the renewal', async () => {
      const [now] = await stack.emulator.control.subscriptions();
      return now !== undefined && now.expirationDateTime !== subscription?.expirationDateTime
        ? true
        : undefined;
    });
    const user = users[12] as ControlUser;
    await setAttribute(user.id, number(300));
    await phoneFollows(user.id, number(300));
  }, 60_000);

  it('reconciles what events missed, reading no attribute one by one, and resyncs after a 410', async () => {
    // First round: a full one (everything in scope is synced from the values delta returned).
    const first = await reconcile();
    expect(first['fullRound']).toBe(true);

    await stack.emulator.control.setEventSink(null);
    const missed = users.slice(20, 30);
    await Promise.all(missed.map((user, i) => setAttribute(user.id, number(400 + i))));
    const since = await stack.emulator.control.lastRequestSeq();
    const second = await reconcile();
    expect(second['fullRound']).toBe(false);
    for (const [i, user] of missed.entries())
      expect(digits(await mobileOf(user.id))).toBe(digits(number(400 + i)));
    const reads = await graphReadsSince(since);
    const missedIds = new Set(missed.map((user) => user.id));
    // Only the changed users are touched; their attribute is read once more only after a write.
    expect([...reads.methodReads].every((id) => missedIds.has(id))).toBe(true);
    expect([...reads.userReads].every((id) => missedIds.has(id))).toBe(true);

    await stack.emulator.control.forceDeltaResync();
    const third = await reconcile();
    expect(third['fullRound']).toBe(true);
    await pointSinkAtHost();
  }, 180_000);
});
