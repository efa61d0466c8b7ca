import { describe, expect, it } from 'vitest';
import { type TransportFailure } from '../../../lib/graph/errorMapping';
import {
  type AttemptOutcome,
  backoffDelayMs,
  decideRetry,
  isWriteMethod,
  processThrottleState,
  type RetryInput,
  ThrottleGate,
  WriteLimiter,
} from '../../../lib/graph/throttle';

const BASE: RetryInput = {
  method: 'GET',
  attempt: 1,
  maxAttempts: 4,
  maxRetryAfterWaitMs: 30_000,
  random: 0.5,
};
const response = (status: number, retryAfterMs?: number): AttemptOutcome => ({
  type: 'response',
  status,
  retryAfterMs,
});
const failure = (f: TransportFailure): AttemptOutcome => ({ type: 'failure', failure: f });
const RESET = failure({ type: 'network', code: 'ECONNRESET', sent: 'maybeSent' });
const REFUSED = failure({ type: 'network', code: 'ECONNREFUSED', sent: 'notSent' });
const TIMEOUT = failure({ type: 'timeout' });

describe('backoffDelayMs', () => {
  it('doubles per attempt, with half of each step jittered', () => {
    const policy = { baseDelayMs: 1_000, maxDelayMs: 30_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 0, policy))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 0.999999, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(backoffDelayMs(2, 0.5, policy)).toBe(1_500);
  });

  it('is capped', () => {
    expect(backoffDelayMs(20, 0.999999, { baseDelayMs: 1_000, maxDelayMs: 30_000 })).toBe(30_000);
    expect(backoffDelayMs(20, 0, { baseDelayMs: 1_000, maxDelayMs: 30_000 })).toBe(15_000);
  });
});

describe('decideRetry', () => {
  it.each([200, 201, 204, 302])('accepts %i', (status) => {
    expect(decideRetry(response(status), BASE)).toEqual({ action: 'accept' });
  });

  it.each([400, 401, 403, 404, 409, 412])('never retries %i', (status) => {
    expect(decideRetry(response(status), BASE)).toEqual({ action: 'surface', reason: 'notRetryable' });
  });

  it('honours Retry-After on 429 and 503', () => {
    expect(decideRetry(response(429, 7_000), BASE)).toEqual({ action: 'retry', delayMs: 7_000 });
    expect(decideRetry(response(503, 2_000), BASE)).toEqual({ action: 'retry', delayMs: 2_000 });
    expect(decideRetry(response(429, 30_000), BASE)).toEqual({ action: 'retry', delayMs: 30_000 });
  });

  it('does not wait a Retry-After longer than maxRetryAfterWaitMs', () => {
    expect(decideRetry(response(429, 30_001), BASE)).toEqual({
      action: 'surface',
      reason: 'retryAfterTooLong',
    });
    expect(decideRetry(response(429, 1), { ...BASE, maxRetryAfterWaitMs: 0 })).toEqual({
      action: 'surface',
      reason: 'retryAfterTooLong',
    });
  });

  it('backs off exponentially without Retry-After', () => {
    expect(decideRetry(response(429), BASE)).toEqual({ action: 'retry', delayMs: 750 });
    expect(decideRetry(response(500), { ...BASE, attempt: 2 })).toEqual({ action: 'retry', delayMs: 1_500 });
    expect(decideRetry(response(504), { ...BASE, attempt: 3 })).toEqual({ action: 'retry', delayMs: 3_000 });
    expect(decideRetry(RESET, BASE)).toEqual({ action: 'retry', delayMs: 750 });
    expect(decideRetry(TIMEOUT, BASE)).toEqual({ action: 'retry', delayMs: 750 });
  });

  it('stops after maxAttempts attempts in all', () => {
    expect(decideRetry(response(503), { ...BASE, attempt: 3 })).toMatchObject({ action: 'retry' });
    expect(decideRetry(response(503), { ...BASE, attempt: 4 })).toEqual({
      action: 'surface',
      reason: 'attemptsExhausted',
    });
    expect(decideRetry(response(429, 1_000), { ...BASE, maxAttempts: 1 })).toEqual({
      action: 'surface',
      reason: 'attemptsExhausted',
    });
  });

  it('does not retry a caller abort or a credential misconfiguration', () => {
    expect(decideRetry(failure({ type: 'aborted' }), BASE)).toEqual({
      action: 'surface',
      reason: 'notRetryable',
    });
    const badSecret = failure({
      type: 'credential',
      kind: 'unauthorized',
      code: 'AuthenticationFailed',
      detail: '',
    });
    expect(decideRetry(badSecret, BASE)).toEqual({ action: 'surface', reason: 'notRetryable' });
    const tokenBlip = failure({
      type: 'credential',
      kind: 'transient',
      code: 'TokenRequestFailed',
      detail: '',
    });
    expect(decideRetry(tokenBlip, BASE)).toMatchObject({ action: 'retry' });
  });

  describe('a POST (create) is only retried when the service surely did not act on it', () => {
    const POST = { ...BASE, method: 'POST' };
    it.each([
      ['429', response(429, 1_000)],
      ['429 without Retry-After', response(429)],
      ['503', response(503)],
      ['408', response(408)],
      ['connection refused', REFUSED],
      [
        'token blip',
        failure({ type: 'credential', kind: 'transient', code: 'TokenRequestFailed', detail: '' }),
      ],
    ])('retries after %s', (_name, outcome) => {
      expect(decideRetry(outcome, POST)).toMatchObject({ action: 'retry' });
    });

    it.each([
      ['500', response(500)],
      ['502', response(502)],
      ['504', response(504)],
      ['a reset connection', RESET],
      ['a timeout', TIMEOUT],
    ])('surfaces after %s', (_name, outcome) => {
      expect(decideRetry(outcome, POST)).toEqual({ action: 'surface', reason: 'createMayHaveBeenApplied' });
    });

    it('PATCH and DELETE carry the whole desired state and are retried after the same failures', () => {
      for (const method of ['PATCH', 'DELETE']) {
        expect(decideRetry(RESET, { ...BASE, method })).toMatchObject({ action: 'retry' });
        expect(decideRetry(TIMEOUT, { ...BASE, method })).toMatchObject({ action: 'retry' });
        expect(decideRetry(response(504), { ...BASE, method })).toMatchObject({ action: 'retry' });
      }
    });
  });
});

