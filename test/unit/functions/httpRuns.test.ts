import { HttpRequest, InvocationContext } from '@azure/functions';
import { type DurableOrchestrationStatus } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { httpRuns } from '../../../functions/httpRuns';
import { CHUNK_ORCHESTRATION, SYNC_ORCHESTRATION } from '../../../lib/functionNames';
import { type RunsListClient, type RunsPage } from '../../../lib/runsList';

const NOW = new Date('2026-05-01T12:00:00Z');

function status(
  instanceId: string,
  createdTime: string,
  extra: Partial<DurableOrchestrationStatus> = {},
): DurableOrchestrationStatus {
  return {
    name: SYNC_ORCHESTRATION,
    instanceId,
    createdTime: new Date(createdTime),
    lastUpdatedTime: new Date(createdTime),
    input: { users: ['a', 'b'], dryRun: false, trigger: 'http', requester: 'http' },
    output: null,
    runtimeStatus: 'Running',
    customStatus: {
      stage: 'syncing',
      total: 2,
      done: 1,
      counts: { created: 1, failed: 0 },
      chunks: { total: 1, done: 0 },
    },
    ...extra,
  } as DurableOrchestrationStatus;
}

function clientOf(statuses: DurableOrchestrationStatus[], seen: unknown[] = []): RunsListClient {
  return {
    getStatusBy: (filter) => {
      seen.push(filter);
      return Promise.resolve(statuses);
    },
  };
}

async function page(client: RunsListClient, query = ''): Promise<{ status: number; body: RunsPage }> {
  const response = await httpRuns(
    new HttpRequest({ method: 'GET', url: `http://localhost/api/sync${query}` }),
    client,
    new InvocationContext(),
    NOW,
  );
  return { status: response.status ?? 200, body: response.jsonBody as RunsPage };
}

describe('GET /api/sync (recent runs)', () => {
  it('lists only runs (not chunk sub-orchestrations), newest first, without user lists', async () => {
    const seen: unknown[] = [];
    const { body } = await page(
      clientOf(
        [
          status('run-old', '2026-04-30T10:00:00Z'),
          status('run-new', '2026-05-01T10:00:00Z', { runtimeStatus: 'Completed' } as never),
          status('run-new:chunk-0', '2026-05-01T10:00:01Z', { name: CHUNK_ORCHESTRATION }),
        ],
        seen,
      ),
    );
    expect(body.runs.map((run) => run.id)).toEqual(['run-new', 'run-old']);
    expect(body.runs[1]).toMatchObject({ trigger: 'http', total: 2, done: 1, counts: { created: 1 } });
    expect(JSON.stringify(body)).not.toContain('"users"');
    expect(seen[0]).toEqual({ createdTimeFrom: new Date('2026-04-01T12:00:00Z') });
    expect(body.nextCursor).toBeNull();
  });

  it('pages through runs with equal creation times without skipping or repeating one', async () => {
    const same = '2026-05-01T09:00:00Z';
    const statuses = ['run-c', 'run-a', 'run-e', 'run-b', 'run-d'].map((id) => status(id, same));
    const ids: string[] = [];
    let cursor: string | null = '';
    for (let pages = 0; cursor !== null && pages < 10; pages += 1) {
      const result = await page(
        clientOf([...statuses].reverse()),
        `?top=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...result.body.runs.map((run) => run.id));
      cursor = result.body.nextCursor;
    }
    expect(ids).toEqual(['run-a', 'run-b', 'run-c', 'run-d', 'run-e']);
  });

  it('refuses a bad top, days or cursor with a 400 that says which', async () => {
    for (const query of ['?top=0', '?top=abc', '?days=0', '?cursor=nonsense']) {
      const response = await httpRuns(
        new HttpRequest({ method: 'GET', url: `http://localhost/api/sync${query}` }),
        clientOf([]),
        new InvocationContext(),
        NOW,
      );
      expect(response.status).toBe(400);
    }
  });
});
