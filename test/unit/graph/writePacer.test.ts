import { describe, expect, it } from 'vitest';
import { Clock } from '../../../dev/graph-emulator/core/clock';
import { Throttler } from '../../../dev/graph-emulator/throttling/throttler';
import { ThrottleGate, WriteLimiter, type WriteTicket } from '../../../lib/graph/throttle';
import { classify, WritePacer } from '../../../lib/graph/writePacer';
import { graphError, harness } from './support';

const USER_ID_FOR_TESTS = '6e7b768e-07e2-4810-8459-485f84f8f204';
const NUMBER_FOR_TESTS = '+1 2065550100';

/** Writes per ms for a budget per 150 s. */
const per150s = (writes: number): number => writes / 150_000;
const CEILING = per150s(2_880);

function pacer(): { limiter: WriteLimiter; pacer: WritePacer } {
  const limiter = new WriteLimiter({ writes: 2_880, perMs: 150_000 });
  return { limiter, pacer: new WritePacer(limiter, { ceilingPerMs: CEILING }) };
}

const warning = { status: 204, isWrite: true, throttleLimitPercentage: '0.9' };
const throttled = {
  status: 429,
  isWrite: true,
  throttleScope: 'Tenant_Application/Write/app/tenant',
};

describe('WritePacer: which Graph answers are signals (reference/graph.md §5.2)', () => {
  it('reads the early warning on writes only, from 80% up', () => {
    expect(classify({ status: 204, isWrite: true, throttleLimitPercentage: '0.8' })).toBe('warningCut');
    expect(classify({ status: 201, isWrite: true, throttleLimitPercentage: '1.8' })).toBe('warningCut');
    expect(classify({ status: 204, isWrite: true, throttleLimitPercentage: '0.5' })).toBe('none');
    expect(classify({ status: 204, isWrite: true, throttleLimitPercentage: 'soon' })).toBe('none');
    expect(classify({ status: 204, isWrite: true, throttleLimitPercentage: null })).toBe('none');
    // A read's percentage may be the resource-unit budget's: not the write rate's business.
    expect(classify({ status: 200, isWrite: false, throttleLimitPercentage: '1.2' })).toBe('none');
  });

  it('cuts hard on a 429 to a write, or one that names the write quota', () => {
    expect(classify({ status: 429, isWrite: true })).toBe('throttledCut');
    expect(classify(throttled)).toBe('throttledCut');
    expect(classify({ ...throttled, isWrite: false })).toBe('throttledCut');
    expect(
      classify({ status: 429, isWrite: false, throttleScope: 'Tenant_Application/ReadWrite/app/tenant' }),
    ).toBe('none');
    expect(classify({ status: 503, isWrite: true })).toBe('none');
  });
});

describe('WritePacer: additive increase, multiplicative decrease', () => {
  it('starts at the ceiling and never goes above it', () => {
    const { pacer: p } = pacer();
    expect(p.rateAt(0)).toBeCloseTo(CEILING, 12);
    expect(p.rateAt(600_000)).toBeCloseTo(CEILING, 12);
  });

  it('cuts to 85% on the early warning and to 50% on a 429, at most once per 2 s', () => {
    const { pacer: p, limiter } = pacer();
    expect(p.observe(1_000, warning)).toBe('warningCut');
    expect(p.rateAt(1_000)).toBeCloseTo(CEILING * 0.85, 12);
    expect(limiter.rate).toBeCloseTo(CEILING * 0.85, 12);
    // Within 2 s of a cut nothing more is cut, a 429 included: one congestion event, one cut.
    expect(p.observe(2_999, throttled)).toBe('none');
    expect(p.observe(2_999, warning)).toBe('none');
    const before = p.rateAt(3_000);
    expect(p.observe(3_000, throttled)).toBe('throttledCut');
    expect(p.rateAt(3_000)).toBeCloseTo(before * 0.5, 12);
  });

  it('grows back by 2% of the ceiling per second, up to the ceiling', () => {
    const { pacer: p } = pacer();
    p.observe(0, throttled);
    expect(p.rateAt(0)).toBeCloseTo(CEILING * 0.5, 12);
    expect(p.rateAt(10_000)).toBeCloseTo(CEILING * 0.7, 12);
    expect(p.rateAt(25_000)).toBeCloseTo(CEILING, 12);
    expect(p.rateAt(60_000)).toBeCloseTo(CEILING, 12);
  });

  it('never falls below 2% of the ceiling', () => {
    const limiter = new WriteLimiter({ writes: 2_880, perMs: 150_000 });
    // Without the increase, so that only the floor can stop the cuts.
    const p = new WritePacer(limiter, { ceilingPerMs: CEILING, increasePerSecondShare: 0 });
    for (let t = 0; t < 60_000; t += 2_000) p.observe(t, throttled);
    expect(p.rateAt(60_000)).toBeCloseTo(CEILING * 0.02, 12);
    expect(limiter.rate).toBeCloseTo(CEILING * 0.02, 12);
  });

  it('slows writes already queued in the limiter, not only later ones', () => {
    const { pacer: p, limiter } = pacer();
    const tickets: WriteTicket[] = [];
    for (let i = 0; i < 100; i++) tickets.push(limiter.reserveTicket(0));
    const last = tickets[99];
    if (last === undefined) throw new Error('no ticket');
    // 90 burst tokens, then 10 queued at 19.2/s: the last one is due after 10 / 0.0192 ms.
    expect(last.waitMs).toBe(Math.ceil(10 / CEILING));
    p.observe(0, throttled);
    expect(limiter.ticketWaitMs(last, 0)).toBe(Math.ceil(10 / (CEILING * 0.5)));
    // A ticket already due stays due.
    expect(limiter.ticketWaitMs(tickets[0] as WriteTicket, 0)).toBe(0);
  });
});

