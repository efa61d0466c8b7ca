import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLING } from '../../dev/graph-emulator/index';
import { MOBILE_ID, startTestGraph, type TestGraph } from './helpers';

/** Contract tests: throttling (reference/graph.md §5.1-5.2). */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});
afterEach(async () => {
  await g.emulator.control.setThrottling({
    ...DEFAULT_THROTTLING,
    resourceUnits: { capacity: 3500, windowSeconds: 10 },
  });
});

const patch = (token?: string) =>
  g.call('PATCH', `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`, {
    body: { phoneNumber: '+49 1712345678' },
    ...(token ? { token } : {}),
  });

describe('§5.2 resource units', () => {
  it('§5.2 every directory response carries x-ms-resource-unit with the documented cost', async () => {
    const cost = async (path: string): Promise<string | string[] | undefined> =>
      (await g.call('GET', path)).headers['x-ms-resource-unit'];
    expect(await cost('/users/anna.schmidt@contoso.com')).toBe('1');
    expect(await cost('/users/anna.schmidt@contoso.com?$select=id')).toBe('1'); // minimum 1
    expect(await cost('/users')).toBe('2'); // collection
    expect(await cost('/users?$select=id')).toBe('1'); // $select -1
    expect(await cost('/users?$top=5')).toBe('1'); // $top < 20 -1
    expect(await cost('/users/delta?$deltatoken=latest')).toBe('2');
    expect(await cost('/users/anna.schmidt@contoso.com/authentication/phoneMethods')).toBe('1');
    expect((await patch()).headers['x-ms-resource-unit']).toBe('1');
  });

  it('§5.2 the app+tenant quota follows tenant size (S < 50 users: 3,500 / 10 s; L > 500: 8,000 / 10 s)', async () => {
    const small = await g.emulator.control.getThrottling();
    expect((small as { resourceUnits?: unknown }).resourceUnits).toEqual({
      capacity: 3500,
      windowSeconds: 10,
    });
    const large = await startTestGraph({ seed: { generate: { users: 600 } } });
    try {
      expect(
        ((await large.emulator.control.getThrottling()) as { resourceUnits?: unknown }).resourceUnits,
      ).toEqual({
        capacity: 8000,
        windowSeconds: 10,
      });
    } finally {
      await large.emulator.stop();
    }
  });

  it('§5.2 running out of resource units is a 429 ResourceUnitLimitExceeded', async () => {
    await g.emulator.control.setThrottling({ resourceUnits: { capacity: 3, windowSeconds: 10 } });
    for (let i = 0; i < 3; i++)
      expect((await g.call('GET', '/users/anna.schmidt@contoso.com')).status).toBe(200);
    const res = await g.call('GET', '/users/anna.schmidt@contoso.com');
    expect(res.status).toBe(429);
    expect(res.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');
    expect(res.headers['x-ms-throttle-scope']).toMatch(
      /^Tenant_Application\/ReadWrite\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/,
    );
  });
});

describe('§5.1 writes: 3,000 / 150 s per app+tenant', () => {
  it('§5.1 over the write quota: 429 with Retry-After, x-ms-throttle-* headers and the documented body; reads still pass', async () => {
    await g.emulator.control.setThrottling({ writes: { capacity: 3, windowSeconds: 150 } });
    for (let i = 0; i < 3; i++) expect((await patch()).status).toBe(204);
    const res = await patch();
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['x-ms-throttle-information']).toBe('WriteLimitExceeded');
    const appId = g.emulator.managedIdentity.clientId;
    expect(res.headers['x-ms-throttle-scope']).toBe(
      `Tenant_Application/Write/${appId}/${g.emulator.tenantId}`,
    );
    expect(res.body.error.code).toBe('TooManyRequests');
    expect(res.body.error.innerError).toMatchObject({
      code: '429',
      status: '429',
      message: 'Please retry after',
    });
    // "Writes can be throttled while reads still pass."
    expect((await g.call('GET', '/users/ben.mueller@contoso.com/authentication/phoneMethods')).status).toBe(
      200,
    );
  });

  it('§5.2 x-ms-throttle-limit-percentage appears only above 80% of a budget', async () => {
    await g.emulator.control.setThrottling({ writes: { capacity: 10, windowSeconds: 150 } });
    const percentages: (string | undefined)[] = [];
    for (let i = 0; i < 9; i++)
      percentages.push((await patch()).headers['x-ms-throttle-limit-percentage'] as string | undefined);
    expect(percentages.slice(0, 8).every((p) => p === undefined)).toBe(true);
    expect(Number(percentages[8])).toBeGreaterThanOrEqual(0.8);
    expect(Number(percentages[8])).toBeLessThanOrEqual(1.8);
  });

  it('§5.1 usage keeps accruing while throttled: hammering makes Retry-After grow', async () => {
    await g.emulator.control.setThrottling({ writes: { capacity: 2, windowSeconds: 150 } });
    await patch();
    await patch();
    const first = Number((await patch()).headers['retry-after']);
    for (let i = 0; i < 5; i++) await patch();
    const later = Number((await patch()).headers['retry-after']);
    expect(later).toBeGreaterThan(first);
  });

  it('§5.2 the app+tenant bucket is per app: another app still writes', async () => {
    await g.emulator.control.setThrottling({ writes: { capacity: 1, windowSeconds: 150 } });
    await patch();
    expect((await patch()).status).toBe(429);
    const other = g.emulator.credentials.clientSecret!;
    const token = (await g.emulator.control.mintToken({ appId: other.clientId })).accessToken;
    expect((await patch(token)).status).toBe(204);
  });

  it('§5.2 the tenant-wide write bucket is shared by all apps', async () => {
    await g.emulator.control.setThrottling({ tenantWrites: { capacity: 2, windowSeconds: 300 } });
    await patch();
    const other = g.emulator.credentials.clientSecret!;
    const token = (await g.emulator.control.mintToken({ appId: other.clientId })).accessToken;
    expect((await patch(token)).status).toBe(204);
    const res = await patch(token);
    expect(res.status).toBe(429);
    expect(res.headers['x-ms-throttle-scope']).toMatch(/^Tenant\/Write\//);
  });

  it('throttling can be switched off', async () => {
    await g.emulator.control.setThrottling({ enabled: false, writes: { capacity: 1, windowSeconds: 150 } });
    for (let i = 0; i < 5; i++) expect((await patch()).status).toBe(204);
  });
});

describe('time scale', () => {
  it('timeScale compresses the 150 s write window: after Retry-After the write succeeds', async () => {
    // 150 s / 50 = a 3 s window for 2 writes (one write refills in 1.5 s).
    const fast = await startTestGraph({
      timeScale: 50,
      throttling: { writes: { capacity: 2, windowSeconds: 150 } },
    });
    try {
      const write = () =>
        fast.call('PATCH', `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`, {
          body: { phoneNumber: '+49 1712345678' },
        });
      await write();
      await write();
      const throttled = await write();
      expect(throttled.status).toBe(429);
      // The refused write was charged too, so two writes' worth must refill: 3 s, not 150 s.
      const retryAfter = Number(throttled.headers['retry-after']);
      expect(retryAfter).toBe(3);
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      expect((await write()).status).toBe(204);
    } finally {
      await fast.emulator.stop();
    }
  });
});
