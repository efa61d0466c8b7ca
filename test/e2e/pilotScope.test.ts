import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenantSeed, type TenantSeed } from '../../dev/graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';

/**
 * Pilot scope (SYNC_PILOT_GROUP_ID): events and reconciliation sync only transitive members of the group;
 * an explicit HTTP batch syncs what it is given.
 */
const CLIENT_STATE = 'pilot-client-state-0123456789';
const NOTIFICATION_URL =
  'EventGrid:?azuresubscriptionid=00000000-0000-0000-0000-000000000002&resourcegroup=rg-mfa&partnertopic=pilot&location=westeurope';
const PILOT = '7e6d5c4b-3a2f-4e1d-8c0b-9a8f7e6d5c4b';
const NESTED = '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-pilot-${process.pid}`);
let stack: LocalStack;
let seed: TenantSeed;

const number = (i: number): string => `+49 171 ${6_000_000 + i}`;
const digits = (text: string | null | undefined): string => (text ?? '').replace(/\D/g, '');

async function mobileOf(userId: string): Promise<string | undefined> {
  const user = await stack.emulator.control.getUser(userId);
  return user?.phoneMethods.find((method) => method.phoneType === 'mobile')?.phoneNumber;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

function outOfScopeLogged(): number {
  let total = 0;
  for (const match of stack.host.output.join('').matchAll(/event run started .*outOfScope=(\d+)/g)) {
    total += Number(match[1]);
  }
  for (const match of stack.host.output.join('').matchAll(/outside the pilot group: no run users=(\d+)/g)) {
    total += Number(match[1]);
  }
  return total;
}

beforeAll(async () => {
  seed = generateTenantSeed({ users: 30, seed: 5 });
  // Group membership needs GroupMember.Read.All on the app's identity (README "Pilot scope").
  for (const app of seed.applications ?? []) {
    if (app.kind === 'managedIdentity') app.appRoles = [...app.appRoles, 'GroupMember.Read.All'];
  }
  stack = await startLocalStack({
    dataDir,
    emulator: { seed, latency: 'off' },
    logLevel: 'info',
    settings: {
      EVENTS_CLIENT_STATE: CLIENT_STATE,
      EVENTS_NOTIFICATION_URL: NOTIFICATION_URL,
      EVENTS_BATCH_WINDOW_MS: '500',
      SYNC_PILOT_GROUP_ID: PILOT,
    },
  });
  const ready = stack.host.ready;
  await stack.emulator.control.setEventSink({
    url: `${ready.url}/runtime/webhooks/EventGrid?functionName=directoryEvents&code=${ready.keys.masterKey}`,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pilot scope', () => {
  it('syncs only transitive members of the pilot group on events; HTTP batches are unaffected', async () => {
    const ids = seed.users.map((user) => user.id as string);
    const members = ids.slice(0, 4);
    const outsiders = ids.slice(4, 8);
    await stack.emulator.control.putGroup(NESTED, { members: members.slice(2) });
    await stack.emulator.control.putGroup(PILOT, { members: [...members.slice(0, 2), NESTED] });
    await until('the subscription', async () => (await stack.emulator.control.subscriptions()).length === 1);

    const before = new Map<string, string | undefined>();
    for (const id of outsiders) before.set(id, await mobileOf(id));
    const changed = [...members, ...outsiders];
    for (const [i, id] of changed.entries()) {
      await stack.emulator.control.updateUser(id, {
        onPremisesExtensionAttributes: { extensionAttribute15: number(i) },
      });
    }
    for (const [i, id] of members.entries()) {
      await until(`member ${i} to follow`, async () => digits(await mobileOf(id)) === digits(number(i)));
    }
    await stack.emulator.control.flushEvents();
    await until(
      'the outsiders to be reported out of scope',
      async () => outOfScopeLogged() >= outsiders.length,
    );
    for (const id of outsiders) expect(await mobileOf(id)).toBe(before.get(id));

    // An explicit batch names its users: the pilot group does not apply.
    const outsider = outsiders[0] as string;
    const submitted = await stack.client().submit({ users: [outsider] });
    expect(submitted.status).toBe(202);
    const view = await stack.client().waitForRun(String(submitted.body.id));
    expect(view.runtimeStatus).toBe('Completed');
    expect(digits(await mobileOf(outsider))).toBe(digits(number(members.length)));
  }, 120_000);
});
