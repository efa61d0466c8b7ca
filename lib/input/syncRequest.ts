import { safeEcho, truncate } from '../http/safeText';
import { checkUserKey } from './userKey';

/**
 * The body schema shared by the HTTP and Service Bus doors. Two shapes are accepted:
 *
 * - the legacy runbook webhook body `[{"UserPrincipalName": "..."}, ...]` (and the single object that
 *   PowerShell's `ConvertTo-Json` emits for a one-element pipeline), whose callers must keep working;
 * - `{"users": ["upn or object id", ...], "dryRun": true|false}`.
 */
export interface SyncRequest {
  /** Validated, deduplicated keys in submission order. */
  users: string[];
  /** Only the `users` shape can say; undefined means "use the default". */
  dryRun: boolean | undefined;
  shape: 'legacy' | 'users';
  /** Entries as submitted, duplicates included. */
  submitted: number;
  duplicatesRemoved: number;
}

/** One problem, located with a JSON Pointer (RFC 6901) into the submitted body. */
export interface EntryProblem {
  pointer: string;
  detail: string;
  /** The offending value, shortened and with phone numbers masked; absent when it is not a string. */
  value?: string;
}

export type SyncRequestParse =
  | { ok: true; request: SyncRequest }
  | {
      ok: false;
      kind: 'invalid' | 'tooMany';
      detail: string;
      /** The first MAX_REPORTED_PROBLEMS problems. */
      problems: EntryProblem[];
      /** Problems found beyond those listed. */
      moreProblems: number;
    };

const USERS_SHAPE_FIELDS = new Set(['users', 'dryRun']);
const MAX_REPORTED_PROBLEMS = 20;
/** Field names are echoed in pointers; a 10 MiB name must not make a 10 MiB answer or log line. */
const MAX_ECHOED_NAME_CHARS = 64;

export function parseSyncRequest(body: unknown, maxUsers: number): SyncRequestParse {
  if (Array.isArray(body)) return parseLegacyEntries(body, maxUsers);
  if (isPlainObject(body)) {
    if (legacyKeyOf(body) !== undefined && !('users' in body))
      return parseLegacyEntries([body], maxUsers, true);
    return parseUsersShape(body, maxUsers);
  }
  return invalid(
    `expected a JSON array of {"UserPrincipalName": ...} objects or an object {"users": [...]}, got ${describe(body)}`,
  );
}

function parseUsersShape(body: Record<string, unknown>, maxUsers: number): SyncRequestParse {
  const problems: EntryProblem[] = [];
  for (const field of Object.keys(body)) {
    if (!USERS_SHAPE_FIELDS.has(field)) {
      problems.push({
        pointer: `/${escapePointer(shortName(field))}`,
        detail: `unknown field '${safeEcho(field, MAX_ECHOED_NAME_CHARS)}'`,
      });
    }
  }
  let dryRun: boolean | undefined;
  if ('dryRun' in body) {
    if (typeof body.dryRun === 'boolean') dryRun = body.dryRun;
    else
      problems.push({ pointer: '/dryRun', detail: `expected true or false, got ${describe(body.dryRun)}` });
  }
  const users: unknown = body.users;
  if (!Array.isArray(users)) {
    problems.push({
      pointer: '/users',
      detail: `expected an array of user principal names or object ids, got ${describe(users)}`,
    });
    return {
      ok: false,
      kind: 'invalid',
      detail: 'the request body is not a valid sync request',
      problems: problems.slice(0, MAX_REPORTED_PROBLEMS),
      moreProblems: Math.max(0, problems.length - MAX_REPORTED_PROBLEMS),
    };
  }
  if (users.length > maxUsers) return tooMany(users.length, maxUsers);
  if (users.length === 0) problems.push({ pointer: '/users', detail: 'is empty: name at least one user' });
  const keys = (users as unknown[]).map((value, index) => ({ value, pointer: `/users/${index}` }));
  return collect(keys, problems, 'users', dryRun);
}

function parseLegacyEntries(entries: unknown[], maxUsers: number, singleObject = false): SyncRequestParse {
  if (entries.length > maxUsers) return tooMany(entries.length, maxUsers);
  const problems: EntryProblem[] = [];
  if (entries.length === 0)
    problems.push({ pointer: '', detail: 'is an empty list: name at least one user' });
  const keys: { value: unknown; pointer: string }[] = [];
  entries.forEach((entry, index) => {
    const base = singleObject ? '' : `/${index}`;
    if (!isPlainObject(entry)) {
      problems.push({
        pointer: base,
        detail: `expected an object {"UserPrincipalName": ...}, got ${describe(entry)}`,
      });
      return;
    }
    // The runbook read `$user.UserPrincipalName`: PowerShell property names are case-insensitive and
    // extra properties were ignored, so both stay accepted here.
    // Two spellings in one entry (`USERPRINCIPALNAME` and `UserPrincipalName`) name two users; picking
    // either would silently sync someone the caller may not have meant.
    const spellings = legacyKeysOf(entry);
    const key = spellings[0];
    if (key === undefined) {
      problems.push({ pointer: base, detail: "has no 'UserPrincipalName' field" });
      return;
    }
    if (spellings.length > 1) {
      const names = spellings.map((name) => `'${safeEcho(name, MAX_ECHOED_NAME_CHARS)}'`).join(' and ');
      problems.push({
        pointer: base,
        detail: `is ambiguous: it has ${names}; send exactly one 'UserPrincipalName' per entry`,
      });
      return;
    }
    keys.push({ value: entry[key], pointer: `${base}/${escapePointer(key)}` });
  });
  return collect(keys, problems, 'legacy', undefined);
}

function collect(
  keys: { value: unknown; pointer: string }[],
  problems: EntryProblem[],
  shape: SyncRequest['shape'],
  dryRun: boolean | undefined,
): SyncRequestParse {
  const seen = new Set<string>();
  const users: string[] = [];
  for (const { value, pointer } of keys) {
    const check = checkUserKey(value);
    if (!check.ok) {
      problems.push({
        pointer,
        detail: check.problem,
        ...(typeof value === 'string' ? { value: safe(value) } : {}),
      });
      continue;
    }
    if (seen.has(check.dedupeKey)) continue;
    seen.add(check.dedupeKey);
    users.push(check.key);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const detail = `${problems.length.toLocaleString('en-US')} problem${problems.length === 1 ? '' : 's'} in the request body`;
    return {
      ok: false,
      kind: 'invalid',
      detail,
      problems: shown,
      moreProblems: problems.length - shown.length,
    };
  }
  const submitted = keys.length;
  return {
    ok: true,
    request: { users, dryRun, shape, submitted, duplicatesRemoved: submitted - users.length },
  };
}

function legacyKeyOf(entry: Record<string, unknown>): string | undefined {
  return legacyKeysOf(entry)[0];
}

function legacyKeysOf(entry: Record<string, unknown>): string[] {
  return Object.keys(entry).filter((key) => key.toLowerCase() === 'userprincipalname');
}

function tooMany(count: number, max: number): SyncRequestParse {
  return {
    ok: false,
    kind: 'tooMany',
    detail: `the request names ${count} users; at most ${max} are accepted per request (split the batch)`,
    problems: [],
    moreProblems: 0,
  };
}

function invalid(detail: string): SyncRequestParse {
  return { ok: false, kind: 'invalid', detail, problems: [], moreProblems: 0 };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Echoed values are user input: shorten them and mask anything that looks like a phone number. */
function safe(value: string): string {
  return safeEcho(value);
}

function shortName(name: string): string {
  return truncate(name, MAX_ECHOED_NAME_CHARS);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
