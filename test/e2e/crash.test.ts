import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTenantSeed, type TenantSeed } from '../../dev/graph-emulator';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type SyncSummary } from '../../lib/sync/run';
import { recordForPrivacyScan } from '../support/privacyGuard';
import { auditAgainstSeed, expectedCount, usersNeedingWrites } from '../support/seedAudit';

/**
 * Issue 4's crash test: a 520-user run, the host killed with SIGKILL at random points three times and
 * restarted on the same data directory each time. Every user must end in the right state, no user may
 * ever have been written a wrong value (the emulator audits every Graph write with the number written),
 * and the summary must account for every user exactly once.
 */
const KILLS = 3;

/**
 * Two shapes of run: one that fits one execution, and (issue 12) one long enough, with small chunks, to
 * stage its users into pages and continue as new several times, so kills land in the staging, between
 * executions and inside them.
 */
const SHAPES = [
  { shape: 'one execution', USERS: 520, chunkSize: '20', parallelChunks: '6' },
  { shape: 'staged, continuing as new every 16 chunks', USERS: 600, chunkSize: '10', parallelChunks: '2' },
];

let stack: LocalStack | undefined;
const dataDirs: string[] = [];
afterAll(async () => {
  await stack?.stop();
  for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
});

describe.each(SHAPES)(
  'a host killed mid-run ($shape) resumes without losing a user or writing a wrong value',
  ({ shape, USERS, chunkSize, parallelChunks }) => {
    it(`survives ${KILLS} SIGKILLs during a ${USERS}-user run`, async () => {
      await stack?.stop();
      const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-crash-${process.pid}-${dataDirs.length}`);
      dataDirs.push(dataDir);
      const seed: TenantSeed = generateTenantSeed({ users: USERS, seed: 7 });
      stack = await startLocalStack({
        dataDir,
        // Latency stretches the run over many seconds so the kills land in the middle of it.
        emulator: {
          seed,
          stateDir: process.env.EMULATOR_STATE_DIR,
          latency: { read: { kind: 'fixed', ms: 40 }, write: { kind: 'fixed', ms: 40 } },
        },
        maxActivities: 8,
        settings: {
          SYNC_CHUNK_SIZE: chunkSize,
          SYNC_PARALLEL_CHUNKS: parallelChunks,
          GRAPH_WRITES_PER_150S: '2900',
        },
      });
      const upns = seed.users.map((user) => user.userPrincipalName);
      const submitted = await stack.client().submit({ users: upns });
      expect(submitted.status).toBe(202);
      const runId = String(submitted.body.id);

      // Random points of the run, drawn in progress space (so a faster or slower machine still kills
      // mid-run), each with a random extra delay so a kill does not always follow a chunk's completion.
      // One point in each of KILLS equal strata of 5–60%: points drawn anywhere up to 80% could bunch near
      // the end, and the rest of the run then finished while the host restarted, before the next kill.
      const targets = Array.from(
        { length: KILLS },
        (_, index) => 0.05 + (0.55 * (index + Math.random())) / KILLS,
      );
      const killedAt: number[] = [];
      for (const target of targets) {
        for (;;) {
          const { view: current } = await stack.client().status(runId);
          expect(current?.runtimeStatus, 'the run finished before every kill landed').toBe('Running');
          if ((current?.progress?.done ?? 0) >= target * USERS) break;
          await sleep(50);
        }
        await sleep(Math.floor(Math.random() * 400));
        killedAt.push((await stack.client().status(runId)).view?.progress?.done ?? -1);
        await stack.host.kill('SIGKILL');
        await stack.host.start();
      }
      const view = await stack.client().waitForRun(runId, { timeoutMs: 240_000 });
      recordForPrivacyScan('crash run status', view);
      recordForPrivacyScan('host output', stack.host.output.join(''));
      expect(view.runtimeStatus, view.error ?? '').toBe('Completed');
      const summary = view.summary as SyncSummary;

      console.info(
        `crash test (${shape}): kills at done=${killedAt.join(', ')}, run took ${summary.durationMs} ms`,
      );
      // Kills landed at different points of the run (progress when each kill happened).
      expect(killedAt).toHaveLength(KILLS);

      // Every user ends in the right state, and was never written anything but its own number.
      const { problems, written } = await auditAgainstSeed(seed, stack.emulator.control);
      expect(problems).toEqual([]);

      // The summary accounts for every user exactly once.
      expect(summary.total).toBe(USERS);
      expect(Object.values(summary.counts).reduce((a, b) => a + b, 0)).toBe(USERS);
      expect(summary.counts.failed).toBe(0);
      for (const outcome of ['invalid', 'skipped', 'notFound', 'conflict'] as const) {
        expect(summary.counts[outcome], outcome).toBe(expectedCount(seed, outcome));
      }
      // At-least-once: a user whose write landed just before a kill is re-run and then finds its number in
      // place. It is reported unchanged, truthfully, and the emulator's audit shows the write it got.
      const writtenUsers = usersNeedingWrites(seed);
      const needingWrites = writtenUsers.length;
      expect(summary.counts.created + summary.counts.updated + summary.counts.unchanged).toBe(
        needingWrites + expectedCount(seed, 'unchanged'),
      );
      expect(
        writtenUsers
          .filter((user) => !written.has(user.userPrincipalName))
          .map((user) => `${user.userPrincipalName} ${user.expect?.outcome}`),
      ).toEqual([]);
      expect(summary.counts.created + summary.counts.updated).toBeLessThanOrEqual(needingWrites);
      expect(needingWrites - (summary.counts.created + summary.counts.updated)).toBeLessThanOrEqual(
        8 * KILLS,
      );
    }, 360_000);
  },
);
