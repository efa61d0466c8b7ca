import { describe, expect, it } from 'vitest';
import {
  CHUNK_ORCHESTRATION,
  LOAD_CHUNK_USERS_ACTIVITY,
  REPORT_ACTIVITY,
  RESOLVE_USER_KEYS_ACTIVITY,
  STAGE_USERS_ACTIVITY,
  SYNC_ORCHESTRATION,
  USER_ACTIVITY,
} from '../../../lib/functionNames';
import { type ChunkReportInput } from '../../../lib/report/chunkReportInput';
import { parseResolveKeysInput, resolveKeys } from '../../../lib/sync/identity';
import { loadUsers, stageUsers } from '../../../lib/sync/userPageStore';
import { parseStagedUsersRef, parseStageUsersInput } from '../../../lib/sync/userPages';
import { FakeRunClient } from '../../support/fakeRunClient';
import { MemoryGraph } from '../../support/memoryGraph';
import {
  type SyncProgress,
  type SyncRunInput,
  type SyncSummary,
  type SyncUserInput,
} from '../../../lib/sync/run';
import { type UserOutcome } from '../../../lib/sync/types';
import { syncPhoneNumbers, syncPhoneNumbersChunk } from '../../../orchestrations/syncPhoneNumbers';
import { type ActivityCall, type InstanceRun, replay, type World } from '../../support/orchestrationReplay';
import { recordForPrivacyScan } from '../../support/privacyGuard';

const EventType = {
  TaskScheduled: 4,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  TimerCreated: 10,
  OrchestratorStarted: 12,
};

function runInput(
  users: string[],
  overrides: Partial<SyncRunInput['options']> = {},
  dryRun = false,
): SyncRunInput {
  return {
    users,
    dryRun,
    trigger: 'http',
    requester: 'test',
    requestFingerprint: 'fp',
    policy: {
      sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
      phoneType: 'mobile',
      defaultCountry: 'DE',
      emptyAttribute: 'keep',
      maskedRead: 'skip',
    },
    options: {
      chunkSize: 100,
      parallelChunks: 8,
      retry: {
        firstRetryIntervalMs: 1_000,
        maxAttempts: 3,
        backoffCoefficient: 2,
        maxRetryIntervalMs: 60_000,
      },
      priority: 'normal',
      ...overrides,
    },
  };
}

