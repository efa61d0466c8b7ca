import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * App settings and host.json, read the way Core Tools reads them: `local.settings.json` `Values` become
 * environment variables (an already-set environment variable wins, as in Core Tools), and explicit overrides
 * from the host's options win over both.
 */

export interface LocalSettingsFile {
  values: Record<string, string>;
  /** Our documented extension: fixed function keys for the key check (see README, "Keys"). */
  keys: unknown;
}

export function readLocalSettings(appDir: string): LocalSettingsFile {
  const path = join(appDir, 'local.settings.json');
  if (!existsSync(path)) return { values: {}, keys: undefined };
  const parsed = parseJsonFile(path);
  const values: Record<string, string> = {};
  const rawValues = isRecord(parsed) ? parsed['Values'] : undefined;
  if (isRecord(rawValues)) {
    for (const [name, value] of Object.entries(rawValues)) {
      if (value === null || value === undefined) continue;
      values[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return { values, keys: isRecord(parsed) ? parsed['Keys'] : undefined };
}

/** Applies settings to `process.env`; returns the names that an existing environment variable shadowed. */
export function applySettings(
  fromFile: Record<string, string>,
  overrides: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const shadowed: string[] = [];
  for (const [name, value] of Object.entries(fromFile)) {
    if (env[name] !== undefined && env[name] !== value) {
      shadowed.push(name);
      continue;
    }
    env[name] = value;
  }
  for (const [name, value] of Object.entries(overrides)) env[name] = value;
  return shadowed;
}

export class UnresolvedSettingError extends Error {
  constructor(readonly settingName: string) {
    super(`'%${settingName}%' does not resolve to a value.`);
  }
}

/** Replaces every `%NAME%` with the app setting NAME, as the Functions host does for binding properties. */
export function resolveSettingPlaceholders(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/%([^%]+)%/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) throw new UnresolvedSettingError(name);
    return value;
  });
}

export interface HostJsonSettings {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number | undefined;
  maxConcurrentOrchestratorFunctions: number | undefined;
  /**
   * host.json `functionTimeout`: `ms`, and `text` as written for the host's messages ("Timeout value of
   * 00:05:00 ..."); undefined when absent or `-1` (unbounded, as on Premium and Dedicated plans). Core Tools
   * does not apply a plan's default locally either, so neither does this host.
   */
  functionTimeout: FunctionTimeout | undefined;
}

export interface FunctionTimeout {
  readonly ms: number;
  readonly text: string;
}

export function readHostJson(appDir: string, env: NodeJS.ProcessEnv = process.env): HostJsonSettings {
  const path = join(appDir, 'host.json');
  const parsed = existsSync(path) ? parseJsonFile(path) : {};
  const extensions = isRecord(parsed) ? parsed['extensions'] : undefined;
  const http = isRecord(extensions) ? extensions['http'] : undefined;
  const durable = isRecord(extensions) ? extensions['durableTask'] : undefined;
  const prefixValue = isRecord(http) ? http['routePrefix'] : undefined;
  const timeoutValue = isRecord(parsed) ? parsed['functionTimeout'] : undefined;
  const timeoutMs = parseFunctionTimeout(timeoutValue, path);
  const hubValue = isRecord(durable) ? durable['hubName'] : undefined;
  return {
    routePrefix: typeof prefixValue === 'string' ? prefixValue.replace(/^\/+|\/+$/g, '') : 'api',
    // The extension's default hub name for Functions v4 is "TestHubName".
    hubName:
      typeof hubValue === 'string' && hubValue.length > 0
        ? resolveSettingPlaceholders(hubValue, env)
        : 'TestHubName',
    maxConcurrentActivityFunctions: positiveInteger(
      isRecord(durable) ? durable['maxConcurrentActivityFunctions'] : undefined,
    ),
    maxConcurrentOrchestratorFunctions: positiveInteger(
      isRecord(durable) ? durable['maxConcurrentOrchestratorFunctions'] : undefined,
    ),
    functionTimeout: timeoutMs === undefined ? undefined : { ms: timeoutMs, text: String(timeoutValue) },
  };
}

/**
 * A .NET TimeSpan as host.json writes it: `[d.]hh:mm:ss[.fffffff]`, or `-1` for no limit. Anything else is
 * refused with the file named, as the real host refuses to start on a malformed host.json.
 */
export function parseFunctionTimeout(value: unknown, file = 'host.json'): number | undefined {
  if (value === undefined || value === null || value === '-1' || value === -1) return undefined;
  const match =
    typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value) : null;
  if (match === null) {
    throw new Error(
      `${file}: functionTimeout must be a TimeSpan like "00:05:00" or -1, got ${JSON.stringify(value)}`,
    );
  }
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 +
    Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  if (Number(minutes) > 59 || Number(seconds) > 59 || ms <= 0) {
    throw new Error(`${file}: functionTimeout ${JSON.stringify(value)} is not a positive duration`);
  }
  return ms;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Strict JSON (no comments), with the file named in the error. */
function parseJsonFile(path: string): unknown {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
