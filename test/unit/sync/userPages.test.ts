import { describe, expect, it } from 'vitest';
import { USERS_PAGE_ORCHESTRATION } from '../../../lib/functionNames';
import { runStatusView } from '../../../lib/runs';
import { emptyReport } from '../../../lib/sync/report';
import { chunksPerExecution, executionRange, needsStaging, pageSizeFor } from '../../../lib/sync/stagedRun';
import { loadUsers, stageUsers } from '../../../lib/sync/userPageStore';
import { chunkUsersRef, pagesOf, usersOfRef, usersPageInstanceId } from '../../../lib/sync/userPages';
import { FakeRunClient } from '../../support/fakeRunClient';

const users = (n: number): string[] => Array.from({ length: n }, (_, i) => `u${i}@contoso.com`);

describe('the shape of a run (lib/sync/stagedRun.ts)', () => {
  it('keeps runs of up to eight windows of chunks in one execution and stages longer ones', () => {
    expect(chunksPerExecution(8)).toBe(64);
    expect(needsStaging(64, 8)).toBe(false);
    expect(needsStaging(65, 8)).toBe(true);
    expect(pageSizeFor(100)).toBe(1000);
  });

  it('splits the chunks into consecutive execution ranges with nothing left out or repeated', () => {
    const ranges: { from: number; to: number }[] = [];
    for (let next = 0; next < 150; next = ranges.at(-1)?.to ?? 150) ranges.push(executionRange(next, 150, 8));
    expect(ranges).toEqual([
      { from: 0, to: 64 },
      { from: 64, to: 128 },
      { from: 128, to: 150 },
    ]);
  });
});

describe('staged user pages (lib/sync/userPages.ts)', () => {
  it('cuts the list into pages and finds every chunk inside one page', () => {
    const list = users(2345);
    const pages = pagesOf({ runId: 'run-1', fingerprint: 'fp', pageSize: 1000, users: list });
    expect(pages.map((page) => page.users.length)).toEqual([1000, 1000, 345]);
    const seen: string[] = [];
    for (let chunk = 0; chunk * 100 < list.length; chunk += 1) {
      const ref = chunkUsersRef('run-1', 'fp', chunk, 100, 1000, list.length);
      const page = pages.find((p) => usersPageInstanceId('run-1', p.index) === ref.page);
      if (page === undefined) throw new Error(`no page ${ref.page}`);
      seen.push(...usersOfRef(page, ref));
    }
    expect(seen).toEqual(list);
    expect(chunkUsersRef('run-1', 'fp', 23, 100, 1000, list.length)).toEqual({
      page: 'run-1:users-2',
      fingerprint: 'fp',
      offset: 300,
      count: 45,
    });
  });

  it('refuses a chunk past the end, a page size that would split chunks, and a page of another request', () => {
    expect(() => chunkUsersRef('r', 'fp', 3, 100, 1000, 300)).toThrow(/past/);
    expect(() => chunkUsersRef('r', 'fp', 0, 100, 250, 300)).toThrow(/multiple/);
    const [page] = pagesOf({ runId: 'r', fingerprint: 'old', pageSize: 10, users: users(10) });
    if (page === undefined) throw new Error('no page');
    expect(() => usersOfRef(page, { page: 'r:users-0', fingerprint: 'new', offset: 0, count: 5 })).toThrow(
      /another request/,
    );
    expect(() => usersOfRef(page, { page: 'r:users-0', fingerprint: 'old', offset: 8, count: 5 })).toThrow(
      /holds 10 users/,
    );
  });
});

describe('the page store over the durable client (lib/sync/userPageStore.ts)', () => {
  it('stores each page once as a page instance, and a retried staging writes nothing again', async () => {
    const client = new FakeRunClient();
    const input = { runId: 'run-9', fingerprint: 'fp', pageSize: 100, users: users(250) };
    expect(await stageUsers(client, input)).toBe(3);
    expect(client.started.map((start) => [start.name, start.instanceId])).toEqual([
      [USERS_PAGE_ORCHESTRATION, 'run-9:users-0'],
      [USERS_PAGE_ORCHESTRATION, 'run-9:users-1'],
      [USERS_PAGE_ORCHESTRATION, 'run-9:users-2'],
    ]);
    for (const id of ['run-9:users-0', 'run-9:users-1', 'run-9:users-2'])
      client.update(id, { runtimeStatus: 'Completed' });
    await stageUsers(client, input);
    expect(client.started).toHaveLength(3);
    expect(
      await loadUsers(client, { page: 'run-9:users-2', fingerprint: 'fp', offset: 40, count: 10 }),
    ).toEqual(users(250).slice(240, 250));
  });

  it('overwrites a finished page left by an earlier request under the same run id', async () => {
    const client = new FakeRunClient();
    await stageUsers(client, { runId: 'idem-1', fingerprint: 'old', pageSize: 10, users: users(10) });
    client.update('idem-1:users-0', { runtimeStatus: 'Completed' });
    await stageUsers(client, { runId: 'idem-1', fingerprint: 'new', pageSize: 10, users: users(10) });
    expect(client.started).toHaveLength(2);
    expect(
      await loadUsers(client, { page: 'idem-1:users-0', fingerprint: 'new', offset: 0, count: 2 }),
    ).toEqual(users(2));
  });

  it('fails (so the activity retries, then the chunk reports its users failed) when a page is missing', async () => {
    await expect(
      loadUsers(new FakeRunClient(), { page: 'run-x:users-0', fingerprint: 'fp', offset: 0, count: 1 }),
    ).rejects.toThrow(/does not exist/);
  });
});

describe('the status of a run that continues as new (lib/runs.ts)', () => {
  it('shows one running run, created when its first execution started', () => {
    const view = runStatusView('run-1', {
      name: 'syncPhoneNumbers',
      instanceId: 'run-1',
      runtimeStatus: 'ContinuedAsNew',
      createdTime: new Date('2026-03-01T10:05:00Z'),
      lastUpdatedTime: new Date('2026-03-01T10:05:01Z'),
      input: {
        users: [],
        staged: {
          totalUsers: 100_000,
          chunkSize: 100,
          totalChunks: 1000,
          pageSize: 1000,
          nextChunk: 64,
          startedAt: '2026-03-01T10:00:00.000Z',
          report: emptyReport(),
        },
      },
      output: null,
      customStatus: { stage: 'syncing', total: 100_000, done: 6400 },
    } as never);
    expect(view.runtimeStatus).toBe('Running');
    expect(view.createdTime).toBe('2026-03-01T10:00:00.000Z');
    expect(view.progress).toMatchObject({ done: 6400 });
  });
});
