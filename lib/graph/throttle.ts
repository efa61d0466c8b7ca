import { kindForStatus, type TransportFailure } from './errorMapping';
import { WritePacer } from './writePacer';

/**
 * Retry and throttling decisions, as small pure pieces: the middleware (lib/graph/middleware.ts) asks them
 * what to do and does the waiting. Clocks are passed in as numbers so tests never wait.
 */

export interface BackoffPolicy {
  /** Delay before the 2nd attempt, doubled for each further one (before jitter). */
  baseDelayMs: number;
  /** Cap of the exponential step. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Exponential back-off with "equal jitter": half of the step is fixed, half random, so parallel callers that
 * failed together spread out, yet none retries almost at once. `failedAttempts` counts attempts made so far
 * (1 after the first failure); `random` is in [0, 1).
 */
export function backoffDelayMs(
  failedAttempts: number,
  random: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(step / 2 + (step / 2) * Math.min(Math.max(random, 0), 1));
}

/** What one attempt came to. */
export type AttemptOutcome =
  | { type: 'response'; status: number; retryAfterMs?: number }
  | { type: 'failure'; failure: TransportFailure };

export interface RetryInput {
  /** HTTP method of the request: a POST creates and is not idempotent. */
  method: string;
  /** Attempts made so far, this one included (1-based). */
  attempt: number;
  maxAttempts: number;
  /** Longest Retry-After honoured in-process; longer ones go back to the caller as `throttled`. */
  maxRetryAfterWaitMs: number;
  /** In [0, 1), for the back-off jitter. */
  random: number;
  backoff?: BackoffPolicy;
}

export type RetryDecision =
  | { action: 'accept' }
  | { action: 'retry'; delayMs: number }
  | {
      action: 'surface';
      reason: 'notRetryable' | 'attemptsExhausted' | 'retryAfterTooLong' | 'createMayHaveBeenApplied';
    };

/**
 * Whether to send the request again, and after how long.
 *
 * - 2xx and 3xx are accepted (the gateway judges them).
 * - Only `throttled` and `transient` failures are retried, at most `maxAttempts` attempts in all.
 * - A `Retry-After` is honoured as the delay; one longer than `maxRetryAfterWaitMs` is not waited here: the
 *   error surfaces with `retryAfterMs` so the orchestrator can reschedule the user instead of holding a worker.
 * - A POST (create) is retried only when the service certainly did not act on it: a 408/429/503 refusal, a
 *   connection that was never made, or a token that could not be fetched. After a timeout, a reset connection
 *   or another 5xx the phone method may exist already, and a blind second POST would fail on "method of this
 *   type already exists" and hide the first one's result. So the error surfaces as `transient` and the caller
 *   re-reads the user's methods (the activity is re-run by the orchestrator and plans from fresh state).
 *   PATCH and DELETE carry the full desired state and are retried.
 */
export function decideRetry(outcome: AttemptOutcome, input: RetryInput): RetryDecision {
  let retryAfterMs: number | undefined;
  if (outcome.type === 'response') {
    if (outcome.status < 400) return { action: 'accept' };
    const kind = kindForStatus(outcome.status, outcome.retryAfterMs !== undefined);
    if (kind !== 'throttled' && kind !== 'transient') return { action: 'surface', reason: 'notRetryable' };
    // 429/503 refuse the request before acting on it; 408 means the server never got all of it.
    const refusedUnprocessed = outcome.status === 429 || outcome.status === 503 || outcome.status === 408;
    if (isCreate(input.method) && !refusedUnprocessed)
      return { action: 'surface', reason: 'createMayHaveBeenApplied' };
    retryAfterMs = outcome.retryAfterMs;
    if (retryAfterMs !== undefined && retryAfterMs > input.maxRetryAfterWaitMs) {
      return { action: 'surface', reason: 'retryAfterTooLong' };
    }
  } else {
    const failure = outcome.failure;
    if (failure.type === 'aborted') return { action: 'surface', reason: 'notRetryable' };
    if (failure.type === 'credential' && failure.kind !== 'transient')
      return { action: 'surface', reason: 'notRetryable' };
    if (isCreate(input.method) && mayHaveBeenSent(failure)) {
      return { action: 'surface', reason: 'createMayHaveBeenApplied' };
    }
  }
  if (input.attempt >= input.maxAttempts) return { action: 'surface', reason: 'attemptsExhausted' };
  return {
    action: 'retry',
    delayMs: retryAfterMs ?? backoffDelayMs(input.attempt, input.random, input.backoff),
  };
}

/** True when the server may have acted on a request whose outcome we did not learn. */
export function mayHaveBeenSent(failure: TransportFailure): boolean {
  return failure.type === 'timeout' || (failure.type === 'network' && failure.sent === 'maybeSent');
}

/** True when a response status leaves open whether the server applied the request. */
export function responseIsAmbiguous(status: number): boolean {
  return status >= 500 && status !== 503;
}

function isCreate(method: string): boolean {
  return method.toUpperCase() === 'POST';
}

/** Methods that spend Graph's write quota (reference/graph.md §5.2: POST/PATCH/PUT/DELETE = 1 write). */
export function isWriteMethod(method: string): boolean {
  return ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method.toUpperCase());
}

/**
 * Process-wide pause after the service said "retry after": Graph keeps counting requests made while
 * throttled, so every request of this process waits until the announced instant instead of hammering the
 * quota (reference/graph.md §5.1).
 */
export class ThrottleGate {
  private openAtMs = 0;

  /** Remembers that no request should be sent before `untilMs`; a shorter pause never shortens a longer one. */
  closeUntil(untilMs: number): void {
    if (untilMs > this.openAtMs) this.openAtMs = untilMs;
  }

