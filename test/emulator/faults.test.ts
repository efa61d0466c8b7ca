import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRandomness } from '../../dev/graph-emulator/core/prng';
import { LatencyModel } from '../../dev/graph-emulator/faults/latency';
import { MOBILE_ID, startTestGraph, type TestGraph } from './helpers';

/** Contract tests: injected faults and latency (reference/graph.md §5.1, §2.7 status table), reproducible by seed. */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});

const get = (upn = 'anna.schmidt@contoso.com') => g.call('GET', `/users/${upn}`);

describe('scripted faults', () => {
  it('§5.1 an injected 429 looks like Graph throttling: Retry-After and the TooManyRequests body', async () => {
    await g.emulator.control.addScriptedFault({
      fault: 'throttle',
      match: { pathIncludes: 'anna.schmidt' },
      retryAfterSeconds: 7,
    });
    const res = await get();
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.error.code).toBe('TooManyRequests');
    expect((await get()).status).toBe(200); // count defaults to 1
  });

  it('§2.7 503 with Retry-After, 504, and both only for matching requests', async () => {
    await g.emulator.control.addScriptedFault({
      fault: 'unavailable',
      match: { method: 'GET', pathIncludes: 'ben.mueller' },
      count: 2,
    });
    expect((await get()).status).toBe(200);
    const first = await get('ben.mueller@contoso.com');
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('2');
    expect((await get('ben.mueller@contoso.com')).status).toBe(503);
    expect((await get('ben.mueller@contoso.com')).status).toBe(200);
    await g.emulator.control.addScriptedFault({ fault: 'gatewayTimeout' });
    const timeout = await get();
    expect(timeout.status).toBe(504);
    expect(timeout.body.error.innerError['request-id']).toBeTruthy();
  });

  it('connection reset: the socket is destroyed without a response', async () => {
    await g.emulator.control.addScriptedFault({ fault: 'connectionReset' });
    await expect(get()).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|socket hang up/i) });
    expect((await get()).status).toBe(200);
  });

  it('slow response: the answer arrives after the given delay', async () => {
    await g.emulator.control.addScriptedFault({ fault: 'slowResponse', delayMs: 300 });
    const started = Date.now();
    const res = await get();
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("phase 'after': the write is applied, then the client gets a 504 (it cannot know)", async () => {
    await g.emulator.control.addScriptedFault({
      fault: 'gatewayTimeout',
      match: { method: 'PATCH' },
      phase: 'after',
    });
    const res = await g.call(
      'PATCH',
      `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`,
      {
        body: { phoneNumber: '+49 1712345678' },
      },
    );
    expect(res.status).toBe(504);
    const user = await g.emulator.control.getUser('ben.mueller@contoso.com');
    expect(user?.phoneMethods[0]?.phoneNumber).toBe('+49 1712345678');
  });

  it('faults are recorded in the request log', async () => {
    const since = await g.emulator.control.lastRequestSeq();
    await g.emulator.control.addScriptedFault({ fault: 'unavailable' });
    await get();
    const [entry] = await g.emulator.control.requests({ since });
    expect(entry).toMatchObject({ status: 503, fault: 'unavailable' });
  });
});

describe('random faults (seeded)', () => {
  async function statuses(randomSeed: number): Promise<number[]> {
    const fresh = await startTestGraph({
      randomSeed,
      faults: { rates: { throttle: 0.2, unavailable: 0.1, gatewayTimeout: 0.1 } },
    });
    try {
      const out: number[] = [];
      for (let i = 0; i < 40; i++)
        out.push((await fresh.call('GET', `/users/anna.schmidt@contoso.com`)).status);
      for (let i = 0; i < 20; i++)
        out.push((await fresh.call('GET', `/users/ben.mueller@contoso.com`)).status);
      return out;
    } finally {
      await fresh.emulator.stop();
    }
  }

  it('the same seed gives the same faults for the same requests; another seed gives others', async () => {
    const a = await statuses(42);
    const b = await statuses(42);
    const c = await statuses(43);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(5);
    expect(new Set(a)).toEqual(new Set([200, 429, 503, 504]));
  });

  it('interleaving does not change which request fails: draws are keyed by request and occurrence', () => {
    const one = new RequestRandomness(9);
    const two = new RequestRandomness(9);
    const a1 = one.forRequest('GET', '/users/a').next();
    const b1 = one.forRequest('GET', '/users/b').next();
    const b2 = two.forRequest('GET', '/users/b').next();
    const a2 = two.forRequest('GET', '/users/a').next();
    expect([a1, b1]).toEqual([a2, b2]);
    expect(one.forRequest('GET', '/users/a').next()).not.toBe(a1); // second occurrence draws anew
  });

  it('a fault profile can be limited to methods and paths and changed at run time', async () => {
    await g.emulator.control.setFaultProfile({
      rates: { unavailable: 1 },
      methods: ['PATCH'],
      pathPattern: 'phoneMethods',
    });
    expect((await get()).status).toBe(200);
    const res = await g.call(
      'PATCH',
      `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`,
      {
        body: { phoneNumber: '+49 1712345678' },
      },
    );
    expect(res.status).toBe(503);
    await g.emulator.control.setFaultProfile(null);
    expect(
      (
        await g.call('PATCH', `/users/ben.mueller@contoso.com/authentication/phoneMethods/${MOBILE_ID}`, {
          body: { phoneNumber: '+49 1712345678' },
        })
      ).status,
    ).toBe(204);
  });
});

describe('latency', () => {
  it('a fixed latency delays every answer by at least that much', async () => {
    await g.emulator.control.setLatency({ read: { kind: 'fixed', ms: 150 } });
    try {
      const started = Date.now();
      await get();
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    } finally {
      await g.emulator.control.setLatency('off');
    }
  });

  it('latency draws are reproducible and follow the profile (log-normal median / p99)', () => {
    const model = new LatencyModel({ read: { kind: 'lognormal', medianMs: 50, p99Ms: 400 } });
    const draw = (seed: number): number[] => {
      const r = new RequestRandomness(seed);
      return Array.from({ length: 2000 }, (_, i) =>
        model.delayMs('read', r.forRequest('GET', `/users/${i}`)),
      );
    };
    const a = draw(5);
    expect(draw(5)).toEqual(a);
    const sorted = [...a].sort((x, y) => x - y);
    const median = sorted[1000] ?? 0;
    const p99 = sorted[1980] ?? 0;
    expect(median).toBeGreaterThan(40);
    expect(median).toBeLessThan(60);
    expect(p99).toBeGreaterThan(300);
    expect(p99).toBeLessThan(530);
    expect(model.delayMs('write', new RequestRandomness(1).forRequest('PATCH', '/x'))).toBe(0);
  });
});
