import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTenantSeed, type TenantSeed } from '../../dev/graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type SyncSummary } from '../../lib/sync/run';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * Issue 10: the full report of a 10,000-user run holds exactly one row per user after the host was killed
 * with SIGKILL in the middle of the run (chunks replayed and activities re-run write the same blobs again,
 * never a second copy), and no row carries a full phone number. A dry-run: every read and every report
 * write of a real run, without waiting on Graph's write quota.
 */
const USERS = 10_000;

let stack: LocalStack | undefined;
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-report-crash-${process.pid}`);
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the full report survives a host crash', () => {
  it(`holds exactly ${USERS} rows after a SIGKILL mid-run, none with a full number`, async () => {
    const seed: TenantSeed = generateTenantSeed({ users: USERS, seed: 11 });
    stack = await startLocalStack({
      dataDir,
      emulator: { seed, stateDir: process.env.EMULATOR_STATE_DIR, latency: 'off' },
    });
    const upns = seed.users.map((user) => user.userPrincipalName);
    const submitted = await stack.client().submit({ users: upns, dryRun: true });
    expect(submitted.status).toBe(202);
    const runId = String(submitted.body.id);

    // Kill once some chunks have written their rows and others have not.
    const target = 0.2 + Math.random() * 0.4;
    let killedAt = -1;
    for (;;) {
      const { view } = await stack.client().status(runId);
      expect(view?.runtimeStatus, 'the run finished before the kill').not.toBe('Completed');
      killedAt = view?.progress?.done ?? 0;
      if (killedAt >= target * USERS) break;
      await sleep(50);
    }
    await stack.host.kill('SIGKILL');
    await stack.host.start();
    const view = await stack.client().waitForRun(runId, { timeoutMs: 600_000 });
    expect(view.runtimeStatus, view.error ?? '').toBe('Completed');
    const summary = view.summary as SyncSummary;
    expect(summary.total).toBe(USERS);

    const key = stack.host.ready.keys.hostKeys['default'] ?? '';
    const response = await fetch(`${stack.apiUrl()}/sync/${runId}/report?format=jsonl&code=${key}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('report-complete')).toBe('true');
    const text = await response.text();
    recordForPrivacyScan('10k report', text);
    const rows = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { user: string; outcome: string });
    console.info(`report crash test: killed at done=${killedAt}, run took ${summary.durationMs} ms`);

    expect(rows).toHaveLength(USERS);
    const users = new Set(rows.map((row) => row.user.toLowerCase()));
    expect(users.size).toBe(USERS); // no duplicate
    expect(upns.filter((upn) => !users.has(upn.toLowerCase()))).toEqual([]); // no missing row
    // The report agrees with the summary's exact counts.
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
    expect(counts).toEqual(Object.fromEntries(Object.entries(summary.counts).filter(([, n]) => n > 0)));
  }, 900_000);
});
