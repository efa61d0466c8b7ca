import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type Json, type TestGraph } from './helpers';

/**
 * Subscription rules where Graph differs from a naive store (issue 8 §5): duplicates, users' change
 * types, the 45-minute floor, what PATCH needs, TLS version and content type in answers.
 */
let g: TestGraph;

const EVENT_GRID =
  'EventGrid:?azuresubscriptionid=8f0a5c56-2e3d-4e6a-9b1e-3c9f0d7a1b22&resourcegroup=rg-mfa&partnertopic=graph-users&location=westeurope';
const OTHER_TOPIC = EVENT_GRID.replace('graph-users', 'other-topic');
const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

beforeAll(async () => {
  g = await startTestGraph({ eventSink: { url: 'http://127.0.0.1:9/unused' } });
});
afterAll(async () => {
  await g.emulator.stop();
});
afterEach(async () => {
  for (const sub of (await g.call('GET', '/subscriptions')).body.value as Json[]) {
    await g.call('DELETE', `/subscriptions/${sub.id}`);
  }
});

function subscribe(extra: Record<string, unknown> = {}) {
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

describe('subscription rules', () => {
  it('refuses a second subscription with the same resource, changeType and notificationUrl (409)', async () => {
    expect((await subscribe()).status).toBe(201);
    const again = await subscribe({ changeType: 'deleted,updated' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already exists/);
    // Another notification URL is another subscription.
    expect((await subscribe({ notificationUrl: OTHER_TOPIC })).status).toBe(201);
    expect((await g.call('GET', '/subscriptions')).body.value).toHaveLength(2);
  });

  it('accepts only updated and deleted for users', async () => {
    for (const changeType of ['created', 'updated,created', 'Updated,Deleted,Created']) {
      const refused = await subscribe({ changeType });
      expect(refused.status, changeType).toBe(400);
      expect(refused.body.error.message).toContain("Invalid 'changeType'");
    }
    expect((await subscribe({ changeType: 'updated' })).status).toBe(201);
  });

  it('raises an expiry under 45 minutes to now + 45 minutes, on create and on renew', async () => {
    const before = Date.now();
    const created = await subscribe({ expirationDateTime: inMinutes(5) });
    expect(created.status).toBe(201);
    const createdExpiry = Date.parse(created.body.expirationDateTime as string);
    expect(createdExpiry).toBeGreaterThanOrEqual(before + 45 * 60_000);
    expect(createdExpiry).toBeLessThanOrEqual(Date.now() + 45 * 60_000);

    const renewed = await g.call('PATCH', `/subscriptions/${created.body.id}`, {
      body: { expirationDateTime: inMinutes(10) },
    });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expirationDateTime as string)).toBeGreaterThanOrEqual(
      before + 45 * 60_000,
    );
  });

  it('needs expirationDateTime or notificationUrl in a PATCH', async () => {
    const created = await subscribe();
    const empty = await g.call('PATCH', `/subscriptions/${created.body.id}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/expirationDateTime or notificationUrl/);
  });

  it('echoes and validates latestSupportedTlsVersion and answers with notificationContentType', async () => {
    const created = await subscribe({ latestSupportedTlsVersion: 'v1_3' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      latestSupportedTlsVersion: 'v1_3',
      notificationContentType: 'application/json',
    });
    const listed = (await g.call('GET', '/subscriptions')).body.value as Json[];
    expect(listed[0]).toMatchObject({
      latestSupportedTlsVersion: 'v1_3',
      notificationContentType: 'application/json',
    });

    const defaulted = await subscribe({ notificationUrl: OTHER_TOPIC });
    expect(defaulted.body.latestSupportedTlsVersion).toBe('v1_2');
    const bad = await subscribe({
      notificationUrl: OTHER_TOPIC.replace('other', 'third'),
      latestSupportedTlsVersion: 'v2_0',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('latestSupportedTlsVersion');
  });
});
