import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FaultKind, generateTenantSeed, type TenantSeed } from '../../dev/graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type SyncSummary } from '../../lib/sync/run';
import { recordForPrivacyScan } from '../support/privacyGuard';
import { auditAgainstSeed, expectedCount, usersNeedingWrites } from '../support/seedAudit';

/**
 * DESIGN.md §8, reliability: "injected 429/5xx/timeouts all converge". A run with writes over a tenant
 * whose Graph answers about one request in five with a fault (429 and 503 with Retry-After, 504 and
 * dropped connections, half of those after the write was applied, and responses slower than the app's
 * request timeout) must end exactly as a run without faults: every user in the right state, no wrong value
 * ever written, no user failed, and the summary exact.
 */
const USERS = 240;
const RATES: Partial<Record<FaultKind, number>> = {
  throttle: 0.03,
  unavailable: 0.04,
  gatewayTimeout: 0.05,
  connectionReset: 0.05,
  slowResponse: 0.03,
};

let stack: LocalStack | undefined;
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-faults-${process.pid}`);
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a run through a faulty Graph converges', () => {
  it(`ends every one of ${USERS} users right despite injected 429, 503, 504, resets and timeouts`, async () => {
    const seed: TenantSeed = generateTenantSeed({ users: USERS, seed: 23 });
    stack = await startLocalStack({
      dataDir,
      emulator: {
        seed,
        stateDir: process.env.EMULATOR_STATE_DIR,
        randomSeed: 5,
        faults: { rates: RATES, retryAfterSeconds: 1, slowResponseMs: 2_500, afterApplyRatio: 0.5 },
      },
      settings: {
        // Slow responses outlast the request timeout: the app must treat them as maybe-applied.
        GRAPH_REQUEST_TIMEOUT_MS: '1000',
        SYNC_RETRY_FIRST_INTERVAL_MS: '500',
        SYNC_CHUNK_SIZE: '40',
      },
    });
    const upns = seed.users.map((user) => user.userPrincipalName);
    const submitted = await stack.client().submit({ users: upns });
    expect(submitted.status).toBe(202);
    const view = await stack.client().waitForRun(String(submitted.body.id), { timeoutMs: 240_000 });
    recordForPrivacyScan('faulty run status', view);
    recordForPrivacyScan('host output', stack.host.output.join(''));
    expect(view.runtimeStatus, view.error ?? '').toBe('Completed');
    const summary = view.summary as SyncSummary;

    // The faults did happen, of every kind (otherwise this test would prove nothing).
    const injected = new Map<string, number>();
    for (const entry of await stack.emulator.control.allRequests()) {
      if (entry.fault !== undefined) injected.set(entry.fault, (injected.get(entry.fault) ?? 0) + 1);
    }
    console.info(
      `faults test: injected ${JSON.stringify(Object.fromEntries(injected))}, run took ${summary.durationMs} ms`,
    );
    for (const kind of Object.keys(RATES)) expect(injected.get(kind) ?? 0, kind).toBeGreaterThan(0);

    // Every user ends in the right state and was never written anything but its own number.
    const { problems, written } = await auditAgainstSeed(seed, stack.emulator.control);
    expect(problems).toEqual([]);

    // The summary is exact: nobody failed, every business outcome as the seed expects. A write applied
    // just before its answer was lost is found in place on the retry and truthfully reported unchanged.
    expect(summary.total).toBe(USERS);
    expect(summary.counts.failed).toBe(0);
    for (const outcome of ['invalid', 'skipped', 'notFound', 'conflict'] as const) {
      expect(summary.counts[outcome], outcome).toBe(expectedCount(seed, outcome));
    }
    const needingWrites = usersNeedingWrites(seed);
    expect(summary.counts.created + summary.counts.updated + summary.counts.unchanged).toBe(
      needingWrites.length + expectedCount(seed, 'unchanged'),
    );
    expect(needingWrites.filter((user) => !written.has(user.userPrincipalName))).toEqual([]);
  }, 300_000);
});
