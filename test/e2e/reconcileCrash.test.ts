import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTenantSeed, type TenantSeed } from '../../dev/graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { auditAgainstSeed } from '../support/seedAudit';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * Delta reconciliation survives a killed host: the round's page link lives in the orchestration's input
 * (continueAsNew per page), so after a SIGKILL and restart the round goes on from the saved link, not
 * from scratch, and every user still ends right.
 */
const USERS = 300;
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-reconcile-crash-${process.pid}`);
let stack: LocalStack;

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface ReconcileStatus {
  runtimeStatus: string;
  progress: { pages?: number } | null;
  summary: { fullRound?: boolean; pages?: number; counts?: Record<string, number> } | null;
}

async function status(): Promise<ReconcileStatus> {
  const url = `${stack.apiUrl()}/reconcile?code=${stack.functionKey('reconcileStart')}`;
  return (await (await fetch(url)).json()) as ReconcileStatus;
}

async function start(): Promise<void> {
  const url = `${stack.apiUrl()}/reconcile?code=${stack.functionKey('reconcileStart')}`;
  expect((await fetch(url, { method: 'POST' })).status).toBe(202);
}

async function completed(): Promise<ReconcileStatus> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const current = await status();
    if (current.runtimeStatus === 'Completed') return current;
    expect(current.runtimeStatus).not.toBe('Failed');
    if (Date.now() > deadline) throw new Error('the round did not complete');
    await sleep(100);
  }
}

describe('reconciliation and a killed host', () => {
  it('resumes a round from the saved delta page link after kill -9 and loses no change', async () => {
    const seed: TenantSeed = generateTenantSeed({ users: USERS, seed: 11 });
    stack = await startLocalStack({
      dataDir,
      emulator: {
        seed,
        pageSize: 10,
        latency: { read: { kind: 'fixed', ms: 30 }, write: { kind: 'fixed', ms: 30 } },
      },
      settings: { GRAPH_WRITES_PER_150S: '2900' },
    });
    await start();
    for (;;) {
      const current = await status();
      expect(current.runtimeStatus, 'the round finished before the kill').not.toBe('Completed');
      if ((current.progress?.pages ?? 0) >= 5) break;
      await sleep(50);
    }
    await stack.host.kill('SIGKILL');
    const afterKill = await stack.emulator.control.lastRequestSeq();
    await stack.host.start();

    const done = await completed();
    expect(done.summary?.fullRound).toBe(true);
    // Resumed: no new initial delta request (`$select` is sent only when a round starts from scratch).
    const resumed = await stack.emulator.control.requests({ since: afterKill, limit: 100_000 });
    const deltaCalls = resumed.filter((entry) => entry.path.startsWith('/v1.0/users/delta'));
    expect(deltaCalls.length).toBeGreaterThan(0);
    expect(deltaCalls.filter((entry) => entry.path.includes('$select'))).toEqual([]);

    const { problems } = await auditAgainstSeed(seed, stack.emulator.control);
    expect(problems).toEqual([]);

    // The next round starts from the deltaLink: it syncs the changed user only.
    const user = seed.users[0];
    await stack.emulator.control.updateUser(user?.id ?? '', {
      onPremisesExtensionAttributes: { extensionAttribute15: '+49 171 7654321' },
    });
    await start();
    const next = await completed();
    expect(next.summary?.fullRound).toBe(false);
    const mobile = (await stack.emulator.control.getUser(user?.id ?? ''))?.phoneMethods.find(
      (method) => method.phoneType === 'mobile',
    );
    expect(mobile?.phoneNumber).toBe('+49 1717654321');
    recordForPrivacyScan('host output', stack.host.output.join(''));
  }, 360_000);
});
