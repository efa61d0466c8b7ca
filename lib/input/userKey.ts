/**
 * Validation of the user keys callers submit (UPNs or object ids). Everything that reaches the Graph
 * gateway went through here first; the gateway escapes on its own too, so this is the first of two walls.
 */
export type UserKeyCheck =
  { ok: true; key: string; kind: 'objectId' | 'upn'; dedupeKey: string } | { ok: false; problem: string };

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra's characters for the user-name part, plus `$`, `&`, `+` and `=` that synced AD accounts carry. */
const LOCAL_PART = /^[A-Za-z0-9'._!^~$&+=-]+$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const GUEST_MARKER = '#EXT#';
/** Longer than any UPN Entra accepts (113 for members; guests' rewritten UPNs can be longer). */
export const MAX_USER_KEY_LENGTH = 256;

/** Explains the first reason `raw` cannot be a user key, or returns the key in canonical form. */
export function checkUserKey(raw: unknown): UserKeyCheck {
  if (typeof raw !== 'string') return { ok: false, problem: `expected a string, got ${describeType(raw)}` };
  const key = raw.trim();
  if (key === '') return { ok: false, problem: 'is empty' };
  if (key.length > MAX_USER_KEY_LENGTH) {
    return { ok: false, problem: `is longer than ${MAX_USER_KEY_LENGTH} characters` };
  }
  if (OBJECT_ID.test(key))
    return { ok: true, key: key.toLowerCase(), kind: 'objectId', dedupeKey: key.toLowerCase() };

  const forbidden = /[/\\?%\s"<>()[\]{}|,;:*`]/.exec(key);
  if (forbidden)
    return {
      ok: false,
      problem: `contains ${describeChar(forbidden[0])}, which a user principal name cannot contain`,
    };
  if (/[^\x21-\x7e]/.test(key)) return { ok: false, problem: 'contains a non-ASCII character' };

  const at = key.lastIndexOf('@');
  if (at < 0)
    return { ok: false, problem: "is neither an object id (GUID) nor a user principal name (no '@')" };
  let local = key.slice(0, at);
  const domain = key.slice(at + 1);
  if (local.includes('@')) return { ok: false, problem: "contains more than one '@'" };

  if (local.toUpperCase().endsWith(GUEST_MARKER)) local = local.slice(0, -GUEST_MARKER.length);
  if (local.includes('#')) return { ok: false, problem: "contains '#' outside a guest's '#EXT#@' marker" };
  if (local === '') return { ok: false, problem: "has nothing before '@'" };
  if (!LOCAL_PART.test(local))
    return { ok: false, problem: 'has a character a user principal name cannot contain' };
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, problem: "has a leading, trailing or doubled '.' before '@'" };
  }

  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return { ok: false, problem: `has an invalid domain after '@'` };
  }
  // UPNs are case-insensitive in Entra; keep the caller's spelling but dedupe on lower case.
  return { ok: true, key, kind: 'upn', dedupeKey: key.toLowerCase() };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeChar(char: string): string {
  if (/\s/.test(char)) return 'whitespace';
  return `'${char}'`;
}
