import { type AccessToken, type TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { sharedToken } from '../../../lib/graph/sharedToken';

function countingCredential(
  lifetimeMs: number,
  clock: { now: number },
  fail = false,
): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken(): Promise<AccessToken | null> {
      credential.calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new Error('token endpoint down');
      return { token: `t${credential.calls}`, expiresOnTimestamp: clock.now + lifetimeMs };
    },
  };
  return credential;
}

describe('sharedToken', () => {
  it('gives concurrent callers one token request', async () => {
    const clock = { now: 0 };
    const inner = countingCredential(3_600_000, clock);
    const shared = sharedToken(inner, { now: () => clock.now });
    const tokens = await Promise.all(
      Array.from({ length: 40 }, () => shared.getToken('https://graph.microsoft.com/.default')),
    );
    expect(inner.calls).toBe(1);
    expect(new Set(tokens.map((token) => token?.token))).toEqual(new Set(['t1']));
  });

  it('reuses a token until shortly before it expires, then fetches a new one', async () => {
    const clock = { now: 0 };
    const inner = countingCredential(3_600_000, clock);
    const shared = sharedToken(inner, { now: () => clock.now, refreshBeforeMs: 300_000 });
    await shared.getToken('s');
    clock.now = 3_000_000;
    expect((await shared.getToken('s'))?.token).toBe('t1');
    clock.now = 3_300_001;
    expect((await shared.getToken('s'))?.token).toBe('t2');
    expect(inner.calls).toBe(2);
  });

  it('does not cache failures: the next caller asks again', async () => {
    const clock = { now: 0 };
    const inner = countingCredential(3_600_000, clock, true);
    const shared = sharedToken(inner, { now: () => clock.now });
    await expect(shared.getToken('s')).rejects.toThrow('token endpoint down');
    await expect(shared.getToken('s')).rejects.toThrow('token endpoint down');
    expect(inner.calls).toBe(2);
  });

  it('keeps scopes apart and passes claims challenges straight through', async () => {
    const clock = { now: 0 };
    const inner = countingCredential(3_600_000, clock);
    const shared = sharedToken(inner, { now: () => clock.now });
    await shared.getToken('a');
    await shared.getToken('b');
    await shared.getToken('a', { claims: '{"access_token":{}}' });
    expect(inner.calls).toBe(3);
  });
});

/** A credential whose first request never answers and whose later ones succeed at once. */
function hungThenFresh(): TokenCredential & { calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    getToken: () => {
      calls += 1;
      return calls === 1
        ? new Promise<AccessToken | null>(() => undefined)
        : Promise.resolve({ token: 'fresh', expiresOnTimestamp: 3_600_000 });
    },
  };
}

describe('sharedToken and hung token requests', () => {
  it('lets a caller give up, and gives the next caller a fresh request instead of the hung one', async () => {
    const inner = hungThenFresh();
    const shared = sharedToken(inner, { now: () => 0 });
    const controller = new AbortController();
    const first = shared.getToken('s', { abortSignal: controller.signal });
    controller.abort(new Error('timed out'));
    await expect(first).rejects.toThrow('timed out');
    expect((await shared.getToken('s'))?.token).toBe('fresh');
    expect(inner.calls()).toBe(2);
  });

  it('stops handing out a request pending longer than maxPendingMs', async () => {
    const shared = sharedToken(hungThenFresh(), { now: () => 0, maxPendingMs: 10 });
    void shared.getToken('s');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await shared.getToken('s'))?.token).toBe('fresh');
  });

  it('starts afresh once told the request in flight was given up on', async () => {
    const inner = hungThenFresh();
    const shared = sharedToken(inner, { now: () => 0 });
    void shared.getToken('s');
    shared.abandonPending();
    expect((await shared.getToken('s'))?.token).toBe('fresh');
    expect(inner.calls()).toBe(2);
  });
});