const users = (n: number, prefix = 'user'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}@contoso.com`);

/** A scripted activity: the user name says what happens to it. */
function scriptedActivity(input: unknown, call: ActivityCall): UserOutcome {
  const { user } = input as SyncUserInput;
  if (user.startsWith('flaky')) {
    if (call.attempt === 1) throw new Error('Graph answered 503 (transient)');
  }
  if (user.startsWith('broken')) throw new Error('Graph answered 504 every time');
  if (user.startsWith('ghost')) return { user, outcome: 'notFound', reason: 'Request_ResourceNotFound' };
  if (user.startsWith('bad'))
    return { user, userId: 'id', outcome: 'invalid', reason: 'attributeInvalid', detail: 'not a number' };
  if (user.startsWith('same'))
    return { user, userId: 'id', outcome: 'unchanged', reason: 'inSync', before: '+49 ********67' };
  return { user, userId: 'id', outcome: 'created', reason: 'methodMissing', after: '+49 ********67' };
}

/** The page activities of a long run, over the real page store code and an in-memory Durable client. */
function pageActivities(client = new FakeRunClient()): World['activities'] {
  return {
    [STAGE_USERS_ACTIVITY]: async (input) => ({
      pages: await stageUsers(client, parseStageUsersInput(input)),
    }),
    [LOAD_CHUNK_USERS_ACTIVITY]: async (input) => loadUsers(client, parseStagedUsersRef(input)),
  };
}

function world(overrides: Partial<World> = {}): World {
  return {
    orchestrators: { [SYNC_ORCHESTRATION]: syncPhoneNumbers, [CHUNK_ORCHESTRATION]: syncPhoneNumbersChunk },
    activities: {
      [USER_ACTIVITY]: scriptedActivity,
      [REPORT_ACTIVITY]: () => ({ rows: 0 }),
      ...pageActivities(),
    },
    ...overrides,
  };
}

/** The replay with its activity calls split: the per-user syncs, and the report writes beside them. */
async function replayRun(
  ...args: Parameters<typeof replay>
): Promise<Awaited<ReturnType<typeof replay>> & { reportWrites: ChunkReportInput[] }> {
  const result = await replay(...args);
  return {
    ...result,
    activityCalls: result.activityCalls.filter((call) => call.name === USER_ACTIVITY),
    reportWrites: result.activityCalls
      .filter((call) => call.name === REPORT_ACTIVITY)
      .map((call) => call.input as ChunkReportInput),
  };
}

/** The users each chunk ran, from the activities it called (whether it was given or loaded its users). */
function usersPerChunk(run: InstanceRun, calls: readonly ActivityCall[]): Map<string, string[]> {
  const perChunk = new Map<string, string[]>(run.children.map((child) => [child.instanceId, []]));
  for (const call of calls) {
    if (call.name !== USER_ACTIVITY || call.attempt !== 1) continue;
    perChunk.get(call.instanceId)?.push((call.input as SyncUserInput).user);
  }
  return perChunk;
}

/** Every parent history event of every execution, in order. */
function allHistory(run: InstanceRun) {
  return run.executions.flatMap((execution) => execution.history);
}

function summaryOf(run: InstanceRun): SyncSummary {
  recordForPrivacyScan('summary', run.output);
  recordForPrivacyScan('custom status', run.customStatuses);
  expect(run.status, run.error).toBe('Completed');
  return run.output as SyncSummary;
}

describe('syncPhoneNumbers orchestration (real durable-functions replay, DESIGN.md §5)', () => {
  it('fans out over 1,000 users and fans back in to exact counts', async () => {
    const { root, activityCalls } = await replayRun(world(), SYNC_ORCHESTRATION, runInput(users(1000)));
    const summary = summaryOf(root);

    expect(summary.total).toBe(1000);
    expect(summary.counts.created).toBe(1000);
    expect(activityCalls).toHaveLength(1000);
    expect(new Set(activityCalls.map((call) => (call.input as SyncUserInput).user)).size).toBe(1000);
    // Bounded output: lists capped, the rest counted.
    expect(summary.changes).toHaveLength(100);
    expect(summary.omitted.changes).toBe(900);
    expect(JSON.stringify(summary).length).toBeLessThan(64 * 1024);
    expect(summary.runId).toBe('instance-under-test');
    expect(summary.startedAt <= summary.finishedAt).toBe(true);
  });

  it('never puts more users in a chunk than the configured chunk size, and never runs more chunks at once than allowed', async () => {
    const { root, activityCalls } = await replay(
      world(),
      SYNC_ORCHESTRATION,
      runInput(users(1000), { chunkSize: 40, parallelChunks: 3 }),
    );
    summaryOf(root);
    const chunkSizes = [...usersPerChunk(root, activityCalls).values()].map((chunk) => chunk.length);
    expect(chunkSizes.every((size) => size <= 40 && size > 0)).toBe(true);
    expect(chunkSizes.reduce((a, b) => a + b, 0)).toBe(1000);

    // Replay the parent's histories: sub-orchestrations created minus completed never exceeds 3.
    let inFlight = 0;
    let peak = 0;
    for (const event of allHistory(root)) {
      if (event.EventType === EventType.SubOrchestrationInstanceCreated) inFlight += 1;
      if (event.EventType === EventType.SubOrchestrationInstanceCompleted) inFlight -= 1;
      peak = Math.max(peak, inFlight);
    }
    expect(peak).toBe(3);
  });

  it('keeps the parent history small: chunks started once the lists are full return counts only', async () => {
    const { root } = await replayRun(
      world(),
      SYNC_ORCHESTRATION,
      runInput(users(2000), { chunkSize: 20, parallelChunks: 2 }),
    );
    const summary = summaryOf(root);
    expect(summary.counts.created).toBe(2000);
    expect(summary.changes).toHaveLength(100);
    expect(summary.omitted.changes).toBe(1900);
    const listed = allHistory(root)
      .filter((event) => event.EventType === EventType.SubOrchestrationInstanceCompleted)
      .map((event) => (JSON.parse(event.Result as string) as { changes: unknown[] }).changes.length);
    expect(listed).toHaveLength(100);
    // At most the two chunks in flight when the list filled carry entries beyond the first hundred.
    expect(listed.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100 + 2 * 20);
    expect(listed.slice(10).every((count) => count === 0)).toBe(true);
  });

  it('gives chunk instances ids derived from the run id, so a replay schedules the same children', async () => {
    const { root } = await replayRun(world(), SYNC_ORCHESTRATION, runInput(users(30)), 'run-abc');
    summaryOf(root);
    expect(root.children.map((child) => child.instanceId).sort()).toEqual(
      root.children.map((_, index) => `run-abc:chunk-${index}`).sort(),
    );
  });

  it('retries a transient activity failure with the configured back-off and reports the user by its final result', async () => {
    const input = runInput(['flaky1@contoso.com', 'user1@contoso.com']);
    const { root, activityCalls } = await replayRun(world(), SYNC_ORCHESTRATION, input);
    const summary = summaryOf(root);

    expect(summary.counts.created).toBe(2);
    expect(summary.counts.failed).toBe(0);
    const flakyCalls = activityCalls.filter(
      (call) => (call.input as SyncUserInput).user === 'flaky1@contoso.com',
    );
    expect(flakyCalls.map((call) => call.attempt)).toEqual([1, 2]);
    // One back-off timer of firstRetryInterval before the second attempt.
    expect(root.children[0]?.timerDelaysMs).toEqual([1_000]);
  });

  it('reports permanent failures as outcomes without retrying them', async () => {
    const input = runInput(['ghost@contoso.com', 'bad@contoso.com', 'same@contoso.com', 'user@contoso.com']);
    const { root, activityCalls } = await replayRun(world(), SYNC_ORCHESTRATION, input);
    const summary = summaryOf(root);

    expect(activityCalls).toHaveLength(4);
    expect(summary.counts).toMatchObject({ notFound: 1, invalid: 1, unchanged: 1, created: 1, failed: 0 });
    expect(summary.failures.map((outcome) => outcome.user).sort()).toEqual([
      'bad@contoso.com',
      'ghost@contoso.com',
    ]);
  });

  it('turns a user whose retries run out into a failed outcome and keeps every other result of its chunk', async () => {
    const input = runInput(['broken@contoso.com', 'flaky2@contoso.com', ...users(8)], {
      chunkSize: 100,
      parallelChunks: 1,
    });
    const { root, activityCalls } = await replayRun(world(), SYNC_ORCHESTRATION, input);
    const summary = summaryOf(root);

    expect(summary.total).toBe(10);
    expect(summary.counts.created).toBe(9);
    expect(summary.counts.failed).toBe(1);
    const failed = summary.failures[0];
    expect(failed).toMatchObject({
      user: 'broken@contoso.com',
      outcome: 'failed',
      reason: 'retriesExhausted',
    });
    expect(failed?.detail).toContain('504');
    expect(
      activityCalls.filter((call) => (call.input as SyncUserInput).user === 'broken@contoso.com'),
    ).toHaveLength(3);
    // Back-off: 1 s, then 2 s (coefficient 2), then the immediate timer the SDK needs after the last attempt;
    // the flaky user's single retry adds one more 1 s timer.
    expect([...(root.children[0]?.timerDelaysMs ?? [])].sort((a, b) => a - b)).toEqual([
      0, 1_000, 1_000, 2_000,
    ]);
  });

  it('caps the back-off at the maximum retry interval', async () => {
    const input = runInput(['broken@contoso.com'], {
      retry: {
        firstRetryIntervalMs: 10_000,
        maxAttempts: 4,
        backoffCoefficient: 10,
        maxRetryIntervalMs: 50_000,
      },
    });
    const { root } = await replayRun(world(), SYNC_ORCHESTRATION, input);
    summaryOf(root);
    expect(root.children[0]?.timerDelaysMs).toEqual([10_000, 50_000, 50_000, 0]);
  });

  it('deduplicates users case-insensitively before fanning out', async () => {
    const input = runInput(['A@contoso.com', 'a@CONTOSO.com', 'b@contoso.com', 'A@contoso.com']);
    const { root, activityCalls } = await replayRun(world(), SYNC_ORCHESTRATION, input);
    expect(summaryOf(root).total).toBe(2);
    expect(activityCalls.map((call) => (call.input as SyncUserInput).user)).toEqual([
      'A@contoso.com',
      'b@contoso.com',
    ]);
  });

  it('publishes live progress in custom status after every finished chunk, small and bounded', async () => {
    const { root } = await replayRun(
      world({ completionsPerEpisode: 1 }),
      SYNC_ORCHESTRATION,
      runInput(['ghost@contoso.com', ...users(99)], { chunkSize: 10, parallelChunks: 2 }),
    );
    summaryOf(root);
    const progress = root.customStatuses.filter((status): status is SyncProgress => status !== undefined);
    const done = progress.map((status) => status.done);
    expect(done[0]).toBe(0);
    expect(done.at(-1)).toBe(100);
    expect([...done].sort((a, b) => a - b)).toEqual(done); // monotonic
    expect(new Set(done).size).toBeGreaterThanOrEqual(11); // moved in steps, not 0 → 100
    expect(progress.at(-1)).toMatchObject({
      stage: 'completed',
      total: 100,
      chunks: { total: 10, done: 10 },
    });
    expect(progress.at(-1)?.counts).toMatchObject({ created: 99, notFound: 1 });
    for (const status of progress) expect(JSON.stringify(status).length).toBeLessThan(16 * 1024);
  });

  it('gives the same summary whether completions arrive together or one per episode', async () => {
    const input = runInput(['broken@contoso.com', 'flaky@contoso.com', 'ghost@contoso.com', ...users(40)], {
      chunkSize: 10,
      parallelChunks: 2,
    });
    const together = summaryOf((await replayRun(world(), SYNC_ORCHESTRATION, input)).root);
    const oneByOne = summaryOf(
      (await replayRun(world({ completionsPerEpisode: 1 }), SYNC_ORCHESTRATION, input)).root,
    );
    const stable = (summary: SyncSummary) => ({ counts: summary.counts, total: summary.total });
    expect(stable(oneByOne)).toEqual(stable(together));
    expect(together.counts).toMatchObject({ created: 41, failed: 1, notFound: 1 });
  });

  it('records a failed chunk as failed users instead of failing the run', async () => {
    // eslint-disable-next-line require-yield -- a chunk that fails before its first yield
    const failingChunk = function* (): Generator<unknown, unknown, unknown> {
      throw new Error('chunk exploded');
    };
    const { root } = await replayRun(
      world({
        orchestrators: { [SYNC_ORCHESTRATION]: syncPhoneNumbers, [CHUNK_ORCHESTRATION]: failingChunk },
      }),
      SYNC_ORCHESTRATION,
      runInput(users(12), { chunkSize: 5 }),
    );
    const summary = summaryOf(root);
    expect(summary.counts.failed).toBe(12);
    expect(summary.failures[0]).toMatchObject({ outcome: 'failed', reason: 'chunkFailed' });
  });

  it('fails with a readable error when started with an invalid input', async () => {
    const { root } = await replayRun(world(), SYNC_ORCHESTRATION, { users: 'everyone' });
    expect(root.status).toBe('Failed');
    expect(root.error).toMatch(/invalid orchestration input: users/);
  });

  it('schedules exactly one activity per user in each chunk history, in submission order', async () => {
    const { root } = await replayRun(world(), SYNC_ORCHESTRATION, runInput(users(10), { chunkSize: 100 }));
    summaryOf(root);
    const scheduled = root.children.flatMap((child) =>
      child.history
        .filter((event) => event.EventType === EventType.TaskScheduled && event.Name === USER_ACTIVITY)
        .map((event) => (JSON.parse(event.Input as string) as SyncUserInput).user),
    );
    expect(scheduled).toEqual(users(10));
  });

  it('writes every user into the full report once, under chunk indexes unique to the run', async () => {
    const input = runInput(['ghost@contoso.com', 'bad@contoso.com', ...users(21)], { chunkSize: 5 });
    const { root, reportWrites } = await replayRun(world(), SYNC_ORCHESTRATION, input, 'run-rep');
    const summary = summaryOf(root);
    const indexes = reportWrites.map((write) => write.chunkIndex).sort((a, b) => a - b);
    expect(indexes).toEqual(root.children.map((_, index) => index));
    expect(reportWrites.every((write) => write.runId === 'run-rep')).toBe(true);
    const reported = reportWrites.flatMap((write) => write.outcomes);
    expect(reported).toHaveLength(summary.total);
    expect(new Set(reported.map((row) => row.user)).size).toBe(23);
    expect(reported.filter((row) => row.outcome === 'invalid')).toHaveLength(1);
  });

  it('keeps the sync when the report cannot be written: outcomes still count', async () => {
    const { root, activityCalls } = await replayRun(
      world({
        activities: {
          [USER_ACTIVITY]: scriptedActivity,
          [REPORT_ACTIVITY]: () => {
            throw new Error('storage unavailable');
          },
        },
      }),
      SYNC_ORCHESTRATION,
      runInput(users(6), { chunkSize: 5 }),
    );
    expect(summaryOf(root).counts.created).toBe(6);
    expect(activityCalls).toHaveLength(6);
  });
});

describe('syncPhoneNumbers orchestration, a run too long for one execution (issue 12)', () => {
  // 2,000 users in chunks of 10, two at a time: 200 chunks. In one execution the parent's history would
  // hold about four events per chunk (created, completed, and an episode's start and end), some 800 events,
  // and every episode would carry the 2,000 names of its input (and the chunk reports of all 200 chunks).
  // The bound asserted here is 120 events and 64 KB per episode, whatever the run's size.
  const HISTORY_EVENTS_BOUND = 120;
  const EPISODE_BYTES_BOUND = 64 * 1024;
  const longRun = runInput(users(2000), { chunkSize: 10, parallelChunks: 2 });

  it('stages the users once, then continues as new with bounded history, and sums up like a short run', async () => {
    const { root, activityCalls } = await replay(world(), SYNC_ORCHESTRATION, longRun, 'run-long');
    const summary = summaryOf(root);
    expect(summary.total).toBe(2000);
    expect(summary.counts.created).toBe(2000);
    expect(summary.runId).toBe('run-long');
    expect(summary.changes).toHaveLength(100);
    expect(summary.omitted.changes).toBe(1900);
    expect(summary.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(summary).toMatchObject({ identityCheck: 'notNeeded', duplicatesRemoved: 0 });

    // Every user synced exactly once.
    const synced = activityCalls.filter((call) => call.name === USER_ACTIVITY);
    expect(synced.map((call) => (call.input as SyncUserInput).user).sort()).toEqual(users(2000).sort());
    expect(activityCalls.filter((call) => call.name === STAGE_USERS_ACTIVITY)).toHaveLength(1);

    // First execution: the request itself, staged in one activity, in two episodes.
    const [first, ...later] = root.executions;
    expect(first?.episodes).toBe(2);
    // 200 chunks at 16 per execution: 13 more executions, each bounded, none carrying the names.
    expect(later).toHaveLength(13);
    for (const execution of later) {
      expect(execution.maxHistoryEvents).toBeLessThanOrEqual(HISTORY_EVENTS_BOUND);
      expect(execution.maxBindingBytes).toBeLessThan(EPISODE_BYTES_BOUND);
      // Its input is the position and the merged bounded report (capped lists), never the user list.
      const carried = execution.input as SyncRunInput;
      expect(carried.users).toEqual([]);
      expect(carried.staged?.report.changes.length).toBeLessThanOrEqual(100);
      expect(JSON.stringify(carried).length).toBeLessThan(32 * 1024);
    }
    // In one execution all these events would be one history: several times the bound.
    expect(later.reduce((sum, execution) => sum + execution.history.length, 0)).toBeGreaterThan(
      HISTORY_EVENTS_BOUND * 4,
    );

    // Chunk ids are global: unique across executions, one per chunk.
    expect(root.children.map((child) => child.instanceId).sort()).toEqual(
      Array.from({ length: 200 }, (_, index) => `run-long:chunk-${index}`).sort(),
    );
  });

  it('costs the same per user at ten times the size: history handed to the worker grows linearly', async () => {
    const delivered = async (n: number): Promise<number> => {
      const { root } = await replay(
        world(),
        SYNC_ORCHESTRATION,
        runInput(users(n), { chunkSize: 10, parallelChunks: 2 }),
      );
      summaryOf(root);
      // Skip the first execution: it carries the request, which any shape receives once.
      return root.executions.slice(1).reduce((sum, execution) => sum + execution.deliveredBytes, 0) / n;
    };
    const small = await delivered(400);
    const large = await delivered(4000);
    expect(large / small).toBeLessThan(1.25);
  });

  it('keeps live progress moving across executions, up to the completed total', async () => {
    const { root } = await replay(world({ completionsPerEpisode: 1 }), SYNC_ORCHESTRATION, longRun);
    summaryOf(root);
    const progress = root.customStatuses.filter((status): status is SyncProgress => status !== undefined);
    const done = progress.map((status) => status.done);
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    expect(new Set(done).size).toBeGreaterThan(200);
    expect(progress.every((status) => status.total === 2000 && status.chunks.total === 200)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ stage: 'completed', done: 2000, chunks: { done: 200 } });
  });

  it('reports a failed chunk of a staged run as that many failed users, by position', async () => {
    // eslint-disable-next-line require-yield -- a chunk that fails before its first yield
    const failingChunk = function* (): Generator<unknown, unknown, unknown> {
      throw new Error('chunk exploded');
    };
    const { root } = await replay(
      world({
        orchestrators: { [SYNC_ORCHESTRATION]: syncPhoneNumbers, [CHUNK_ORCHESTRATION]: failingChunk },
      }),
      SYNC_ORCHESTRATION,
      runInput(users(205), { chunkSize: 10, parallelChunks: 1 }),
    );
    const summary = summaryOf(root);
    expect(root.executions.length).toBeGreaterThan(2);
    expect(summary.counts.failed).toBe(205);
    expect(summary.failures[0]).toMatchObject({ user: '(chunk 0, user 1 of 10)', reason: 'chunkFailed' });
  });

  it('reports every user of a chunk whose page cannot be loaded as failed, never skips them', async () => {
    const lossy = world();
    lossy.activities[LOAD_CHUNK_USERS_ACTIVITY] = () => {
      throw new Error("users page 'x' does not exist");
    };
    const { root } = await replay(
      lossy,
      SYNC_ORCHESTRATION,
      runInput(users(300), { chunkSize: 10, parallelChunks: 1 }),
    );
    const summary = summaryOf(root);
    expect(summary.counts.failed).toBe(300);
    expect(summary.total).toBe(300);
  });
});

describe('syncPhoneNumbers orchestration, one person named twice (issue 7 §4)', () => {
  const ALICE_ID = 'a11ce000-0000-4000-8000-000000000001';
  const graph = new MemoryGraph()
    .add({ id: ALICE_ID, userPrincipalName: 'alice@contoso.com' })
    .add({ id: 'b0b00000-0000-4000-8000-000000000002', userPrincipalName: 'bob@contoso.com' });
  const resolving = (resolve: World['activities'][string]): World =>
    world({ activities: { ...world().activities, [RESOLVE_USER_KEYS_ACTIVITY]: resolve } });

  it('syncs a person given by object id and by UPN once, and says so in the summary', async () => {
    const input = runInput(['alice@contoso.com', 'bob@contoso.com', ALICE_ID, 'carol@contoso.com']);
    const { root, activityCalls } = await replay(
      resolving(async (call) => resolveKeys(graph, parseResolveKeysInput(call))),
      SYNC_ORCHESTRATION,
      input,
    );
    const summary = summaryOf(root);
    expect(summary).toMatchObject({ total: 3, duplicatesRemoved: 1, identityCheck: 'checked' });
    const synced = activityCalls.filter((call) => call.name === USER_ACTIVITY);
    expect(synced.map((call) => (call.input as SyncUserInput).user)).toEqual([
      'alice@contoso.com',
      'bob@contoso.com',
      'carol@contoso.com',
    ]);
    // Only the smaller side (the one object id) was looked up.
    expect(activityCalls.find((call) => call.name === RESOLVE_USER_KEYS_ACTIVITY)?.input).toEqual({
      keys: [ALICE_ID],
      priority: 'normal',
    });
  });

  it('asks Graph nothing when the batch uses one kind of key', async () => {
    const { root, activityCalls } = await replay(world(), SYNC_ORCHESTRATION, runInput(users(5)));
    expect(summaryOf(root)).toMatchObject({ total: 5, duplicatesRemoved: 0, identityCheck: 'notNeeded' });
    expect(activityCalls.some((call) => call.name === RESOLVE_USER_KEYS_ACTIVITY)).toBe(false);
  });

  it('goes on unchecked, losing nobody, when Graph cannot resolve the keys', async () => {
    const input = runInput(['alice@contoso.com', ALICE_ID], {
      retry: { ...runInput([]).options.retry, maxAttempts: 2 },
    });
    const { root, activityCalls } = await replay(
      resolving(() => {
        throw new Error('Graph answered 503');
      }),
      SYNC_ORCHESTRATION,
      input,
    );
    expect(summaryOf(root)).toMatchObject({ total: 2, duplicatesRemoved: 0, identityCheck: 'unavailable' });
    expect(activityCalls.filter((call) => call.name === RESOLVE_USER_KEYS_ACTIVITY)).toHaveLength(2);
  });
});
