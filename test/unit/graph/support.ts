import { type AccessToken, type TokenCredential } from '@azure/identity';
import { createGraphGateway, type GatewayDeps } from '../../../lib/graph/createGraphGateway';
import { type GraphGateway } from '../../../lib/graph/gateway';
import { type GraphSettings } from '../../../lib/graph/settings';
import { ThrottleGate, WriteLimiter, type ThrottleState } from '../../../lib/graph/throttle';

/** Helpers for gateway tests: a scripted transport, a fake clock and Graph-shaped answers. */

export const BASE_URL = 'https://graph.test/v1.0';
export const TOKEN = 'test-access-token';

export function testSettings(overrides: Partial<GraphSettings> = {}): GraphSettings {
  return {
    baseUrl: BASE_URL,
    scope: 'https://graph.microsoft.com/.default',
    auth: { mode: 'managedIdentity' },
    writeLimit: { writes: 2_880, perMs: 150_000 },
    maxAttempts: 4,
    maxRetryAfterWaitMs: 30_000,
    requestTimeoutMs: 60_000,
    ...overrides,
  };
}

export interface SentRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  /** Fake-clock time at which the request went out. */
  at: number;
}

export type Responder = (
  request: SentRequest,
  signal: AbortSignal | undefined,
) => Response | Promise<Response>;

/**
 * A fetch that answers from a script: each request takes the next responder (the last one repeats).
 * A responder may throw to simulate a network failure.
 */
export class ScriptedFetch {
  readonly requests: SentRequest[] = [];
  private readonly script: Responder[];

  constructor(
    script: Responder[],
    private readonly clock: FakeClock,
  ) {
    this.script = [...script];
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const request: SentRequest = {
      url,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
      at: this.clock.now(),
    };
    this.requests.push(request);
    const responder = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (responder === undefined) throw new Error('no scripted answer');
    return responder(request, init.signal ?? undefined);
  };
}

/** A clock that only moves when someone sleeps; every sleep is recorded, none takes real time. */
export class FakeClock {
  time = 1_750_000_000_000;
  readonly sleeps: number[] = [];

  readonly now = (): number => this.time;

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  };
}

export class FakeCredential implements TokenCredential {
  readonly calls: string[][] = [];
  constructor(private readonly behaviour: () => Promise<AccessToken | null> = async () => token()) {}

  async getToken(scopes: string | string[]): Promise<AccessToken | null> {
    this.calls.push(typeof scopes === 'string' ? [scopes] : scopes);
    return this.behaviour();
  }
}

function token(): AccessToken {
  return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
}

export function freshThrottle(writeLimit = { writes: 2_880, perMs: 150_000 }): ThrottleState {
  return { gate: new ThrottleGate(), writeLimiter: new WriteLimiter(writeLimit) };
}

export interface Harness {
  gateway: GraphGateway;
  transport: ScriptedFetch;
  clock: FakeClock;
  credential: FakeCredential;
  throttle: ThrottleState;
  warnings: { message: string; data: unknown }[];
}

/** A gateway over a scripted transport, a fake clock and its own throttle state. */
export function harness(
  script: Responder[],
  options: {
    settings?: Partial<GraphSettings>;
    deps?: Partial<GatewayDeps>;
    credential?: FakeCredential;
  } = {},
): Harness {
  const clock = new FakeClock();
  const transport = new ScriptedFetch(script, clock);
  const credential = options.credential ?? new FakeCredential();
  const throttle = options.deps?.throttle ?? freshThrottle(options.settings?.writeLimit);
  const warnings: { message: string; data: unknown }[] = [];
  let ids = 0;
  const gateway = createGraphGateway(testSettings(options.settings), {
    credential,
    fetch: transport.fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    newClientRequestId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    logger: { warn: (message, data) => warnings.push({ message, data }) },
    throttle,
    ...options.deps,
  });
  return { gateway, transport, clock, credential, throttle, warnings };
}

/** A JSON answer with Graph's usual headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type':
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      'request-id': `req-${status}`,
      ...headers,
    },
  });
}

export function noContent(): Response {
  return new Response(null, { status: 204, headers: { 'request-id': 'req-204' } });
}

/** Graph's OData error body (reference/graph.md §2.7). */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: '2025-02-13T10:17:05',
          'request-id': `body-req-${status}`,
          'client-request-id': 'e70c5c1b-8b47-68c0-3171-3d22f5e0bd54',
        },
      },
    },
    headers,
  );
}

/** A fetch failure the way undici reports it: `TypeError('fetch failed')` with a coded cause. */
export function networkError(code: string): Error {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
  return new TypeError('fetch failed', { cause });
}

/** A responder that never answers until the request's signal aborts, then rejects like fetch does. */
export function hangUntilAborted(): Responder {
  return (_request, signal) =>
    new Promise<Response>((_resolve, reject) => {
      if (signal === undefined) return;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
