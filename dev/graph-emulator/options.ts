import { type SeedSource } from './seed/load';
import { type PhoneFormatMode } from './store/phoneNumbers';

/** Status and error code the emulator answers with where the docs are silent. */
export interface ErrorChoice {
  status: number;
  code: string;
}

/**
 * Behaviour the docs leave open (reference/graph.md "DOCS SILENT"/"UNVERIFIED"). Defaults are documented in
 * the README's "Choices" table; every one can be changed so the product can be tested against each variant.
 */
export interface UndocumentedChoices {
  /** Creating a second method of the same type (graph.md §2.3). Default 400 `badRequest`. */
  duplicatePhoneType: ErrorChoice;
  /** Creating `alternateMobile` while there is no `mobile` (graph.md §2.3). Default 400 `badRequest`. */
  alternateMobileWithoutMobile: ErrorChoice;
  /** A number not in Graph's format (graph.md §1.2). Default 400 `badRequest`. */
  invalidPhoneNumber: ErrorChoice;
  /** `strict`: only `+<cc> <digits>[x<ext>]`; `lenient`: also no-space E.164 etc., stored normalized. */
  phoneFormat: PhoneFormatMode;
  /** Deleting the default MFA method while others exist (graph.md §2.5). */
  defaultMethodDelete: 'refuseWhenOthers' | 'allow';
  /** Error for a refused default-method delete. Default 400 `badRequest` (Q&A wording). */
  defaultMethodDeleteError: ErrorChoice;
  /** SMS sign-in number already used by someone else (graph.md §2.3). */
  phoneNumberNotUnique: 'conflictButApplied' | 'conflictNotApplied' | 'appliedSilently';
  /** With `conflictButApplied`: the write becomes visible after this many ms (default 0: at once). */
  conflictApplyDelayMs: number;
  /** A method id that is not one of the three, or a type the user does not have (graph.md §2.2). */
  methodNotFound: ErrorChoice;
  /** Authentication-methods 403 (graph.md §2.7: code DOCS SILENT). Default 403 `accessDenied`. */
  authMethodsForbidden: ErrorChoice;
  /** More than 20 requests in a `$batch` (graph.md §5.3). Default 400 `BadRequest`. */
  batchTooLarge: ErrorChoice;
  /** An expired or unknown users delta token (graph.md §6). Default 410 `syncStateNotFound` + Location. */
  staleDeltaToken: ErrorChoice;
}

export type LatencyDistribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Log-normal with the given median and 99th percentile, capped at maxMs. */
  | { kind: 'lognormal'; medianMs: number; p99Ms: number; maxMs?: number };

/** Added response latency per kind of request. `'realistic'` is a preset (see README). */
export type LatencyProfile =
  | 'off'
  | 'realistic'
  | { read?: LatencyDistribution; write?: LatencyDistribution; token?: LatencyDistribution };

export type FaultKind = 'throttle' | 'unavailable' | 'gatewayTimeout' | 'connectionReset' | 'slowResponse';

/** Random faults, drawn per request from the seeded PRNG. Rates are probabilities per request. */
export interface FaultProfile {
  rates: Partial<Record<FaultKind, number>>;
  /** Retry-After sent with injected 429/503 (seconds; default 2). */
  retryAfterSeconds?: number;
  /** Extra delay of a `slowResponse` (ms; default 5000). */
  slowResponseMs?: number;
  /** Only requests whose method is listed (default: all). */
  methods?: string[];
  /** Only requests whose path (after /v1.0) matches this regular expression (default: all). */
  pathPattern?: string;
  /** Share of 504/connection-reset faults that happen *after* the write was applied (default 0). */
  afterApplyRatio?: number;
  /** Also inject per item inside `$batch` (429/503/504 only; default true). */
  batchItems?: boolean;
}

/** A one-off fault for tests: the next `count` matching requests fail this way. */
export interface ScriptedFault {
  fault: FaultKind;
  match?: { method?: string; pathIncludes?: string; pathPattern?: string };
  count?: number;
  /** `after`: apply the request, then fail the response (the client cannot know the write happened). */
  phase?: 'before' | 'after';
  retryAfterSeconds?: number;
  delayMs?: number;
}

/** A token bucket: `capacity` units refilled evenly over `windowSeconds` (documented window). */
export interface BucketLimit {
  capacity: number;
  windowSeconds: number;
}

