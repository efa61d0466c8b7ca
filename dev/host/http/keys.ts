import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRecord } from '../app/settings';

/**
 * Function keys, as Azure checks them (reference §6): a key arrives as `?code=` or `x-functions-key`;
 * `function` level accepts that function's keys, any host key or the master key; `admin` level and `/admin/*`
 * need the master key; extension webhooks take their system key (or the master key).
 *
 * Keys come from, in increasing precedence: `<dataDir>/host-keys.json` (generated on first start, so they stay
 * stable across restarts), the `Keys` section of local.settings.json, and the host's options. The file and the
 * `Keys` section share one shape: {masterKey, hostKeys: {name: key}, functionKeys: {fn: {name: key}}, systemKeys}.
 */
export interface HostKeys {
  masterKey: string;
  hostKeys: Record<string, string>;
  functionKeys: Record<string, Record<string, string>>;
  systemKeys: Record<string, string>;
}

export type KeysInput = Partial<HostKeys>;

export const DURABLE_SYSTEM_KEY = 'durabletask_extension';
export const EVENT_GRID_SYSTEM_KEY = 'eventgrid_extension';

export function generateKey(): string {
  return randomBytes(30).toString('base64url');
}

export function loadKeys(options: {
  file: string;
  fromSettings: unknown;
  overrides: KeysInput | undefined;
  functionNames: readonly string[];
}): HostKeys {
  const stored = existsSync(options.file)
    ? readKeysShape(JSON.parse(readFileSync(options.file, 'utf8')))
    : {};
  let changed = !existsSync(options.file);
  const keys: HostKeys = {
    masterKey: stored.masterKey ?? generateKey(),
    hostKeys: { ...stored.hostKeys },
    functionKeys: { ...stored.functionKeys },
    systemKeys: { ...stored.systemKeys },
  };
  if (!stored.masterKey) changed = true;
  if (!keys.hostKeys['default']) {
    keys.hostKeys['default'] = generateKey();
    changed = true;
  }
  for (const name of [DURABLE_SYSTEM_KEY, EVENT_GRID_SYSTEM_KEY]) {
    if (!keys.systemKeys[name]) {
      keys.systemKeys[name] = generateKey();
      changed = true;
    }
  }
  for (const name of options.functionNames) {
    const existing = keys.functionKeys[name] ?? {};
    if (!existing['default']) {
      keys.functionKeys[name] = { ...existing, default: generateKey() };
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  }
  return mergeKeys(mergeKeys(keys, readKeysShape(options.fromSettings)), options.overrides ?? {});
}

function mergeKeys(base: HostKeys, over: KeysInput): HostKeys {
  const functionKeys = { ...base.functionKeys };
  for (const [name, entries] of Object.entries(over.functionKeys ?? {})) {
    functionKeys[name] = { ...functionKeys[name], ...entries };
  }
  return {
    masterKey: over.masterKey ?? base.masterKey,
    hostKeys: { ...base.hostKeys, ...over.hostKeys },
    functionKeys,
    systemKeys: { ...base.systemKeys, ...over.systemKeys },
  };
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const map: Record<string, string> = {};
  for (const [name, key] of Object.entries(value))
    if (typeof key === 'string' && key.length > 0) map[name] = key;
  return map;
}

export function readKeysShape(value: unknown): KeysInput {
  if (!isRecord(value)) return {};
  const functionKeys: Record<string, Record<string, string>> = {};
  if (isRecord(value['functionKeys'])) {
    for (const [name, entries] of Object.entries(value['functionKeys'])) {
      const map = stringMap(entries);
      if (map) functionKeys[name] = map;
    }
  }
  const master = value['masterKey'];
  return {
    masterKey: typeof master === 'string' && master.length > 0 ? master : undefined,
    hostKeys: stringMap(value['hostKeys']),
    functionKeys,
    systemKeys: stringMap(value['systemKeys']),
  };
}

function sameKey(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function anyMatches(presented: string, candidates: Iterable<string>): boolean {
  let found = false;
  // Compare against every candidate: the time taken does not reveal which key class matched.
  for (const candidate of candidates) if (sameKey(presented, candidate)) found = true;
  return found;
}

export type KeyScope =
  { kind: 'function'; functionName: string } | { kind: 'admin' } | { kind: 'system'; systemKeyName: string };

export function isAuthorized(keys: HostKeys, scope: KeyScope, presented: string | undefined): boolean {
  if (!presented) return false;
  const candidates = [keys.masterKey];
  if (scope.kind === 'function') {
    candidates.push(
      ...Object.values(keys.hostKeys),
      ...Object.values(keys.functionKeys[scope.functionName] ?? {}),
    );
  } else if (scope.kind === 'system') {
    const systemKey = keys.systemKeys[scope.systemKeyName];
    if (systemKey) candidates.push(systemKey);
  }
  return anyMatches(presented, candidates);
}

export function presentedKey(url: URL, headerKey: string | undefined): string | undefined {
  return url.searchParams.get('code') ?? headerKey ?? undefined;
}
