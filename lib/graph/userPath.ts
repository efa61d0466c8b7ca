import { GraphRequestError } from './errors';
import { PHONE_METHOD_IDS, type PhoneType, isPhoneType } from './phoneMethods';

/**
 * URL paths for user keys. Nothing a caller supplies reaches a Graph URL unescaped: every key becomes exactly
 * one path segment (or one quoted OData key literal), whatever it contains (reference/graph.md §4.3).
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Longest key we will put in a URL; UPNs are at most 113 characters, this leaves room for odd inputs. */
const MAX_USER_KEY_LENGTH = 1024;

/**
 * `/users/<key>` for an object id or UPN.
 * - GUID → `/users/<guid in lower case>`;
 * - UPN → `/users/<percent-encoded UPN>` (`#EXT#` → `%23EXT%23`, `/` → `%2F`, `?` → `%3F`, ...);
 * - UPN starting with `$` → `/users('<UPN, quotes doubled, percent-encoded>')`, because Graph reads a
 *   segment starting with `$` as a system query option and answers 400.
 *
 * Throws `GraphRequestError` (`invalid`, status 0) for keys no user can have: empty, dot-only (a URL parser
 * would resolve `.`/`..` as directory steps), over-long, or not well-formed Unicode.
 */
export function userPath(userKey: string): string {
  if (typeof userKey !== 'string' || userKey.length === 0) throw invalidKey('is empty');
  if (userKey.length > MAX_USER_KEY_LENGTH) throw invalidKey('is too long');
  if (GUID.test(userKey)) return `/users/${userKey.toLowerCase()}`;
  if (userKey === '.' || userKey === '..') throw invalidKey('is a relative path step');
  if (userKey.startsWith('$')) {
    // OData string literal: a quote inside is written as two quotes ('' and %27%27 are the same to OData).
    return `/users('${encodePathText(userKey.replaceAll("'", "''"))}')`;
  }
  return `/users/${encodePathText(userKey)}`;
}

/** `/users/<id>/authentication/phoneMethods` */
export function phoneMethodsPath(userId: string): string {
  return `${userPath(userId)}/authentication/phoneMethods`;
}

/** `/users/<id>/authentication/phoneMethods/<fixed method id of the type>` */
export function phoneMethodPath(userId: string, phoneType: PhoneType): string {
  if (!isPhoneType(phoneType)) {
    throw new GraphRequestError('Unknown phone type', {
      kind: 'invalid',
      status: 0,
      code: 'InvalidPhoneType',
    });
  }
  return `${phoneMethodsPath(userId)}/${PHONE_METHOD_IDS[phoneType]}`;
}

/** OData property names (`displayName`, `extension_<appId>_<name>`, `onPremisesExtensionAttributes`). */
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const ALWAYS_SELECTED = ['id', 'userPrincipalName'] as const;

/**
 * The `$select` value: `id,userPrincipalName` first, then the requested properties without duplicates.
 * Names are checked against the OData identifier syntax (a `,`, `(` or `&` in a name would change the query's
 * meaning) and percent-encoded all the same.
 */
export function selectValue(select: readonly string[]): string {
  const names: string[] = [...ALWAYS_SELECTED];
  for (const name of select) {
    if (typeof name !== 'string' || !PROPERTY_NAME.test(name)) {
      throw new GraphRequestError('A $select entry is not a property name', {
        kind: 'invalid',
        status: 0,
        code: 'InvalidSelect',
      });
    }
    if (!names.some((known) => known.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return names.map((name) => encodeURIComponent(name)).join(',');
}

/**
 * Percent-encodes everything but unreserved characters and `@`/`$` (legal in a path segment and shown
 * literally in Graph's own examples). `encodeURIComponent` leaves `!'()*` alone; they are encoded too, so a
 * key can never open or close an OData key literal or function call.
 */
function encodePathText(text: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    // URIError: a lone surrogate, which no UPN can contain.
    throw invalidKey('is not well-formed Unicode');
  }
  return encoded
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%40', '@')
    .replaceAll('%24', '$');
}

function invalidKey(why: string): GraphRequestError {
  return new GraphRequestError(`The user key ${why}`, { kind: 'invalid', status: 0, code: 'InvalidUserKey' });
}
