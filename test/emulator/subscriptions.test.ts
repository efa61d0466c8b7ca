import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MOBILE_ID, startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: subscriptions and change notifications (reference/graph.md §7, §8). */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let g: TestGraph;
let sink: http.Server;
let sinkUrl: string;
const received: Received[] = [];
/** How the sink answers webhook validation: 'echo' (correct), 'encoded' (wrong), 'status500'. */
let validationMode: 'echo' | 'encoded' | 'status500' = 'echo';
/** The `/flaky` sink path fails this many deliveries before accepting. */
let flakyFailures = 0;

const EVENT_GRID =
  'EventGrid:?azuresubscriptionid=8f0a5c56-2e3d-4e6a-9b1e-3c9f0d7a1b22&resourcegroup=rg-mfa&partnertopic=graph-users&location=westeurope';

beforeAll(async () => {
  sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sink');
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        if (validationMode === 'status500') res.writeHead(500).end();
        else
          res
            .writeHead(200, { 'Content-Type': 'text/plain' })
            .end(validationMode === 'echo' ? token : encodeURIComponent(token));
        return;
      }
      if (url.pathname === '/flaky' && flakyFailures > 0) {
        flakyFailures--;
        res.writeHead(503).end();
        return;
      }
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(202).end();
    });
  });
  sink.listen(0, '127.0.0.1');
  await new Promise((r) => sink.once('listening', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  g = await startTestGraph({ eventSink: { url: `${sinkUrl}/eventgrid` } });
});
afterAll(async () => {
  await g.emulator.stop();
  sink.closeAllConnections();
  await new Promise((r) => sink.close(r));
});
afterEach(async () => {
  for (const sub of (await g.call('GET', '/subscriptions')).body.value as Json[]) {
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  }
  await g.emulator.control.flushEvents();
  received.length = 0;
  validationMode = 'echo';
  flakyFailures = 0;
});

const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

async function subscribe(extra: Record<string, unknown> = {}) {
  return g.call('POST', '/subscriptions', {
    body: {
      changeType: 'updated,deleted',
      resource: 'users',
      clientState: 'secret-client-state',
      notificationUrl: EVENT_GRID,
      lifecycleNotificationUrl: EVENT_GRID,
      expirationDateTime: inMinutes(41_000),
      ...extra,
    },
  });
}

async function cloudEvents(): Promise<Json[]> {
  await g.emulator.control.flushEvents();
  return received.filter((r) => r.url === '/eventgrid').map((r) => JSON.parse(r.body) as Json);
}

describe('§7.1 subscription resource', () => {
  it('§7.1 create answers 201 with the subscription; list/get return it; delete answers 204', async () => {
    const res = await subscribe();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'users',
      changeType: 'updated,deleted',
      clientState: 'secret-client-state',
      notificationUrl: EVENT_GRID,
      lifecycleNotificationUrl: EVENT_GRID,
      applicationId: g.emulator.managedIdentity.clientId,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const list = await g.call('GET', '/subscriptions');
    expect(list.body.value.map((s: Json) => s.id)).toContain(res.body.id);
    expect((await g.call('GET', `/subscriptions/${res.body.id}`)).status).toBe(200);
    expect((await g.call('DELETE', `/subscriptions/${res.body.id}`)).status).toBe(204);
    expect((await g.call('GET', `/subscriptions/${res.body.id}`)).status).toBe(404);
  });

  it('§7.1 users may be subscribed for at most 41,760 minutes; expiry must be in the future', async () => {
    const tooLong = await subscribe({ expirationDateTime: inMinutes(41_761) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toContain('41760');
    expect((await subscribe({ expirationDateTime: inMinutes(41_759) })).status).toBe(201);
    expect((await subscribe({ expirationDateTime: inMinutes(-1) })).status).toBe(400);
  });

  it('§7.1 changeType, clientState length and the Event Grid URL are validated', async () => {
    expect((await subscribe({ changeType: 'updated,renamed' })).status).toBe(400);
    expect((await subscribe({ clientState: 'x'.repeat(129) })).status).toBe(400);
    expect(
      (
        await subscribe({
          notificationUrl:
            'EventGrid:?azuresubscriptionid=8f0a5c56-2e3d-4e6a-9b1e-3c9f0d7a1b22&resourcegroup=rg',
        })
      ).status,
    ).toBe(400);
    expect((await subscribe({ resource: 'groups' })).status).toBe(400);
  });

  it('§7.1 renew with PATCH (200); lifecycleNotificationUrl cannot be changed; reauthorize answers 204', async () => {
    const created = await subscribe();
    const id = created.body.id as string;
    const expiry = inMinutes(30_000);
    const renewed = await g.call('PATCH', `/subscriptions/${id}`, { body: { expirationDateTime: expiry } });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expirationDateTime)).toBe(Date.parse(expiry));
    expect(
      (await g.call('PATCH', `/subscriptions/${id}`, { body: { expirationDateTime: inMinutes(50_000) } }))
        .status,
    ).toBe(400);
    expect(
      (await g.call('PATCH', `/subscriptions/${id}`, { body: { lifecycleNotificationUrl: EVENT_GRID } }))
        .status,
    ).toBe(400);
    expect((await g.call('POST', `/subscriptions/${id}/reauthorize`)).status).toBe(204);
    await g.call('DELETE', `/subscriptions/${id}`);
  });

  it('§7.1 subscribing to users needs a user-read permission; other apps do not see your subscriptions', async () => {
    const none = (await g.emulator.control.mintToken({ roles: [] })).accessToken;
    expect(
      (await g.call('POST', '/subscriptions', { token: none, body: { resource: 'users' } })).status,
    ).toBe(403);
    const created = await subscribe();
    const reader = g.emulator.credentials.readOnly!;
    const token = (await g.emulator.control.mintToken({ appId: reader.clientId })).accessToken;
    expect((await g.call('GET', `/subscriptions/${created.body.id}`, { token })).status).toBe(404);
  });
});

