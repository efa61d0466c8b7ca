import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, silentLogger, type RunningHost } from '../../dev/host/index';
import { eventually, field, request, waitForTerminal } from './support/hostHttp';

/**
 * The Durable HTTP API (reference/durable-host.md §2.3), every row of the table, on the public webhook base
 * (system key) and on the RPC base the durable client uses; keys enforced as in Azure.
 */
const appDir = join(__dirname, 'apps', 'durable');
let host: RunningHost;
let systemKey: string;

beforeAll(async () => {
  host = await startHost({
    appDir,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-mgmt-')),
    logger: silentLogger,
  });
  systemKey = host.keys.systemKeys['durabletask_extension'] ?? '';
});
afterAll(async () => {
  await host?.stop();
});

/** Webhook URL with the system key; `query` without a leading `?`. */
const hook = (path: string, query = ''): string =>
  `${host.url}/runtime/webhooks/durabletask/${path}?${query ? `${query}&` : ''}code=${systemKey}`;
const rpc = (path: string, query = ''): string =>
  `${host.url}/durabletask/${path}${query ? `?${query}` : ''}`;

async function startAndWait(name: string, input: unknown, id?: string): Promise<string> {
  const response = await request(hook(`orchestrators/${name}${id ? `/${id}` : ''}`), { body: input });
  expect(response.status).toBe(202);
  const instanceId = String(field(response.body, 'id'));
  await waitForTerminal(hook(`instances/${instanceId}`));
  return instanceId;
}

async function startWaiter(id?: string): Promise<string> {
  const response = await request(rpc(`orchestrators/waiter${id ? `/${id}` : ''}`), { method: 'POST' });
  expect(response.status).toBe(202);
  const instanceId = String(field(response.body, 'id'));
  await eventually(() =>
    host.durable.getInstance(instanceId)?.runtimeStatus === 'Running' ? true : undefined,
  );
  return instanceId;
}

