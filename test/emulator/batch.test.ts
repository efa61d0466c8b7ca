import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOBILE_ID, startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: JSON batching (reference/graph.md §5.3). */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph({ randomSeed: 7 });
});
afterAll(async () => {
  await g.emulator.stop();
});

const get = (id: string, upn: string) => ({
  id,
  method: 'GET',
  url: `/users/${upn}?$select=id,userPrincipalName`,
});

describe('§5.3 $batch', () => {
  it('§5.3 answers 200 with one response per id, in an order that is not the request order', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => get(String(i + 1), 'anna.schmidt@contoso.com'));
    const res = await g.call('POST', '/$batch', { body: { requests } });
    expect(res.status).toBe(200);
    const ids = (res.body.responses as Json[]).map((r) => r.id);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(requests.map((r) => r.id));
    expect(ids).not.toEqual(requests.map((r) => r.id));
    for (const r of res.body.responses as Json[]) {
      expect(r.status).toBe(200);
      expect(r.body.userPrincipalName).toBe('anna.schmidt@contoso.com');
      expect(r.headers['Content-Type'] ?? r.headers['content-type']).toContain('application/json');
    }
  });

  it('§5.3 the response order is reproducible for a given random seed, and differs for another seed', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => get(`r${i}`, 'ben.mueller@contoso.com'));
    const orderWith = async (randomSeed: number): Promise<string[]> => {
      const fresh = await startTestGraph({ randomSeed });
      try {
        const res = await fresh.call('POST', '/$batch', { body: { requests } });
        return (res.body.responses as Json[]).map((r) => r.id as string);
      } finally {
        await fresh.emulator.stop();
      }
    };
    const first = await orderWith(7);
    expect(await orderWith(7)).toEqual(first);
    expect(await orderWith(8)).not.toEqual(first);
  });

  it('§5.3 more than 20 requests, duplicate ids (case-insensitive), or a body without Content-Type: the whole batch is 400', async () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => get(String(i), 'anna.schmidt@contoso.com'));
    const big = await g.call('POST', '/$batch', { body: { requests: tooMany } });
    expect(big.status).toBe(400);
    expect(big.body.error.innerError['request-id']).toBeTruthy();
    const dup = await g.call('POST', '/$batch', {
      body: { requests: [get('a', 'anna.schmidt@contoso.com'), get('A', 'anna.schmidt@contoso.com')] },
    });
    expect(dup.status).toBe(400);
    const noType = await g.call('POST', '/$batch', {
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: '/users/anna.schmidt@contoso.com/authentication/phoneMethods',
            body: {},
          },
        ],
      },
    });
    expect(noType.status).toBe(400);
    const unknownDep = await g.call('POST', '/$batch', {
      body: { requests: [{ ...get('1', 'x@contoso.com'), dependsOn: ['9'] }] },
    });
    expect(unknownDep.status).toBe(400);
  });

  it('§5.3 items fail individually; the envelope stays 200', async () => {
    const res = await g.call('POST', '/$batch', {
      body: { requests: [get('ok', 'anna.schmidt@contoso.com'), get('missing', 'nobody@contoso.com')] },
    });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries((res.body.responses as Json[]).map((r) => [r.id, r]));
    expect(byId.ok.status).toBe(200);
    expect(byId.missing.status).toBe(404);
    expect(byId.missing.body.error.code).toBe('Request_ResourceNotFound');
  });

  it('§5.3 dependsOn runs in order; a failed dependency gives 424 to its dependents', async () => {
    const res = await g.call('POST', '/$batch', {
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: '/users/felix.becker@contoso.com/authentication/phoneMethods',
            headers: { 'Content-Type': 'application/json' },
            body: { phoneNumber: '+49 1756789012', phoneType: 'mobile' }, // duplicate type: fails
          },
          {
            id: '2',
            method: 'PATCH',
            url: `/users/felix.becker@contoso.com/authentication/phoneMethods/${MOBILE_ID}`,
            headers: { 'Content-Type': 'application/json' },
            body: { phoneNumber: '+49 1756789012' },
            dependsOn: ['1'],
          },
          {
            id: '3',
            method: 'PATCH',
            url: `/users/wanda.huber@contoso.com/authentication/phoneMethods/${MOBILE_ID}`,
            headers: { 'Content-Type': 'application/json' },
            body: { phoneNumber: '+43 6641234567' },
          },
          {
            id: '4',
            method: 'POST',
            url: '/users/wanda.huber@contoso.com/authentication/phoneMethods',
            headers: { 'Content-Type': 'application/json' },
            body: { phoneNumber: '+43 6641234567', phoneType: 'mobile' },
          },
          {
            id: '5',
            method: 'GET',
            url: '/users/wanda.huber@contoso.com/authentication/phoneMethods',
            dependsOn: ['4'],
          },
        ],
      },
    });
    const byId = Object.fromEntries((res.body.responses as Json[]).map((r) => [r.id, r]));
    expect(byId['1'].status).toBe(400);
    expect(byId['2'].status).toBe(424);
    expect(byId['3'].status).toBe(404);
    expect(byId['4'].status).toBe(201);
    expect(byId['5'].status).toBe(200);
    expect(byId['5'].body.value).toHaveLength(1);
    expect((await g.emulator.control.getUser('felix.becker@contoso.com'))?.phoneMethods[0]?.phoneNumber).toBe(
      '+49 1750000000',
    );
  });

  it('§5.3 a throttled item gets its own 429 and Retry-After inside the 200 envelope', async () => {
    await g.emulator.control.setThrottling({ writes: { capacity: 2, windowSeconds: 150 } });
    try {
      const requests = Array.from({ length: 5 }, (_, i) => ({
        id: `w${i}`,
        method: 'PATCH',
        url: `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`,
        headers: { 'Content-Type': 'application/json' },
        body: { phoneNumber: `+49 171234567${i}` },
      }));
      const res = await g.call('POST', '/$batch', { body: { requests } });
      expect(res.status).toBe(200);
      const throttled = (res.body.responses as Json[]).filter((r) => r.status === 429);
      expect(throttled.length).toBe(3);
      for (const r of throttled) {
        expect(Number(r.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
        expect(r.body.error.code).toBe('TooManyRequests');
      }
      expect((res.body.responses as Json[]).filter((r) => r.status === 204)).toHaveLength(2);
    } finally {
      await g.emulator.control.setThrottling({ writes: { capacity: 3000, windowSeconds: 150 } });
    }
  });

  it('§5.3 items are logged individually with a pointer to their envelope', async () => {
    const since = await g.emulator.control.lastRequestSeq();
    await g.call('POST', '/$batch', {
      body: { requests: [get('x', 'anna.schmidt@contoso.com'), get('y', 'ben.mueller@contoso.com')] },
    });
    const log = await g.emulator.control.requests({ since });
    const envelope = log.find((e) => e.channel === 'graph' && e.path.endsWith('/$batch'));
    const items = log.filter((e) => e.channel === 'batchItem');
    expect(items.map((i) => i.batch?.itemId).sort()).toEqual(['x', 'y']);
    expect(items.every((i) => i.batch?.requestId === envelope?.requestId)).toBe(true);
  });
});
