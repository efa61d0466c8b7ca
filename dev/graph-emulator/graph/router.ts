import { safeDecode } from '../core/http';
import { errors } from './errors';

/** The user a path addresses: by key (object id or UPN) or `/me`. `raw` is the key as written. */
export type UserRef = { kind: 'key'; key: string } | { kind: 'me' };

export type Route =
  | { op: 'listUsers' }
  | { op: 'delta' }
  | { op: 'user'; user: UserRef }
  | { op: 'phoneMethods'; user: UserRef }
  | { op: 'phoneMethod'; user: UserRef; methodId: string }
  | {
      op: 'phoneMethodAction';
      user: UserRef;
      methodId: string;
      action: 'enableSmsSignIn' | 'disableSmsSignIn';
    }
  | { op: 'batch' }
  | { op: 'subscriptions' }
  | { op: 'subscription'; id: string }
  | { op: 'reauthorize'; id: string }
  | { op: 'transitiveMembers'; groupId: string; usersOnly: boolean };

export type Operation = Route['op'];

/** HTTP methods each route answers (others: 405). */
export const ALLOWED_METHODS: Readonly<Record<Operation, readonly string[]>> = {
  listUsers: ['GET'],
  delta: ['GET'],
  user: ['GET'],
  phoneMethods: ['GET', 'POST'],
  phoneMethod: ['GET', 'PATCH', 'DELETE'],
  phoneMethodAction: ['POST'],
  batch: ['POST'],
  subscriptions: ['GET', 'POST'],
  subscription: ['GET', 'PATCH', 'DELETE'],
  reauthorize: ['POST'],
  transitiveMembers: ['GET'],
};

const KEY_FUNCTION_FORM = /^users\('((?:[^']|'')*)'\)$/i;

/**
 * Maps a path after `/v1.0` to a route. Segments are percent-decoded one by one, so `%23EXT%23` becomes
 * `#EXT#` inside a UPN while an unencoded `#` never reaches the server (the client treats it as a
 * fragment). `/users/$x@y` is a 400 and `/users('$x@y')` works (reference/graph.md §4.3).
 */
export function route(rawPath: string): Route {
  const segments = rawPath
    .split('/')
    .filter((s) => s.length > 0)
    .map(safeDecode);
  const first = segments[0];
  if (first === undefined) throw errors.segmentNotFound('');
  const lower = first.toLowerCase();
  const fn = KEY_FUNCTION_FORM.exec(first);
  if (fn) return userRoute({ kind: 'key', key: (fn[1] ?? '').replace(/''/g, "'") }, segments.slice(1));
  switch (lower) {
    case '$batch':
      if (segments.length === 1) return { op: 'batch' };
      break;
    case 'me':
      return userRoute({ kind: 'me' }, segments.slice(1));
    case 'subscriptions': {
      if (segments.length === 1) return { op: 'subscriptions' };
      const id = segments[1] as string;
      if (segments.length === 2) return { op: 'subscription', id };
      if (segments.length === 3 && segments[2]?.toLowerCase() === 'reauthorize')
        return { op: 'reauthorize', id };
      throw errors.segmentNotFound(segments[2] ?? '');
    }
    case 'groups': {
      const groupId = segments[1];
      if (groupId === undefined || segments[2]?.toLowerCase() !== 'transitivemembers') {
        throw errors.segmentNotFound(segments[2] ?? 'groups');
      }
      if (segments.length === 3) return { op: 'transitiveMembers', groupId, usersOnly: false };
      if (segments.length === 4 && segments[3]?.toLowerCase() === 'microsoft.graph.user') {
        return { op: 'transitiveMembers', groupId, usersOnly: true };
      }
      throw errors.segmentNotFound(segments[3] ?? '');
    }
    case 'users': {
      if (segments.length === 1) return { op: 'listUsers' };
      const key = segments[1] as string;
      if (/^delta(\(\))?$/i.test(key) && segments.length === 2) return { op: 'delta' };
      if (key.startsWith('$')) throw errors.dollarUpnInPath(key);
      return userRoute({ kind: 'key', key }, segments.slice(2));
    }
    default:
      break;
  }
  throw errors.segmentNotFound(first);
}

function userRoute(user: UserRef, rest: string[]): Route {
  if (rest.length === 0) return { op: 'user', user };
  if (rest[0]?.toLowerCase() !== 'authentication') throw errors.segmentNotFound(rest[0] ?? '');
  if (rest[1]?.toLowerCase() !== 'phonemethods') throw errors.segmentNotFound(rest[1] ?? 'authentication');
  if (rest.length === 2) return { op: 'phoneMethods', user };
  const methodId = rest[2] as string;
  if (rest.length === 3) return { op: 'phoneMethod', user, methodId };
  const action = rest[3]?.toLowerCase();
  if (rest.length === 4 && (action === 'enablesmssignin' || action === 'disablesmssignin')) {
    return {
      op: 'phoneMethodAction',
      user,
      methodId,
      action: action === 'enablesmssignin' ? 'enableSmsSignIn' : 'disableSmsSignIn',
    };
  }
  throw errors.segmentNotFound(rest[3] ?? '');
}
