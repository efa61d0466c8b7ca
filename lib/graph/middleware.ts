import { type Context, type Middleware, type MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from './errors';
import {
  classifyFailure,
  errorFromFailure,
  errorFromUnexpected,
  parseRetryAfter,
  type TransportFailure,
} from './errorMapping';
import {
  type BackoffPolicy,
  decideRetry,
  isWriteMethod,
  mayHaveBeenSent,
  responseIsAmbiguous,
  type ThrottleGate,
  type WriteLimiter,
} from './throttle';
import { type WritePacer } from './writePacer';
import { recordGraphThrottled, recordWriteBudgetWait } from '../telemetry/metrics';

/**
 * The Graph client's middleware chain is ours: `ResilienceMiddleware` (retries, throttle gate, write
 * limiter, per-attempt timeout) → the library's `AuthenticationHandler` (bearer token from the credential) →
 * `TransmitMarker` → `FetchTransport` (the one place bytes leave the process).
 */

/** `fetch` as the transport needs it; tests inject one, production uses Node's global `fetch`. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GatewayLogger {
  warn(message: string, data?: Readonly<Record<string, string | number | boolean | undefined>>): void;
}

/** One logical gateway call, shared by all of its attempts; handed to the middleware as a middleware option. */
export class CallState implements MiddlewareOptions {
  /** Attempts sent (or tried) so far. */
  attempts = 0;
  /** An earlier attempt may have been applied by the service although we saw no success. */
  ambiguousAttempt = false;
  /** Set when the call ended without an HTTP answer to hand back; the gateway rethrows it. */
  failure: GraphRequestError | undefined;

  constructor(
    readonly operation: string,
    readonly method: string,
    readonly clientRequestId: string,
    readonly signal: AbortSignal | undefined,
    /** The caller's logger for this call's warnings, if it gave one. */
    readonly logger?: GatewayLogger,
  ) {}
}

export interface ResilienceOptions {
  maxAttempts: number;
  maxRetryAfterWaitMs: number;
  requestTimeoutMs: number;
  gate: ThrottleGate;
  writeLimiter: WriteLimiter;
  /** Adapts the write limiter's rate to Graph's throttle signals; without it the rate stays fixed. */
  pacer?: WritePacer;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  backoff?: BackoffPolicy;
  logger?: GatewayLogger;
  /** Called when an attempt timed out still waiting for its token, so a hung token request is not rejoined. */
  onTokenTimeout?: () => void;
}

/** Longest sleep of a write queued under adaptive pacing before it asks the limiter again. */
const PACED_WAIT_SLICE_MS = 1_000;

/** Responses to these statuses have no body, and `new Response(body, ...)` refuses one. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export class ResilienceMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly options: ResilienceOptions) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const call = callStateOf(context);
    try {
      await this.run(context, call);
    } catch (error) {
      // GraphRequest wraps whatever we throw into its own GraphError; the gateway takes `call.failure` instead.
      call.failure ??= errorFromUnexpected(call.operation, error, call.clientRequestId);
      throw call.failure;
    }
  }

  private async run(context: Context, call: CallState): Promise<void> {
    const { options } = this;
    const next = this.next;
    if (next === undefined) throw new Error('ResilienceMiddleware has no next middleware');
    for (;;) {
      await this.waitForTurn(call);
      call.attempts += 1;
      const attempt = await this.sendOnce(context, next, call);
      const now = options.now();
      const retryAfterMs =
        attempt.type === 'response'
          ? parseRetryAfter(attempt.response.headers.get('retry-after'), now)
          : undefined;
      if (
        attempt.type === 'response' &&
        retryAfterMs !== undefined &&
        isThrottleStatus(attempt.response.status)
      ) {
        options.gate.closeUntil(now + retryAfterMs);
      }
      if (attempt.type === 'response' && isThrottleStatus(attempt.response.status)) {
        recordGraphThrottled({ status: attempt.response.status, write: isWriteMethod(call.method) });
      }
      if (attempt.type === 'response') this.pace(call, attempt.response, now);
      const outcome =
        attempt.type === 'response'
          ? { type: 'response' as const, status: attempt.response.status, retryAfterMs }
          : { type: 'failure' as const, failure: attempt.failure };
      if (
        attempt.type === 'response'
          ? responseIsAmbiguous(attempt.response.status)
          : mayHaveBeenSent(attempt.failure)
      ) {
        call.ambiguousAttempt = true;
      }
      const decision = decideRetry(outcome, {
        method: call.method,
        attempt: call.attempts,
        maxAttempts: options.maxAttempts,
        maxRetryAfterWaitMs: options.maxRetryAfterWaitMs,
        random: options.random(),
        backoff: options.backoff,
      });
      if (decision.action === 'retry') {
        (call.logger ?? options.logger)?.warn('Graph call will be retried', {
          operation: call.operation,
          attempt: call.attempts,
          status: attempt.type === 'response' ? attempt.response.status : 0,
          failure: attempt.type === 'failure' ? describeFailure(attempt.failure) : undefined,
          delayMs: decision.delayMs,
          clientRequestId: call.clientRequestId,
          requestId:
            attempt.type === 'response'
              ? (attempt.response.headers.get('request-id') ?? undefined)
              : undefined,
        });
        await this.pause(decision.delayMs, call);
        continue;
      }
      if (decision.action === 'surface' && decision.reason !== 'notRetryable') {
        // Worth a line: the caller only sees the final error, not why it was not retried here.
        (call.logger ?? options.logger)?.warn('Graph call not retried', {
          operation: call.operation,
          reason: decision.reason,
          attempt: call.attempts,
          status: attempt.type === 'response' ? attempt.response.status : 0,
          failure: attempt.type === 'failure' ? describeFailure(attempt.failure) : undefined,
          retryAfterMs,
          clientRequestId: call.clientRequestId,
        });
      }
      if (attempt.type === 'response') {
        context.response = attempt.response;
        return;
      }
      call.failure = errorFromFailure({
        operation: call.operation,
        failure: attempt.failure,
        clientRequestId: call.clientRequestId,
      });
      throw call.failure;
    }
  }

  /**
   * Waits for a write token (writes only), then for the throttle gate. A gate that stays shut longer than the
   * caller may wait in-process ends the call as `throttled` without sending anything.
   */
  private async waitForTurn(call: CallState): Promise<void> {
    const { options } = this;
    if (isWriteMethod(call.method)) {
      const reservedAt = options.now();
      options.pacer?.beforeWrite(reservedAt);
      const ticket = options.writeLimiter.reserveTicket(reservedAt);
      let waitMs = ticket.waitMs;
      try {
        while (waitMs > 0) {
          // Waits in slices when pacing adapts: a rate cut meanwhile must slow this queued write too.
          await this.pause(
            options.pacer === undefined ? waitMs : Math.min(waitMs, PACED_WAIT_SLICE_MS),
            call,
          );
          if (options.pacer === undefined) break;
          options.pacer.beforeWrite(options.now());
          waitMs = options.writeLimiter.ticketWaitMs(ticket, options.now());
        }
      } catch (error) {
        options.writeLimiter.release(options.now());
        throw error;
      }
      const sentAt = options.now();
      options.pacer?.sent(sentAt);
      recordWriteBudgetWait(Math.max(0, sentAt - reservedAt));
    }
    for (;;) {
      const gateWaitMs = options.gate.waitMs(options.now());
      if (gateWaitMs === 0) return;
      if (gateWaitMs > options.maxRetryAfterWaitMs) {
        if (isWriteMethod(call.method)) options.writeLimiter.release(options.now());
        call.failure = new GraphRequestError(
          `${call.operation} not sent: Graph asked this client to pause for ${Math.ceil(gateWaitMs / 1000)} s`,
          {
            kind: 'throttled',
            status: 0,
            code: 'ClientThrottleGate',
            clientRequestId: call.clientRequestId,
            retryAfterMs: gateWaitMs,
          },
        );
        throw call.failure;
      }
      await this.pause(gateWaitMs, call);
    }
  }

  /** Hands Graph's throttle signals on to the write pacer, and says so in the log when it cuts the rate. */
  private pace(call: CallState, response: Response, nowMs: number): void {
    const pacer = this.options.pacer;
    if (pacer === undefined) return;
    const reaction = pacer.observe(nowMs, {
      status: response.status,
      isWrite: isWriteMethod(call.method),
      throttleLimitPercentage: response.headers.get('x-ms-throttle-limit-percentage'),
      throttleScope: response.headers.get('x-ms-throttle-scope'),
    });
    if (reaction !== 'none') {
      (call.logger ?? this.options.logger)?.warn('Graph write rate lowered', {
        operation: call.operation,
        reaction,
        writesPer150s: Math.round(pacer.rateAt(nowMs) * 150_000),
        clientRequestId: call.clientRequestId,
      });
    }
  }

  /** Sleeps, turning a caller's cancellation into the call's `aborted` failure. */
  private async pause(ms: number, call: CallState): Promise<void> {
    if (call.signal?.aborted) throw this.aborted(call);
    try {
      await this.options.sleep(ms, call.signal);
    } catch (error) {
      if (call.signal?.aborted) throw this.aborted(call);
      throw error;
    }
  }

  private aborted(call: CallState): GraphRequestError {
    call.failure = errorFromFailure({
      operation: call.operation,
      failure: { type: 'aborted' },
      clientRequestId: call.clientRequestId,
    });
    return call.failure;
  }

  /**
   * One attempt on a fresh copy of the request (the auth handler appends its header, so reusing the options
   * would stack tokens), under its own timeout. The body is read here, still under that timeout, and handed
   * on as a buffered `Response`, so a stalled body is a timeout like a stalled connect.
   */
  private async sendOnce(
    context: Context,
    next: Middleware,
    call: CallState,
  ): Promise<{ type: 'response'; response: Response } | { type: 'failure'; failure: TransportFailure }> {
    if (call.signal?.aborted) return { type: 'failure', failure: { type: 'aborted' } };
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.requestTimeoutMs);
    const signal =
      call.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, call.signal]);
    const attemptContext: Context = {
      ...context,
      options: { ...context.options, headers: new Headers(headerInit(context.options?.headers)), signal },
      response: undefined,
    };
    try {
      // Raced against the signal as well: the token request inside the auth handler does not see it.
      await untilAborted(next.execute(attemptContext), signal);
      const raw = attemptContext.response;
      if (!(raw instanceof Response)) throw new Error('transport returned no response');
      const body = NULL_BODY_STATUSES.has(raw.status) ? null : await readText(raw, signal);
      const response = new Response(body, {
        status: raw.status,
        statusText: raw.statusText,
        headers: raw.headers,
      });
      return { type: 'response', response };
    } catch (error) {
      const failure = classifyFailure(error, {
        timedOut: timeout.signal.aborted,
        callerAborted: call.signal?.aborted === true,
        reachedTransport: transmitted.has(attemptContext),
      });
      if (failure.type === 'credential' && failure.code === 'TokenTimeout') this.options.onTokenTimeout?.();
      return { type: 'failure', failure };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Attempts that got past authentication: only these can have reached the service. */
const transmitted = new WeakSet<Context>();

/**
 * Sits between the auth handler and the transport and notes that the attempt is about to leave, so a
 * timeout while fetching the token is known not to have sent anything (a create may then be retried).
 */
export class TransmitMarker implements Middleware {
  private next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (this.next === undefined) throw new Error('TransmitMarker has no next middleware');
    transmitted.add(context);
    await this.next.execute(context);
  }
}