/**
 * Several processes writing with the same identity, each with its own limiter and (optionally) pacer,
 * against the emulator's own throttler with Graph's write quota (3,000 / 150 s, throttled requests still
 * charged), in fake time. Each writer always has writes waiting; a write is answered after `latencyMs`, and
 * a 429 closes that writer's gate for its Retry-After and is sent again.
 */
interface WriterFigures {
  accepted: number[];
  throttled: number;
}

function simulate(options: {
  writers: number;
  adaptive: boolean;
  seconds: number;
  /** When each writer starts, in ms (staggered starts test fairness). */
  startsAtMs: number[];
  latencyMs?: number;
}): WriterFigures[] {
  const epoch = 1_750_000_000_000;
  let now = epoch;
  class FakeTime extends Clock {
    override nowMs(): number {
      return now;
    }
  }
  const graph = new Throttler(undefined, new FakeTime(1), 'tenant', 10_000);
  const latency = options.latencyMs ?? 150;
  const writers = Array.from({ length: options.writers }, (_, i) => {
    const limiter = new WriteLimiter({ writes: 2_880, perMs: 150_000 });
    return {
      startsAt: epoch + (options.startsAtMs[i] ?? 0),
      limiter,
      pacer: options.adaptive ? new WritePacer(limiter, { ceilingPerMs: CEILING }) : undefined,
      gate: new ThrottleGate(),
      ticket: undefined as WriteTicket | undefined,
      inFlight: [] as { at: number; status: number; headers: Record<string, string> }[],
      figures: { accepted: [] as number[], throttled: 0 },
    };
  });
  const end = epoch + options.seconds * 1_000;
  for (; now < end; now += 5) {
    for (const w of writers) {
      if (now < w.startsAt) continue;
      // Answers that arrived: the pacer and the gate learn from them.
      while (w.inFlight.length > 0 && (w.inFlight[0]?.at ?? Infinity) <= now) {
        const answer = w.inFlight.shift();
        if (answer === undefined) break;
        if (answer.status === 429) {
          w.figures.throttled += 1;
          w.gate.closeUntil(now + Number(answer.headers['retry-after']) * 1_000);
        } else {
          w.figures.accepted.push(now);
        }
        w.pacer?.observe(now, {
          status: answer.status,
          isWrite: true,
          throttleLimitPercentage: answer.headers['x-ms-throttle-limit-percentage'],
          throttleScope: answer.headers['x-ms-throttle-scope'],
        });
      }
      // Send every write whose token is due while the gate is open.
      for (;;) {
        if (w.gate.waitMs(now) > 0) break;
        if (w.ticket === undefined) {
          w.pacer?.beforeWrite(now);
          w.ticket = w.limiter.reserveTicket(now);
        }
        w.pacer?.beforeWrite(now);
        if (w.limiter.ticketWaitMs(w.ticket, now) > 0) break;
        w.ticket = undefined;
        const decision = graph.check('app', { resourceUnits: 1, writes: 1 }, undefined);
        w.inFlight.push(
          decision.allowed
            ? { at: now + latency, status: 204, headers: decision.headers }
            : {
                at: now + latency,
                status: 429,
                headers: { ...decision.headers, 'retry-after': String(decision.retryAfterSeconds) },
              },
        );
      }
    }
  }
  return writers.map((w) => w.figures);
}

const QUOTA_PER_SECOND = 3_000 / 150;

function ratePerSecond(figures: WriterFigures[], fromMs: number, toMs: number): number[] {
  const epoch = 1_750_000_000_000;
  return figures.map(
    (f) =>
      f.accepted.filter((t) => t >= epoch + fromMs && t < epoch + toMs).length / ((toMs - fromMs) / 1_000),
  );
}

