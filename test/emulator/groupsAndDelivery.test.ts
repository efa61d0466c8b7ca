import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type Json, type TestGraph } from './helpers';

/** Groups with transitive membership, and the Event Grid delivery knobs (issue 8 §5). */
let g: TestGraph;
let sink: http.Server;
const received: Json[] = [];
/** Deliveries the sink refuses with 503 before accepting. */
let failNext = 0;

const EVENT_GRID =
  'EventGrid:?azuresubscriptionid=8f0a5c56-2e3d-4e6a-9b1e-3c9f0d7a1b22&resourcegroup=rg-mfa&partnertopic=graph-users&location=westeurope';
const PILOT = '6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a';
const NESTED = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

beforeAll(async () => {
  sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
      res.writeHead(202).end();
    });
  });
  sink.listen(0, '127.0.0.1');
  await new Promise((resolve) => sink.once('listening', resolve));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`;
  g = await startTestGraph({ eventSink: { url }, pageSize: 3 });
});
afterAll(async () => {
  await g.emulator.stop();
  sink.closeAllConnections();
  await new Promise((resolve) => sink.close(resolve));
});

async function userIds(count: number): Promise<string[]> {
  const page = await g.emulator.control.listUsers({ top: 100 });
  return page.value
    .filter((user) => !user.softDeleted)
    .slice(0, count)
    .map((user) => user.id);
}

async function memberToken(): Promise<string> {
  return (await g.emulator.control.mintToken({ roles: ['User.Read.All', 'GroupMember.Read.All'] }))
    .accessToken;
}

describe('groups', () => {
  it('lists transitive user members through nested groups, paged, and needs a group read permission', async () => {
    const [a, b, c, d, e] = await userIds(5);
    await g.emulator.control.putGroup(NESTED, {
      displayName: 'nested',
      members: [c, d, e, PILOT] as string[],
    });
    await g.emulator.control.putGroup(PILOT, { displayName: 'pilot', members: [a, b, NESTED] as string[] });
    const token = await memberToken();

    const ids: string[] = [];
    let path: string | undefined = `/groups/${PILOT}/transitiveMembers/microsoft.graph.user?$select=id`;
    let pages = 0;
    while (path !== undefined) {
      const page = await g.call('GET', path, { token });
      expect(page.status).toBe(200);
      ids.push(...(page.body.value as Json[]).map((member) => member.id as string));
      const next = page.body['@odata.nextLink'] as string | undefined;
      path = next === undefined ? undefined : next.slice(next.indexOf('/v1.0') + '/v1.0'.length);
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(ids.sort()).toEqual([a, b, c, d, e].sort());

    const withGroups = await g.call('GET', `/groups/${PILOT}/transitiveMembers`, { token });
    const types = (withGroups.body.value as Json[]).map((member) => member['@odata.type'] as string);
    expect(types).toContain('#microsoft.graph.user');

    // The product's default identity has User.Read.All only: not enough for group membership.
    expect((await g.call('GET', `/groups/${PILOT}/transitiveMembers`)).status).toBe(403);
    expect(
      (await g.call('GET', '/groups/11111111-2222-4333-8444-555555555555/transitiveMembers', { token }))
        .status,
    ).toBe(404);
  });
});

describe('Event Grid delivery', () => {
  it('drops change events when told to, delays them when told to, and retries a failing sink', async () => {
    const created = await g.call('POST', '/subscriptions', {
      body: {
        changeType: 'updated,deleted',
        resource: 'users',
        clientState: 'secret-client-state',
        notificationUrl: EVENT_GRID,
        expirationDateTime: new Date(Date.now() + 40_000 * 60_000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const [user] = await userIds(1);
    const change = (value: string) =>
      g.emulator.control.updateUser(user as string, {
        onPremisesExtensionAttributes: { extensionAttribute15: value },
      });

    await g.emulator.control.setEventDelivery({ dropChanges: true });
    const since = (await g.emulator.control.events()).at(-1)?.seq ?? 0;
    await change('+49 170 1000001');
    await g.emulator.control.flushEvents();
    expect((await g.emulator.control.events({ since })).map((record) => record.status)).toEqual(['dropped']);
    expect(received).toHaveLength(0);

    await g.emulator.control.setEventDelivery({ dropChanges: false, delayMs: 300 });
    const started = Date.now();
    await change('+49 170 1000002');
    await g.emulator.control.flushEvents();
    expect(received).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(received[0]).toMatchObject({ type: 'Microsoft.Graph.UserUpdated', specversion: '1.0' });

    await g.emulator.control.setEventDelivery({ delayMs: 0 });
    failNext = 2;
    await change('+49 170 1000003');
    await g.emulator.control.flushEvents();
    const last = (await g.emulator.control.events()).at(-1);
    expect(last).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(received).toHaveLength(2);
  });
});
