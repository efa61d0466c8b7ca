import { isSupportedDefaultCountry } from './phone/normalize';
import { z } from 'zod';
import { parsePublicHostName } from './http/publicUrl';
import { type GraphAuthSettings, type GraphSettings } from './graph/settings';
import { isPhoneType, PHONE_TYPES } from './graph/phoneMethods';
import { parseSourceAttribute } from './sync/sourceAttribute';
import { type SyncPolicy } from './sync/types';

/**
 * Every app setting the product reads, validated once. A bad setting stops the app with a message that
 * names the setting and says what is accepted (never its value when the value may be a secret).
 */
export interface AppConfig {
  /** The rules a new run captures (see SyncPolicy). */
  policy: SyncPolicy;
  /** Runs are dry-runs unless the request says otherwise. */
  dryRunDefault: boolean;
  limits: {
    /** Most users one HTTP request or queue message may carry. */
    maxUsersPerRequest: number;
    /** Largest request body accepted, in bytes. */
    maxRequestBytes: number;
    /** Most users handled by one sub-orchestration (bounds each history). */
    chunkSize: number;
    /** Sub-orchestrations in flight at once per run. */
    parallelChunks: number;
  };
  /** Orchestrator-level retry of one user's activity after a transient failure. */
  retry: {
    firstRetryIntervalMs: number;
    maxAttempts: number;
    backoffCoefficient: number;
    maxRetryIntervalMs: number;
  };
  graph: GraphSettings;
  /** The legacy runbook's shared-secret header, when callers still send it. */
  legacySecret: { headerName: string; secret: string } | null;
  /** The app's own host name (`WEBSITE_HOSTNAME`) for absolute URLs; never the caller's Host header. */
  publicHostName?: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid app settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const AUTH_MODES = ['managedIdentity', 'clientSecret', 'clientCertificate', 'password'] as const;
const MICROSOFT_GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads settings from `env`; collects every problem before failing so one restart fixes them all. */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const read = new SettingReader(env, problems);

  const sourceSpec = read.string(
    'SYNC_SOURCE_ATTRIBUTE',
    'onPremisesExtensionAttributes.extensionAttribute15',
  );
  const source = parseSourceAttribute(sourceSpec);
  if (!source.ok) problems.push(`SYNC_SOURCE_ATTRIBUTE: ${source.error}`);

  const phoneType = read.string('SYNC_PHONE_TYPE', 'mobile');
  if (!isPhoneType(phoneType)) {
    problems.push(`SYNC_PHONE_TYPE: expected one of ${PHONE_TYPES.join(', ')} (got '${phoneType}')`);
  }

  const country = read.optionalString('SYNC_DEFAULT_COUNTRY')?.toUpperCase() ?? null;
  if (country !== null && !isSupportedDefaultCountry(country)) {
    problems.push(
      `SYNC_DEFAULT_COUNTRY: expected an ISO 3166-1 alpha-2 region code such as DE or US (got '${country}')`,
    );
  }

  const policy: SyncPolicy = {
    sourceAttribute: sourceSpec,
    phoneType: isPhoneType(phoneType) ? phoneType : 'mobile',
    defaultCountry: country,
    emptyAttribute: read.choice('SYNC_EMPTY_ATTRIBUTE', ['keep', 'remove'], 'keep'),
    maskedRead: read.choice('SYNC_MASKED_READ', ['skip', 'overwrite'], 'skip'),
  };