export interface ThrottlingOptions {
  enabled: boolean;
  /**
   * Resource units per app+tenant (graph.md §5.2). Default: by tenant size, S (<50 users) 3,500 / 10 s,
   * M (50-500) 5,000 / 10 s, L (>500) 8,000 / 10 s.
   */
  resourceUnits?: BucketLimit;
  /** Writes per app+tenant. Default 3,000 / 150 s. */
  writes: BucketLimit;
  /** Writes per tenant across apps. Default 18,000 / 300 s. */
  tenantWrites: BucketLimit;
  /** Resource units per app across tenants. Default 150,000 / 20 s. */
  appResourceUnits: BucketLimit;
  /** Throttled requests still consume budget ("usage keeps accruing", graph.md §5.1). Default true. */
  chargeThrottledRequests: boolean;
  /**
   * Share of each bucket kept back from `x-ms-throttle-priority: Low` requests (they are throttled first,
   * graph.md §5.2). Default 0: priority is accepted but changes nothing.
   */
  lowPriorityReserve: number;
}

export interface EventSinkOptions {
  /** Where CloudEvents for `EventGrid:` subscriptions are POSTed (the stand-in for the partner topic). */
  url: string;
  /** `single`: one `application/cloudevents+json` event per POST; `batch`: an array per POST. */
  mode?: 'single' | 'batch';
  /** Extra headers (e.g. a function key). Default adds `aeg-event-type: Notification`. */
  headers?: Record<string, string>;
}

export interface EmulatorOptions {
  /** Seed object, seed file path, or `{ generate: { users } }`. Default: seeds/demo-tenant.json. */
  seed?: SeedSource;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /**
   * 0 = random (default). `graph`: Graph v1.0 over HTTPS; `login`: the Entra login host (HTTPS); `local`:
   * plain HTTP for the managed-identity endpoint, the control API and Graph without TLS.
   */
  ports?: { graph?: number; login?: number; local?: number };
  latency?: LatencyProfile;
  faults?: FaultProfile;
  /** Seed of the PRNG behind latency, faults and batch response order (default 1). */
  randomSeed?: number;
  /** > 1 compresses throttling windows, token lifetimes, delta-token lifetime and event retries. */
  timeScale?: number;
  throttling?: Partial<ThrottlingOptions> | false;
  choices?: Partial<UndocumentedChoices>;
  eventSink?: EventSinkOptions;
  /**
   * Keep the CA and client certificates here, reused across starts and processes (so `NODE_EXTRA_CA_CERTS`
   * set once stays valid). Default: a temporary directory removed on stop.
   */
  stateDir?: string;
  /** The managed-identity endpoint's shared secret (default: random per start). */
  identityHeader?: string;
  /** Access-token lifetime before time scaling (default 3599 s, as Entra issues). */
  tokenLifetimeSeconds?: number;
  /** Request-log ring buffer size (default 20,000 entries). */
  requestLogSize?: number;
  /** Delta journal bound (default 500,000 changes). */
  deltaJournalSize?: number;
  /** Page size of `/users` and `/users/delta` (default 100; clients may ask smaller via $top/maxpagesize). */
  pageSize?: number;
}

export const DEFAULT_CHOICES: UndocumentedChoices = {
  duplicatePhoneType: { status: 400, code: 'badRequest' },
  alternateMobileWithoutMobile: { status: 400, code: 'badRequest' },
  invalidPhoneNumber: { status: 400, code: 'badRequest' },
  phoneFormat: 'strict',
  defaultMethodDelete: 'refuseWhenOthers',
  defaultMethodDeleteError: { status: 400, code: 'badRequest' },
  phoneNumberNotUnique: 'conflictButApplied',
  conflictApplyDelayMs: 0,
  methodNotFound: { status: 404, code: 'itemNotFound' },
  authMethodsForbidden: { status: 403, code: 'accessDenied' },
  batchTooLarge: { status: 400, code: 'BadRequest' },
  staleDeltaToken: { status: 410, code: 'syncStateNotFound' },
};

export const DEFAULT_THROTTLING: ThrottlingOptions = {
  enabled: true,
  writes: { capacity: 3000, windowSeconds: 150 },
  tenantWrites: { capacity: 18000, windowSeconds: 300 },
  appResourceUnits: { capacity: 150000, windowSeconds: 20 },
  chargeThrottledRequests: true,
  lowPriorityReserve: 0,
};

/** Documented resource-unit quota per app+tenant by tenant size (graph.md §5.2). */
export function resourceUnitsForTenantSize(userCount: number): BucketLimit {
  if (userCount < 50) return { capacity: 3500, windowSeconds: 10 };
  if (userCount <= 500) return { capacity: 5000, windowSeconds: 10 };
  return { capacity: 8000, windowSeconds: 10 };
}

export const REALISTIC_LATENCY = {
  read: { kind: 'lognormal', medianMs: 70, p99Ms: 450, maxMs: 3000 },
  write: { kind: 'lognormal', medianMs: 180, p99Ms: 1200, maxMs: 8000 },
  token: { kind: 'lognormal', medianMs: 90, p99Ms: 500, maxMs: 3000 },
} as const satisfies Exclude<LatencyProfile, 'off' | 'realistic'>;