describe('POST orchestrators/{functionName}[/{instanceId}]', () => {
  it('202 with the management payload, Location and Retry-After 10; a new id is a GUID in N format', async () => {
    const response = await request(hook('orchestrators/fanOut'), { body: ['z'] });
    expect(response.status).toBe(202);
    const body = response.body as Record<string, string>;
    expect(Object.keys(body)).toEqual([
      'id',
      'statusQueryGetUri',
      'sendEventPostUri',
      'terminatePostUri',
      'purgeHistoryDeleteUri',
      'restartPostUri',
      'suspendPostUri',
      'resumePostUri',
    ]);
    expect(body['id']).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get('location')).toBe(body['statusQueryGetUri']);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(body['statusQueryGetUri']).toBe(
      `${host.url}/runtime/webhooks/durabletask/instances/${body['id'] ?? ''}?taskHub=testhub&connection=Storage&code=${systemKey}`,
    );
    expect(body['sendEventPostUri']).toContain(
      `/instances/${body['id'] ?? ''}/raiseEvent/{eventName}?taskHub=testhub`,
    );
  });

  it('400 for invalid JSON, an unknown orchestrator, and invalid instance ids', async () => {
    expect(
      (
        await request(hook('orchestrators/fanOut'), {
          method: 'POST',
          rawBody: '{oops',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await request(hook('orchestrators/doesNotExist'), { body: 1 })).status).toBe(400);
    expect((await request(hook('orchestrators/hello'), { body: 1 })).status).toBe(400); // an activity, not an orchestrator
    expect((await request(hook('orchestrators/fanOut/@entity'), { body: [] })).status).toBe(400);
    expect((await request(hook('orchestrators/fanOut/a%23b'), { body: [] })).status).toBe(400);
    expect((await request(hook('orchestrators/fanOut/a%5Cb'), { body: [] })).status).toBe(400);
    expect((await request(hook(`orchestrators/fanOut/${'x'.repeat(257)}`), { body: [] })).status).toBe(400);
  });

  it('refuses a running instance id (409) but replaces a finished one', async () => {
    const id = await startWaiter('mgmt-dup');
    const again = await request(hook('orchestrators/waiter/mgmt-dup'), { method: 'POST' });
    expect(again.status).toBe(409);
    await request(hook(`instances/${id}/terminate`, 'reason=done'), { method: 'POST' });
    await waitForTerminal(hook(`instances/${id}`));
    expect((await request(hook('orchestrators/fanOut/mgmt-dup'), { body: ['again'] })).status).toBe(202);
    const final = await waitForTerminal(hook('instances/mgmt-dup'));
    expect(final['output']).toEqual(['Hello again']);
    expect(final['name']).toBe('fanOut');
  });

  it('waits with ?timeout&pollingInterval: 200 with the output, or 202 when the time is up', async () => {
    const done = await request(hook('orchestrators/fanOut', 'timeout=10&pollingInterval=1'), { body: ['w'] });
    expect(done.status).toBe(200);
    expect(done.body).toEqual(['Hello w']);
    const notDone = await request(hook('orchestrators/waiter', 'timeout=0.2&pollingInterval=0.1'), {
      method: 'POST',
    });
    expect(notDone.status).toBe(202);
    expect(field(notDone.body, 'statusQueryGetUri')).toBeTruthy();
  });
});

describe('GET instances/{instanceId}', () => {
  it('200 for Completed, with times without fractions, input and output; showInput=false drops the input', async () => {
    const id = await startAndWait('fanOut', ['s']);
    const response = await request(hook(`instances/${id}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    const body = response.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'name',
      'instanceId',
      'runtimeStatus',
      'input',
      'customStatus',
      'output',
      'createdTime',
      'lastUpdatedTime',
    ]);
    expect(body['createdTime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body['input']).toEqual(['s']);
    expect(field((await request(hook(`instances/${id}`, 'showInput=false'))).body, 'input')).toBeNull();
  });

  it('202 with Location = request URI and Retry-After 5 while Running; 404 when unknown', async () => {
    const id = await startWaiter();
    const url = hook(`instances/${id}`, 'showInput=true');
    const response = await request(url);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(url);
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await request(hook('instances/no-such-instance'))).status).toBe(404);
  });

  it('200 for Failed, 500 with returnInternalServerErrorOnFailure=true; 200 for Terminated', async () => {
    const failed = await startAndWait('failing', null);
    expect((await request(hook(`instances/${failed}`))).status).toBe(200);
    expect(
      (await request(hook(`instances/${failed}`, 'returnInternalServerErrorOnFailure=true'))).status,
    ).toBe(500);
    const waiter = await startWaiter();
    await request(hook(`instances/${waiter}/terminate`), { method: 'POST' });
    const terminated = await waitForTerminal(hook(`instances/${waiter}`));
    expect(terminated['runtimeStatus']).toBe('Terminated');
    expect((await request(hook(`instances/${waiter}`))).status).toBe(200);
  });

  it('shows the readable history with showHistory, results only with showHistoryOutput', async () => {
    const id = await startAndWait('fanOut', ['h']);
    const withHistory = await request(hook(`instances/${id}`, 'showHistory=true'));
    const events = field(withHistory.body, 'historyEvents') as Record<string, unknown>[];
    expect(events.map((event) => event['EventType'])).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(events[0]?.['FunctionName']).toBe('fanOut');
    expect(events[1]?.['FunctionName']).toBe('hello');
    expect(events[1]?.['ScheduledTime']).toBeTruthy();
    expect(events[1]).not.toHaveProperty('Result');
    expect(events[2]?.['OrchestrationStatus']).toBe('Completed');
    const withOutput = await request(hook(`instances/${id}`, 'showHistory=true&showHistoryOutput=true'));
    const outputEvents = field(withOutput.body, 'historyEvents') as Record<string, unknown>[];
    expect(outputEvents[1]?.['Result']).toBe('Hello h');
    expect(outputEvents[2]?.['Result']).toEqual(['Hello h']);
  });
});

describe('GET instances/ (list and query)', () => {
  it('pages with top and x-ms-continuation-token, and filters by status, prefix and created time', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    for (const n of [1, 2, 3]) await startAndWait('fanOut', [`p${n}`], `page-${n}`);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const response = await request(rpc('instances/', 'instanceIdPrefix=page-&top=2'), {
        headers: token ? { 'x-ms-continuation-token': token } : {},
      });
      expect(response.status).toBe(200);
      seen.push(...(response.body as { instanceId: string }[]).map((status) => status.instanceId));
      token = response.headers.get('x-ms-continuation-token');
      pages++;
    } while (token);
    expect(seen).toEqual(['page-1', 'page-2', 'page-3']);
    expect(pages).toBe(2);

    const completed = (
      await request(
        hook('instances/', `runtimeStatus=Completed&createdTimeFrom=${since}&instanceIdPrefix=page-`),
      )
    ).body;
    expect((completed as unknown[]).length).toBe(3);
    const running = (
      await request(hook('instances/', 'runtimeStatus=Running,Pending&instanceIdPrefix=page-'))
    ).body;
    expect(running).toEqual([]);
    const future = (
      await request(hook('instances/', `createdTimeFrom=${new Date(Date.now() + 60_000).toISOString()}`))
    ).body;
    expect(future).toEqual([]);
  });
});

describe('DELETE instances/{instanceId} and instances/ (purge)', () => {
  it('purges one finished instance: 200 {instancesDeleted:1}, then 404; refuses a running one', async () => {
    const id = await startAndWait('fanOut', ['d']);
    const purged = await request(hook(`instances/${id}`), { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ instancesDeleted: 1 });
    expect((await request(hook(`instances/${id}`))).status).toBe(404);
    expect(host.durable.getHistory(id)).toEqual([]);
    expect((await request(hook(`instances/${id}`), { method: 'DELETE' })).status).toBe(404);
    const running = await startWaiter();
    expect((await request(hook(`instances/${running}`), { method: 'DELETE' })).status).toBe(412);
  });

  it('purges by filter: 400 without createdTimeFrom, 200 with the count, 404 when nothing matched', async () => {
    const from = new Date(Date.now() - 10).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ids = [
      await startAndWait('fanOut', ['f1']),
      await startAndWait('fanOut', ['f2']),
      await startAndWait('failing', null),
    ];
    const keep = await startWaiter();
    expect((await request(hook('instances/'), { method: 'DELETE' })).status).toBe(400);
    const completedOnly = await request(
      hook('instances/', `createdTimeFrom=${from}&runtimeStatus=Completed`),
      { method: 'DELETE' },
    );
    expect(completedOnly.status).toBe(200);
    expect(completedOnly.body).toEqual({ instancesDeleted: 2 });
    expect(host.durable.getInstance(ids[2] ?? '')?.runtimeStatus).toBe('Failed');
    const rest = await request(rpc('instances/', `createdTimeFrom=${from}`), { method: 'DELETE' });
    expect(rest.body).toEqual({ instancesDeleted: 1 });
    expect(host.durable.getInstance(keep)?.runtimeStatus).toBe('Running');
    expect(
      (
        await request(hook('instances/', `createdTimeFrom=${from}&runtimeStatus=Completed`), {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
  });
});

describe('POST instances/{instanceId}/{operation}', () => {
  it('terminate: 202, then 410 once finished; 404 when unknown', async () => {
    const id = await startWaiter();
    expect((await request(hook(`instances/${id}/terminate`, 'reason=stop'), { method: 'POST' })).status).toBe(
      202,
    );
    await waitForTerminal(hook(`instances/${id}`));
    expect((await request(hook(`instances/${id}/terminate`), { method: 'POST' })).status).toBe(410);
    expect((await request(hook('instances/nobody/terminate'), { method: 'POST' })).status).toBe(404);
  });

  it('suspend and resume: 202 each, Suspended holds events until resumed; 404 unknown; 410 finished', async () => {
    const started = await request(rpc('orchestrators/approval'), { method: 'POST' });
    const id = String(field(started.body, 'id'));
    await eventually(() => (host.durable.getInstance(id)?.runtimeStatus === 'Running' ? true : undefined));
    expect((await request(hook(`instances/${id}/suspend`, 'reason=pause'), { method: 'POST' })).status).toBe(
      202,
    );
    await eventually(() => (host.durable.getInstance(id)?.runtimeStatus === 'Suspended' ? true : undefined));
    expect(field((await request(hook(`instances/${id}`))).body, 'runtimeStatus')).toBe('Suspended');
    expect((await request(hook(`instances/${id}/raiseEvent/Approval`), { body: 1 })).status).toBe(202);
    expect((await request(hook(`instances/${id}/raiseEvent/Second`), { body: 2 })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(host.durable.getInstance(id)?.runtimeStatus).toBe('Suspended');
    expect((await request(hook(`instances/${id}/resume`, 'reason=go'), { method: 'POST' })).status).toBe(202);
    const final = await waitForTerminal(hook(`instances/${id}`));
    expect(final['output']).toEqual({ first: 1, second: 2 });
    expect((await request(hook(`instances/${id}/suspend`), { method: 'POST' })).status).toBe(410);
    expect((await request(hook('instances/nobody/resume'), { method: 'POST' })).status).toBe(404);
  });

  it('rewind: 404 unknown, 410 completed, 412 running, 501 for failed (not supported locally)', async () => {
    expect((await request(hook('instances/nobody/rewind'), { method: 'POST' })).status).toBe(404);
    const completed = await startAndWait('fanOut', ['r']);
    expect((await request(hook(`instances/${completed}/rewind`), { method: 'POST' })).status).toBe(410);
    const running = await startWaiter();
    expect((await request(hook(`instances/${running}/rewind`), { method: 'POST' })).status).toBe(412);
    const failed = await startAndWait('failing', null);
    expect((await request(hook(`instances/${failed}/rewind`), { method: 'POST' })).status).toBe(501);
  });

  it('restart: 202 with a new id (or the same one on request); 400 when unknown', async () => {
    const id = await startAndWait('fanOut', ['again']);
    const restarted = await request(hook(`instances/${id}/restart`), { method: 'POST' });
    expect(restarted.status).toBe(202);
    const newId = String(field(restarted.body, 'id'));
    expect(newId).not.toBe(id);
    expect((await waitForTerminal(hook(`instances/${newId}`)))['output']).toEqual(['Hello again']);
    const same = await request(hook(`instances/${id}/restart`, 'restartWithNewInstanceId=false'), {
      method: 'POST',
    });
    expect(field(same.body, 'id')).toBe(id);
    expect((await request(hook('instances/nobody/restart'), { method: 'POST' })).status).toBe(400);
  });
});

describe('POST instances/{instanceId}/raiseEvent/{eventName}', () => {
  it('202; 404 unknown; 410 finished; 400 unless application/json; 400 for invalid JSON', async () => {
    const id = await startWaiter();
    const url = hook(`instances/${id}/raiseEvent/Other`);
    expect((await request(url, { body: { any: 1 } })).status).toBe(202);
    expect(
      (await request(url, { method: 'POST', rawBody: 'x', headers: { 'content-type': 'text/plain' } }))
        .status,
    ).toBe(400);
    expect(
      (
        await request(url, {
          method: 'POST',
          rawBody: '{bad',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await request(hook('instances/nobody/raiseEvent/Other'), { body: 1 })).status).toBe(404);
    const done = await startAndWait('fanOut', ['e']);
    expect((await request(hook(`instances/${done}/raiseEvent/Other`), { body: 1 })).status).toBe(410);
  });
});

describe('routing and keys', () => {
  it('requires the system (or master) key on the webhook, none on the loopback RPC base', async () => {
    const id = await startAndWait('fanOut', ['k']);
    const bare = `${host.url}/runtime/webhooks/durabletask/instances/${id}`;
    expect((await request(bare)).status).toBe(401);
    expect((await request(`${bare}?code=wrong`)).status).toBe(401);
    expect((await request(`${bare}?code=${host.keys.masterKey}`)).status).toBe(200);
    expect((await request(`${bare}`, { headers: { 'x-functions-key': systemKey } })).status).toBe(200);
    expect((await request(rpc(`instances/${id}`))).status).toBe(200);
  });

  it('404 for unknown routes and wrong methods; 501 for entities', async () => {
    expect((await request(hook('orchestrators/fanOut'))).status).toBe(404);
    expect((await request(hook('instances/x/unknownOp'), { method: 'POST' })).status).toBe(404);
    expect((await request(hook('nothing/here'))).status).toBe(404);
    expect((await request(hook('entities/counter/one'))).status).toBe(501);
  });
});