  const limits = {
    maxUsersPerRequest: read.integer('SYNC_MAX_USERS_PER_REQUEST', 10_000, 1, 100_000),
    maxRequestBytes: read.integer('SYNC_MAX_REQUEST_BYTES', 16 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    chunkSize: read.integer('SYNC_CHUNK_SIZE', 100, 1, 1_000),
    parallelChunks: read.integer('SYNC_PARALLEL_CHUNKS', 8, 1, 64),
  };

  const retry = {
    firstRetryIntervalMs: read.integer('SYNC_RETRY_FIRST_INTERVAL_MS', 5_000, 100, 3_600_000),
    maxAttempts: read.integer('SYNC_RETRY_MAX_ATTEMPTS', 5, 1, 20),
    backoffCoefficient: read.number('SYNC_RETRY_BACKOFF_COEFFICIENT', 2, 1, 10),
    maxRetryIntervalMs: read.integer('SYNC_RETRY_MAX_INTERVAL_MS', 300_000, 100, 86_400_000),
  };

  const graph: GraphSettings = {
    // https only: the Graph client attaches the bearer token to https URLs only.
    baseUrl: read.url('GRAPH_BASE_URL', 'https://graph.microsoft.com/v1.0', 'https'),
    scope: read.string('GRAPH_SCOPE', MICROSOFT_GRAPH_SCOPE),
    auth: readAuth(read, problems),
    // 3,000 writes / 150 s is Graph's documented per app+tenant quota: the default uses 96% of it, and the
    // limiter's burst (1/32 of the budget) keeps any 150 s window at 2,970 at most (lib/graph/throttle.ts).
    writeLimit: { writes: read.integer('GRAPH_WRITES_PER_150S', 2_880, 1, 2_900), perMs: 150_000 },
    maxAttempts: read.integer('GRAPH_MAX_ATTEMPTS', 4, 1, 10),
    maxRetryAfterWaitMs: read.integer('GRAPH_MAX_RETRY_AFTER_WAIT_MS', 30_000, 0, 300_000),
    requestTimeoutMs: read.integer('GRAPH_REQUEST_TIMEOUT_MS', 60_000, 1_000, 300_000),
  };

  const headerName = read.optionalString('SYNC_LEGACY_SECRET_HEADER');
  const secret = read.optionalString('SYNC_LEGACY_SECRET');
  let legacySecret: AppConfig['legacySecret'] = null;
  if (headerName !== undefined || secret !== undefined) {
    if (headerName === undefined || secret === undefined) {
      problems.push('SYNC_LEGACY_SECRET_HEADER and SYNC_LEGACY_SECRET: set both or neither');
    } else if (!/^[A-Za-z0-9-]{1,64}$/.test(headerName)) {
      problems.push(`SYNC_LEGACY_SECRET_HEADER: expected an HTTP header name (letters, digits, '-')`);
    } else if (secret.length < 16) {
      problems.push('SYNC_LEGACY_SECRET: must be at least 16 characters');
    } else {
      legacySecret = { headerName, secret };
    }
  }

  const dryRunDefault = read.boolean('SYNC_DRY_RUN_DEFAULT', false);

  if (problems.length > 0) throw new ConfigError(problems);
  const publicHostName = parsePublicHostName(env['WEBSITE_HOSTNAME']);

  return { policy, dryRunDefault, limits, retry, graph, legacySecret, publicHostName };
}

function readAuth(read: SettingReader, problems: string[]): GraphAuthSettings {
  const mode = read.choice('GRAPH_AUTH_MODE', AUTH_MODES, 'managedIdentity');
  const authorityHost = read.optionalUrl('AZURE_AUTHORITY_HOST');
  const required = (name: string): string => {
    const value = read.optionalString(name);
    if (value === undefined) problems.push(`${name}: required when GRAPH_AUTH_MODE is ${mode}`);
    return value ?? '';
  };
  switch (mode) {
    case 'managedIdentity': {
      const clientId = read.optionalString('AZURE_CLIENT_ID');
      return clientId === undefined ? { mode } : { mode, clientId };
    }
    case 'clientSecret':
      return {
        mode,
        tenantId: required('AZURE_TENANT_ID'),
        clientId: required('AZURE_CLIENT_ID'),
        clientSecret: required('AZURE_CLIENT_SECRET'),
        ...(authorityHost === undefined ? {} : { authorityHost }),
      };
    case 'clientCertificate':
      return {
        mode,
        tenantId: required('AZURE_TENANT_ID'),
        clientId: required('AZURE_CLIENT_ID'),
        certificatePath: required('AZURE_CLIENT_CERTIFICATE_PATH'),
        ...(authorityHost === undefined ? {} : { authorityHost }),
      };
    case 'password':
      return {
        mode,
        tenantId: required('AZURE_TENANT_ID'),
        clientId: required('AZURE_CLIENT_ID'),
        username: required('GRAPH_LEGACY_USERNAME'),
        password: required('GRAPH_LEGACY_PASSWORD'),
        ...(authorityHost === undefined ? {} : { authorityHost }),
      };
  }
}

/** Small typed accessors that record a problem instead of throwing, so all problems are reported at once. */
class SettingReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optionalString(name: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const match = allowed.find((option) => option.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      this.problems.push(`${name}: expected one of ${allowed.join(', ')} (got '${value}')`);
      return fallback;
    }
    return match;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const parsed = z.stringbool().safeParse(value);
    if (!parsed.success) {
      this.problems.push(`${name}: expected true or false (got '${value}')`);
      return fallback;
    }
    return parsed.data;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    return this.numeric(name, fallback, min, max, false);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    return this.numeric(name, fallback, min, max, true);
  }

  url(name: string, fallback: string, scheme: 'https' | 'http(s)' = 'http(s)'): string {
    return this.optionalUrl(name, scheme) ?? fallback;
  }

  optionalUrl(name: string, scheme: 'https' | 'http(s)' = 'https'): string | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    const parsed = z.url({ protocol: scheme === 'https' ? /^https$/ : /^https?$/ }).safeParse(value);
    if (!parsed.success) {
      this.problems.push(`${name}: expected an ${scheme} URL (got '${value}')`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  private numeric(name: string, fallback: number, min: number, max: number, integer: boolean): number {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const schema = (integer ? z.coerce.number().int() : z.coerce.number()).min(min).max(max);
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const kind = integer ? 'an integer' : 'a number';
      this.problems.push(`${name}: expected ${kind} from ${min} to ${max} (got '${value}')`);
      return fallback;
    }
    return parsed.data;
  }
}

let cached: AppConfig | undefined;

/** The process-wide configuration, read from `process.env` on first use. */
export function getConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Tests change settings between cases; production never calls this. */
export function resetConfigForTests(): void {
  cached = undefined;
}