/** The final middleware: sends with `fetch`. Redirects are not followed: Graph does not redirect these calls. */
export class FetchTransport implements Middleware {
  constructor(private readonly fetchImpl: FetchLike) {}

  async execute(context: Context): Promise<void> {
    const url: unknown = context.request;
    if (typeof url !== 'string') throw new TypeError('FetchTransport expects a URL string');
    const init: RequestInit = { ...(context.options as RequestInit), redirect: 'manual' };
    context.response = await this.fetchImpl(url, init);
  }
}

/**
 * The body as text, given up when `signal` aborts. Node's fetch ties the body stream to the signal itself;
 * this also holds for any other transport, so a stalled body can never hang a call.
 */
function readText(response: Response, signal: AbortSignal): Promise<string> {
  return untilAborted(response.text(), signal, () => {
    response.body?.cancel().catch(() => undefined);
  });
}

/** `work`, or a rejection as soon as `signal` aborts, whichever comes first. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, onAbortExtra?: () => void): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      onAbortExtra?.();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Whichever loses the race must not surface later as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

function callStateOf(context: Context): CallState {
  const option: unknown = context.middlewareControl?.getMiddlewareOptions(CallState);
  if (!(option instanceof CallState)) throw new Error('Graph request sent without gateway call state');
  return option;
}

type HeaderInit = ConstructorParameters<typeof Headers>[0];

function headerInit(headers: unknown): HeaderInit {
  if (headers === undefined || headers === null) return undefined;
  return headers as HeaderInit;
}

function isThrottleStatus(status: number): boolean {
  return status === 429 || status === 503;
}

function describeFailure(failure: TransportFailure): string {
  switch (failure.type) {
    case 'network':
      return failure.code;
    case 'credential':
      return failure.code;
    default:
      return failure.type;
  }
}