describe('§7.3 CloudEvents to the Event Grid sink', () => {
  it('§7.3 changing a user attribute emits Microsoft.Graph.UserUpdated shaped like the partner topic event', async () => {
    const sub = (await subscribe()).body;
    const anna = (await g.emulator.control.getUser('anna.schmidt@contoso.com'))!;
    await g.emulator.control.updateUser(anna.id, {
      onPremisesExtensionAttributes: { extensionAttribute15: '+49 170 1111111' },
    });
    const events = (await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      type: 'Microsoft.Graph.UserUpdated',
      source: `/tenants/${g.emulator.tenantId}/applications/${g.emulator.managedIdentity.clientId}`,
      subject: `Users/${anna.id}`,
      datacontenttype: 'application/json',
      specversion: '1.0',
      data: {
        changeType: 'updated',
        clientState: 'secret-client-state',
        resource: `Users/${anna.id}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.User',
          '@odata.id': `Users/${anna.id}`,
          id: anna.id,
          organizationId: g.emulator.tenantId,
        },
        subscriptionId: sub.id,
        tenantId: g.emulator.tenantId,
      },
    });
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.data.resourceData.sequenceNumber).toEqual(expect.any(Number));
    expect(e.data.subscriptionExpirationDateTime).toMatch(/\+00:00$/);
    // Notifications carry no property values (§7.1): the number is not in the event.
    expect(JSON.stringify(e)).not.toContain('1111111');
    const delivery = received.find((r) => r.url === '/eventgrid');
    expect(delivery?.headers['content-type']).toContain('application/cloudevents+json');
    expect(delivery?.headers['aeg-event-type']).toBe('Notification');
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });

  it('§7.3 creation and soft delete arrive as UserUpdated; permanent delete as UserDeleted (when subscribed to deleted)', async () => {
    const sub = (await subscribe()).body;
    const user = await g.emulator.control.addUser({
      id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      userPrincipalName: 'temp@contoso.com',
      displayName: 'Temp',
    });
    await g.emulator.control.deleteUser(user.id);
    await g.emulator.control.deleteUser(user.id, { permanent: true });
    // Delivery order is not guaranteed (Event Grid's neither): order by the notification's sequence number.
    const types = (await cloudEvents())
      .filter((e) => e.data.subscriptionId === sub.id)
      .sort((a, b) => a.data.resourceData.sequenceNumber - b.data.resourceData.sequenceNumber)
      .map((e) => [e.type, e.data.changeType]);
    expect(types).toEqual([
      ['Microsoft.Graph.UserUpdated', 'updated'],
      ['Microsoft.Graph.UserUpdated', 'updated'],
      ['Microsoft.Graph.UserDeleted', 'deleted'],
    ]);
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });

  it('§7.1 a users/{id} subscription only hears about that user; phone-method writes are not user changes', async () => {
    const ben = (await g.emulator.control.getUser('ben.mueller@contoso.com'))!;
    const sub = (await subscribe({ resource: `users/${ben.id}`, changeType: 'updated' })).body;
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', { jobTitle: 'Other user' });
    await g.call('PATCH', `/users/${ben.id}/authentication/phoneMethods/${MOBILE_ID}`, {
      body: { phoneNumber: '+49 1712345678' },
    });
    expect((await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id)).toEqual([]);
    await g.emulator.control.updateUser(ben.id, { jobTitle: 'Ben changed' });
    expect((await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id)).toHaveLength(1);
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });

  it('§7.2 reauthorizationRequired: lifecycle CloudEvent; delivery pauses (changes are lost) until the app reauthorizes', async () => {
    const sub = (await subscribe()).body;
    await g.emulator.control.requireReauthorization(sub.id);
    const lifecycle = (await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id);
    expect(lifecycle).toHaveLength(1);
    expect(lifecycle[0]).toMatchObject({
      type: 'Microsoft.Graph.SubscriptionReauthorizationRequired',
      data: {
        subscriptionId: sub.id,
        lifecycleEvent: 'reauthorizationRequired',
        clientState: 'secret-client-state',
      },
    });
    received.length = 0;
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', { jobTitle: 'During pause' });
    expect((await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id)).toEqual([]);
    const paused = (await g.emulator.control.events()).filter(
      (d) => d.subscriptionId === sub.id && d.status === 'paused',
    );
    expect(paused).toHaveLength(1);
    expect((await g.call('POST', `/subscriptions/${sub.id}/reauthorize`)).status).toBe(204);
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', { jobTitle: 'After reauthorize' });
    expect((await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id)).toHaveLength(1);
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });

  it('§7.3 an expiry less than 3 hours ahead triggers reauthorizationRequired at once', async () => {
    const sub = (await subscribe({ expirationDateTime: inMinutes(90) })).body;
    const events = (await cloudEvents()).filter((e) => e.data.subscriptionId === sub.id);
    expect(events.map((e) => e.type)).toEqual(['Microsoft.Graph.SubscriptionReauthorizationRequired']);
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });

  it('§7.3 a sink that fails is retried (batch mode: an array per POST); the delivery record says what happened', async () => {
    flakyFailures = 1;
    await g.emulator.control.setEventSink({ url: `${sinkUrl}/flaky`, mode: 'batch' });
    const before = (await g.emulator.control.events()).at(-1)?.seq ?? 0;
    const sub = (await subscribe({ lifecycleNotificationUrl: null })).body;
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', { jobTitle: 'Batch mode' });
    await g.emulator.control.flushEvents();
    const record = (await g.emulator.control.events({ since: before })).find(
      (d) => d.subscriptionId === sub.id,
    );
    expect(record).toMatchObject({ status: 'delivered', attempts: 2, lastHttpStatus: 202 });
    const body = JSON.parse(received.find((r) => r.url === '/flaky')?.body ?? 'null');
    expect(Array.isArray(body)).toBe(true);
    expect(body[0].type).toBe('Microsoft.Graph.UserUpdated');
    await g.emulator.control.setEventSink({ url: `${sinkUrl}/eventgrid` });
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  });
});

describe('§8 plain webhooks', () => {
  it('§8 creation runs the validation handshake; the decoded token must come back', async () => {
    const ok = await subscribe({
      notificationUrl: `${sinkUrl}/hook`,
      lifecycleNotificationUrl: null,
      changeType: 'updated',
    });
    expect(ok.status).toBe(201);
    validationMode = 'encoded';
    const encoded = await subscribe({ notificationUrl: `${sinkUrl}/hook`, lifecycleNotificationUrl: null });
    expect(encoded.status).toBe(400);
    expect(encoded.body.error.message).toContain('Subscription validation request failed');
    validationMode = 'status500';
    expect(
      (await subscribe({ notificationUrl: `${sinkUrl}/hook`, lifecycleNotificationUrl: null })).status,
    ).toBe(400);
    validationMode = 'echo';
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', { jobTitle: 'Webhook' });
    await g.emulator.control.flushEvents();
    const delivered = received.filter((r) => r.url === '/hook').map((r) => JSON.parse(r.body) as Json);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].value[0]).toMatchObject({
      subscriptionId: ok.body.id,
      changeType: 'updated',
      clientState: 'secret-client-state',
      tenantId: g.emulator.tenantId,
      resourceData: { '@odata.type': '#Microsoft.Graph.User' },
    });
    await g.call('DELETE', `/subscriptions/${ok.body.id}`);
  });

  it('§8 non-https webhook URLs are refused unless they are loopback', async () => {
    expect(
      (await subscribe({ notificationUrl: 'http://example.com/hook', lifecycleNotificationUrl: null }))
        .status,
    ).toBe(400);
  });
});