  /** How long a request that wants to start at `nowMs` must wait (0 when the gate is open). */
  waitMs(nowMs: number): number {
    return Math.max(0, this.openAtMs - nowMs);
  }
}

export interface WriteLimit {
  /** Writes allowed per `perMs` on average. */
  writes: number;
  perMs: number;
  /**
   * Writes that may go out back to back after a quiet period. Defaults to `writes / 32`, so that even a
   * sliding-window counter sees at most `writes + burst` in any window: 2,970 for the default 2,880 / 150 s,
   * still 30 under Graph's 3,000 (room for requests whose arrival at Graph is delayed unevenly).
   */
  burst?: number;
}

/** A write's place in the limiter's queue (see `WriteLimiter.reserveTicket`). */
export interface WriteTicket {
  /** 0-based position among every token ever handed out. */
  readonly index: number;
  /** Wait in ms before the write may be sent, at the rate in force when it was reserved. */
  readonly waitMs: number;
}

/**
 * Client-side token bucket for POST/PATCH/DELETE, sized below Graph's write quota (3,000 writes / 150 s per
 * app+tenant). Reads don't take tokens: their budget is separate and far larger.
 *
 * Callers reserve a token and are told how long to wait for it: the balance may go negative, which queues
 * the waiters first come, first served without any timer of its own. The rate can change while writes are
 * queued (`setRate`, driven by the adaptive pacer in writePacer.ts): a queued write asks again with its ticket
 * (`ticketWaitMs`), so a cut also slows writes already waiting, not only the ones that come after it.
 */
export class WriteLimiter {
  readonly capacity: number;
  private ratePerMs: number;
  private tokens: number;
  /** Tokens handed out so far (reservations minus releases): tickets count from here. */
  private issued = 0;
  private updatedAtMs: number | undefined;

  constructor(limit: WriteLimit) {
    if (!(limit.writes > 0) || !(limit.perMs > 0))
      throw new RangeError('writeLimit needs writes > 0 and perMs > 0');
    this.capacity = Math.max(1, limit.burst ?? Math.ceil(limit.writes / 32));
    this.ratePerMs = limit.writes / limit.perMs;
    this.tokens = this.capacity;
  }

  /** Tokens per millisecond in force now. */
  get rate(): number {
    return this.ratePerMs;
  }

  /**
   * Changes the refill rate from `nowMs` on: what accrued until then accrued at the old rate. Queued writes
   * that ask again with their ticket wait according to the new one.
   */
  setRate(nowMs: number, ratePerMs: number): void {
    if (!(ratePerMs > 0) || !Number.isFinite(ratePerMs)) throw new RangeError('rate must be > 0');
    this.refill(nowMs);
    this.ratePerMs = ratePerMs;
  }

  /** Takes one token; returns the wait in ms before the write may be sent (0 when one was available). */
  reserve(nowMs: number): number {
    return this.reserveTicket(nowMs).waitMs;
  }

  /** Takes one token and returns its place in the queue, to ask again after waiting (`ticketWaitMs`). */
  reserveTicket(nowMs: number): WriteTicket {
    this.refill(nowMs);
    this.tokens -= 1;
    const index = this.issued;
    this.issued += 1;
    return { index, waitMs: this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.ratePerMs) };
  }

  /**
   * How much longer the holder of `ticket` must wait at `nowMs` under the rate in force now (0: send).
   * Tokens produced so far are `issued + tokens`; ticket `index` is due once `index + 1` of them exist.
   */
  ticketWaitMs(ticket: WriteTicket, nowMs: number): number {
    this.refill(nowMs);
    const missing = ticket.index + 1 - (this.issued + this.tokens);
    // Float dust from many refills must not cost a further 1 ms sleep.
    return missing <= 1e-9 ? 0 : Math.ceil(missing / this.ratePerMs);
  }

  /** Gives back a reserved token that was not used (the caller gave up while waiting). */
  release(nowMs: number): void {
    this.refill(nowMs);
    if (this.tokens + 1 <= this.capacity) {
      this.tokens += 1;
      this.issued -= 1;
    }
  }

  /** Tokens available at `nowMs` (negative: that many writes are already queued). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  private refill(nowMs: number): void {
    if (this.updatedAtMs !== undefined && nowMs > this.updatedAtMs) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.updatedAtMs) * this.ratePerMs);
    }
    if (this.updatedAtMs === undefined || nowMs > this.updatedAtMs) this.updatedAtMs = nowMs;
  }
}

export interface ThrottleState {
  gate: ThrottleGate;
  writeLimiter: WriteLimiter;
  /** Adapts `writeLimiter`'s rate to Graph's signals (writePacer.ts); absent: a fixed rate. */
  pacer?: WritePacer;
}

const processWide = new Map<string, ThrottleState>();

/**
 * The gate and write limiter shared by every gateway of this process that talks to the same Graph with the
 * same identity (Graph's limits are per app+tenant), so two gateway instances don't each spend the quota.
 */
export function processThrottleState(quotaKey: string, limit: WriteLimit): ThrottleState {
  const key = `${quotaKey}|${limit.writes}/${limit.perMs}/${limit.burst ?? ''}`;
  let state = processWide.get(key);
  if (state === undefined) {
    const writeLimiter = new WriteLimiter(limit);
    // The configured budget is the ceiling; the pacer keeps the whole app (all instances, other tools with
    // the same identity) inside Graph's quota by backing off on Graph's own signals.
    const pacer = new WritePacer(writeLimiter, { ceilingPerMs: limit.writes / limit.perMs });
    state = { gate: new ThrottleGate(), writeLimiter, pacer };
    processWide.set(key, state);
  }
  return state;
}