describe('isWriteMethod', () => {
  it('counts POST, PATCH, PUT and DELETE, not GET', () => {
    expect(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'get', 'post'].map(isWriteMethod)).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      true,
    ]);
  });
});

describe('ThrottleGate', () => {
  it('is open until someone closes it, then open again at the announced instant', () => {
    const gate = new ThrottleGate();
    expect(gate.waitMs(1_000)).toBe(0);
    gate.closeUntil(11_000);
    expect(gate.waitMs(1_000)).toBe(10_000);
    expect(gate.waitMs(10_999)).toBe(1);
    expect(gate.waitMs(11_000)).toBe(0);
  });

  it('a shorter pause never shortens a longer one', () => {
    const gate = new ThrottleGate();
    gate.closeUntil(20_000);
    gate.closeUntil(5_000);
    expect(gate.waitMs(0)).toBe(20_000);
    gate.closeUntil(25_000);
    expect(gate.waitMs(0)).toBe(25_000);
  });
});

describe('WriteLimiter (token bucket)', () => {
  it('defaults to a burst of 1/32 of the budget and refills at writes / perMs', () => {
    const limiter = new WriteLimiter({ writes: 2_880, perMs: 150_000 });
    expect(limiter.capacity).toBe(90);
    expect(limiter.rate).toBeCloseTo(0.0192, 10); // 19.2 writes per second
  });

  it('lets a burst through, then spaces writes at the refill rate', () => {
    const limiter = new WriteLimiter({ writes: 10, perMs: 1_000, burst: 3 }); // one token per 100 ms
    const t = 5_000;
    expect([limiter.reserve(t), limiter.reserve(t), limiter.reserve(t)]).toEqual([0, 0, 0]);
    // The bucket is empty: the next callers queue, each one token-interval after the previous.
    expect([limiter.reserve(t), limiter.reserve(t), limiter.reserve(t)]).toEqual([100, 200, 300]);
    expect(limiter.available(t)).toBeCloseTo(-3, 10);
    // 300 ms later the queue has drained exactly.
    expect(limiter.available(t + 300)).toBeCloseTo(0, 10);
    expect(limiter.reserve(t + 300)).toBe(100);
  });

  it('refills while idle but never beyond its capacity', () => {
    const limiter = new WriteLimiter({ writes: 10, perMs: 1_000, burst: 3 });
    for (let i = 0; i < 3; i++) limiter.reserve(0);
    expect(limiter.available(150)).toBeCloseTo(1.5, 10);
    expect(limiter.available(10_000)).toBe(3);
  });

  it('a released reservation gives its token back', () => {
    const limiter = new WriteLimiter({ writes: 10, perMs: 1_000, burst: 1 });
    expect(limiter.reserve(0)).toBe(0);
    expect(limiter.reserve(0)).toBe(100);
    limiter.release(0);
    expect(limiter.reserve(0)).toBe(100);
  });

  it('keeps any window of perMs at writes + burst with the default budget (below Graph 3,000 / 150 s)', () => {
    const limiter = new WriteLimiter({ writes: 2_880, perMs: 150_000 });
    // Greedy writer: sends each write as soon as its reservation allows, for 10 minutes.
    const sentAt: number[] = [];
    let now = 0;
    while (now < 600_000) {
      const wait = limiter.reserve(now);
      now += wait;
      sentAt.push(now);
    }
    let worst = 0;
    let start = 0;
    for (let end = 0; end < sentAt.length; end++) {
      while ((sentAt[end] ?? 0) - (sentAt[start] ?? 0) >= 150_000) start++;
      worst = Math.max(worst, end - start + 1);
    }
    expect(worst).toBeLessThanOrEqual(2_971);
    expect(worst).toBeLessThan(3_000);
    // And it does use the budget (DESIGN.md §8 asks for ≥ 95% of the quota): 90 burst + 19.2/s over 600 s.
    expect(sentAt.length).toBeGreaterThanOrEqual(90 + 19.2 * 599);
    expect((sentAt.length - 90) / 600).toBeGreaterThanOrEqual(0.95 * 20);
  });

  it('setRate: tokens accrued before the change keep the old rate, later ones the new', () => {
    const limiter = new WriteLimiter({ writes: 10, perMs: 1_000, burst: 3 });
    for (let i = 0; i < 3; i++) limiter.reserve(0);
    limiter.setRate(100, 0.005); // 1 token accrued at 10/s, then 5/s
    expect(limiter.available(300)).toBeCloseTo(2, 10);
    expect(() => limiter.setRate(300, 0)).toThrow(RangeError);
  });

  it('a queued ticket is due when its turn comes under the rate in force, not the one it was given', () => {
    const limiter = new WriteLimiter({ writes: 10, perMs: 1_000, burst: 1 });
    limiter.reserveTicket(0);
    const second = limiter.reserveTicket(0);
    const third = limiter.reserveTicket(0);
    expect([second.waitMs, third.waitMs]).toEqual([100, 200]);
    limiter.setRate(50, 0.02); // twice as fast from 50 ms on: 0.5 token by then, the rest at 20/s
    expect(limiter.ticketWaitMs(second, 50)).toBe(25);
    expect(limiter.ticketWaitMs(third, 50)).toBe(75);
    expect(limiter.ticketWaitMs(third, 125)).toBe(0);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new WriteLimiter({ writes: 0, perMs: 1_000 })).toThrow(RangeError);
    expect(() => new WriteLimiter({ writes: 10, perMs: 0 })).toThrow(RangeError);
  });
});

describe('processThrottleState', () => {
  it('shares one gate and limiter per Graph + identity + limit, and keeps others apart', () => {
    const limit = { writes: 100, perMs: 1_000 };
    const a = processThrottleState('https://graph.test|managedIdentity||', limit);
    const b = processThrottleState('https://graph.test|managedIdentity||', limit);
    const other = processThrottleState('https://graph.test|clientSecret|t|c', limit);
    expect(b).toBe(a);
    expect(other).not.toBe(a);
    a.gate.closeUntil(50);
    expect(b.gate.waitMs(0)).toBe(50);
    expect(other.gate.waitMs(0)).toBe(0);
  });
});
