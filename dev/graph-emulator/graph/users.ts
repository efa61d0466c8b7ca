import { buildQuery } from '../core/http';
import { type TenantStore } from '../store/tenantStore';
import {
  canonicalUserProperty,
  DEFAULT_USER_PROPERTIES,
  projectUser,
  type Selection,
  type UserRecord,
} from '../store/users';
import { authorizeUserRead } from './authorization';
import { type GraphContext } from './context';
import { errors, ODATA_JSON } from './errors';
import { parseUserFilter } from './filter';
import { type UserRef } from './router';
import { principalOf, type GraphRequest, type GraphResponse } from './types';

/** Parses `$select` into canonical names (Graph properties and registered directory extensions). */
export function parseSelect(raw: string | undefined, store: TenantStore): Selection {
  if (raw === undefined || raw.trim() === '')
    return { properties: [...DEFAULT_USER_PROPERTIES], isDefault: true };
  const properties: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (!name) continue;
    const canonical = canonicalUserProperty(name) ?? store.directoryExtension(name);
    if (!canonical) throw errors.unknownProperty(name);
    if (!properties.includes(canonical)) properties.push(canonical);
  }
  return { properties, isDefault: false };
}

export function contextUrl(base: string, selection: Selection, suffix: string): string {
  return selection.isDefault
    ? `${base}/$metadata#users${suffix}`
    : `${base}/$metadata#users(${selection.properties.join(',')})${suffix}`;
}

/** Resolves a path's user (object id, UPN or /me); 404 with Graph's body when absent. */
export function resolveUser(ctx: GraphContext, req: GraphRequest, ref: UserRef): UserRecord {
  if (ref.kind === 'me') {
    const principal = req.principal;
    if (principal?.kind !== 'user') throw errors.meNeedsUser();
    const me = ctx.store.findUser(principal.userId);
    if (!me) throw errors.userNotFound(principal.userId);
    return me;
  }
  const user = ctx.store.findUser(ref.key);
  if (!user) throw errors.userNotFound(ref.key);
  return user;
}

function rejectUnsupportedOptions(req: GraphRequest): void {
  if (req.query.has('$expand')) throw errors.unsupportedQuery('$expand is not supported by the emulator.');
  if (req.query.has('$orderby')) throw errors.unsupportedQuery('$orderby is not supported by the emulator.');
}

export function getUser(ctx: GraphContext, req: GraphRequest, ref: UserRef): GraphResponse {
  rejectUnsupportedOptions(req);
  const selection = parseSelect(req.query.get('$select'), ctx.store);
  authorizeUserRead(principalOf(req), selection.isDefault ? 'default' : selection.properties);
  const user = resolveUser(ctx, req, ref);
  return {
    status: 200,
    headers: { 'Content-Type': ODATA_JSON },
    body: {
      '@odata.context': contextUrl(ctx.graphBaseUrl, selection, '/$entity'),
      ...projectUser(user, selection),
    },
  };
}

interface ListCursor {
  i: number;
  e: string;
}

function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string, epoch: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ListCursor>;
    if (typeof parsed.i === 'number' && parsed.e === epoch) return parsed.i;
  } catch {
    // fall through
  }
  throw errors.invalidQuery('The $skiptoken is invalid or expired.');
}

/** `GET /users`: paged, with `$select`, `$top`, `$filter` (advanced queries need ConsistencyLevel). */
export function listUsers(ctx: GraphContext, req: GraphRequest): GraphResponse {
  rejectUnsupportedOptions(req);
  const selection = parseSelect(req.query.get('$select'), ctx.store);
  authorizeUserRead(principalOf(req), selection.isDefault ? 'default' : selection.properties);
  const topRaw = req.query.get('$top');
  const top = topRaw === undefined ? ctx.pageSize : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    throw errors.invalidQuery(
      `Invalid page size specified: '${topRaw ?? ''}'. Must be between 1 and 999 inclusive.`,
    );
  }
  const eventual = (req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
  const count = req.query.get('$count') === 'true';
  if (count && !eventual)
    throw errors.unsupportedQuery('$count is only supported with ConsistencyLevel: eventual.');
  const filterText = req.query.get('$filter');
  const filter = filterText ? parseUserFilter(filterText) : undefined;
  if (filter?.advanced && !(eventual && count)) {
    throw errors.unsupportedQuery(
      'Unsupported or invalid query filter clause specified: this filter is an advanced query and needs ConsistencyLevel: eventual and $count=true.',
    );
  }
  const skip = req.query.get('$skiptoken');
  let index = skip ? decodeCursor(skip, ctx.store.epoch) : 0;
  const value: Record<string, unknown>[] = [];
  const store = ctx.store;
  for (; index < store.enumerationLength && value.length < top; index++) {
    const user = store.at(index);
    if (!user || user.purged || user.softDeleted) continue;
    if (filter && !filter.matches(user)) continue;
    value.push(projectUser(user, selection));
  }
  let more = false;
  for (let j = index; j < store.enumerationLength; j++) {
    const user = store.at(j);
    if (user && !user.purged && !user.softDeleted && (!filter || filter.matches(user))) {
      more = true;
      break;
    }
  }
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx.graphBaseUrl, selection, '') };
  if (count) {
    let total = 0;
    for (const user of store.liveUsers()) if (!filter || filter.matches(user)) total++;
    body['@odata.count'] = total;
  }
  if (more) {
    const params = [...req.query].filter(([k]) => k !== '$skiptoken');
    params.push(['$skiptoken', encodeCursor({ i: index, e: store.epoch })]);
    body['@odata.nextLink'] = `${ctx.graphBaseUrl}/users?${buildQuery(params)}`;
  }
  body.value = value;
  return { status: 200, headers: { 'Content-Type': ODATA_JSON }, body };
}