describe('three writers sharing one quota (issue 7 §6, DESIGN.md §8)', () => {
  it('adaptive writers converge near the quota, with nothing throttled and fair shares', () => {
    const figures = simulate({ writers: 3, adaptive: true, seconds: 900, startsAtMs: [0, 30_000, 90_000] });
    // The opening full bucket (3,000) is long spent by 300 s; measure the next 600 s.
    const rates = ratePerSecond(figures, 300_000, 900_000);
    const total = rates.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(0.9 * QUOTA_PER_SECOND);
    expect(total).toBeLessThanOrEqual(QUOTA_PER_SECOND);
    expect(figures.map((f) => f.throttled)).toEqual([0, 0, 0]);
    // Fair: the writer that started first holds no more than 1.25× the share of the one that started last.
    expect(Math.max(...rates) / Math.min(...rates)).toBeLessThan(1.25);
  });

  it('control: writers pacing only at their own ceiling are throttled for more than 10% of their writes', () => {
    const figures = simulate({ writers: 3, adaptive: false, seconds: 900, startsAtMs: [0, 30_000, 90_000] });
    const throttledCount = figures.reduce((sum, f) => sum + f.throttled, 0);
    const sent = figures.reduce((sum, f) => sum + f.throttled + f.accepted.length, 0);
    expect(throttledCount / sent).toBeGreaterThan(0.1);
  });

  it('one adaptive writer alone keeps its full ceiling (no cost when the quota is not shared)', () => {
    const [alone] = ratePerSecond(
      simulate({ writers: 1, adaptive: true, seconds: 600, startsAtMs: [0] }),
      300_000,
      600_000,
    );
    expect(alone).toBeGreaterThanOrEqual(0.95 * QUOTA_PER_SECOND);
  });
});

describe('the gateway paces its writes on the answers it gets', () => {
  function pacedHarness(script: Parameters<typeof harness>[0]): ReturnType<typeof harness> {
    // 10 writes per second, burst 1: one write every 100 ms at the ceiling.
    const writeLimiter = new WriteLimiter({ writes: 10, perMs: 1_000 });
    const pacer = new WritePacer(writeLimiter, { ceilingPerMs: 10 / 1_000 });
    return harness(script, {
      settings: { writeLimit: { writes: 10, perMs: 1_000 } },
      deps: { throttle: { gate: new ThrottleGate(), writeLimiter, pacer } },
    });
  }
  const warned = (): Response =>
    new Response(null, { status: 204, headers: { 'x-ms-throttle-limit-percentage': '1.2' } });

  it('spaces the writes after an early warning at 85% of the rate, and logs the cut without numbers', async () => {
    const h = pacedHarness([warned, warned, warned]);
    const start = h.clock.now();
    await h.gateway.updatePhoneMethod(USER_ID_FOR_TESTS, 'mobile', NUMBER_FOR_TESTS);
    await h.gateway.updatePhoneMethod(USER_ID_FOR_TESTS, 'mobile', NUMBER_FOR_TESTS);
    await h.gateway.updatePhoneMethod(USER_ID_FOR_TESTS, 'mobile', NUMBER_FOR_TESTS);
    const at = h.transport.requests.map((r) => r.at - start);
    expect(at[0]).toBe(0);
    // 100 ms / 0.85 = 118 ms after the first cut; the second warning, within 2 s, cuts nothing more.
    expect(at[1]).toBe(118);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(117);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeLessThanOrEqual(118);
    const cuts = h.warnings.filter((w) => w.message === 'Graph write rate lowered');
    expect(cuts).toHaveLength(1);
    expect(cuts[0]?.data).toMatchObject({ reaction: 'warningCut', writesPer150s: 1_275 });
    expect(JSON.stringify(cuts)).not.toContain(NUMBER_FOR_TESTS.replace(' ', ''));
  });

  it('halves the rate on a throttled write and honours its Retry-After', async () => {
    const h = pacedHarness([
      () => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '2' }),
      () => new Response(null, { status: 204 }),
      () => new Response(null, { status: 204 }),
    ]);
    const start = h.clock.now();
    await h.gateway.updatePhoneMethod(USER_ID_FOR_TESTS, 'mobile', NUMBER_FOR_TESTS);
    await h.gateway.updatePhoneMethod(USER_ID_FOR_TESTS, 'mobile', NUMBER_FOR_TESTS);
    const at = h.transport.requests.map((r) => r.at - start);
    // The retry waits for Retry-After (2 s), by which time the halved rate has refilled its one token.
    expect(at[0]).toBe(0);
    expect(at[1]).toBe(2_000);
    // The next write: one token at the halved rate plus 2 s of +2%/s growth (5.4 writes/s) ≈ 186 ms.
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBe(Math.ceil(1_000 / 5.4));
  });

  it('leaves the rate alone for reads, whatever they carry', async () => {
    const h = pacedHarness([
      () =>
        new Response('{"value":[]}', { status: 200, headers: { 'x-ms-throttle-limit-percentage': '1.5' } }),
    ]);
    await h.gateway.listPhoneMethods(USER_ID_FOR_TESTS);
    expect(h.throttle.writeLimiter.rate).toBeCloseTo(10 / 1_000, 12);
  });
});
