import { buildQuery } from '../core/http';
import { type JournalEntry } from '../store/changeJournal';
import { projectUser, userPropertyValue, type Selection, type UserRecord } from '../store/users';
import { authorizeUserRead } from './authorization';
import { type GraphContext } from './context';
import { errors, GraphError, ODATA_JSON } from './errors';
import { contextUrl, parseSelect } from './users';
import { principalOf, type GraphRequest, type GraphResponse } from './types';

/**
 * `GET /users/delta` (reference/graph.md §6). Tokens are opaque to clients but carry the query (select,
 * id filter), the journal baseline and the tenant epoch; query options are given on the first request only.
 */
const DELTA_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

interface DeltaState {
  v: 1;
  e: string;
  sel: string[] | null;
  ids: string[] | null;
  /** i: initial enumeration, c: replaying changes, d: a deltaLink baseline. */
  p: 'i' | 'c' | 'd';
  /** Baseline: journal seq the round started from (d) or will end at (i: seq when the round began). */
  base: number;
  /** i: next enumeration index; c: last journal seq already served. */
  pos: number;
  /** c: upper journal seq of this round. */
  to: number;
  /** Issue time (ms) of the deltaLink this chain started from. */
  t: number;
}

function encode(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(token: string): DeltaState | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<DeltaState>;
    if (
      parsed.v === 1 &&
      typeof parsed.e === 'string' &&
      (parsed.p === 'i' || parsed.p === 'c' || parsed.p === 'd')
    ) {
      return parsed as DeltaState;
    }
  } catch {
    // not ours
  }
  return undefined;
}

function selectionOf(state: DeltaState): Selection {
  return state.sel === null
    ? { properties: [], isDefault: true }
    : { properties: state.sel, isDefault: false };
}

function staleToken(ctx: GraphContext, state: DeltaState | undefined): GraphError {
  const params: [string, string][] = [];
  if (state?.sel) params.push(['$select', state.sel.join(',')]);
  if (state?.ids) params.push(['$filter', state.ids.map((id) => `id eq '${id}'`).join(' or ')]);
  params.push(['$deltatoken', '']);
  const location = `${ctx.graphBaseUrl}/users/delta?${buildQuery(params)}`;
  const generation = state ? `${state.e.slice(0, 8)}.${state.base}` : 'unknown';
  const error = GraphError.from(
    ctx.choices.staleDeltaToken,
    `The sync state generation is not found; generation=${generation}. Restart the synchronization from scratch.`,
  );
  return new GraphError(error.status, error.code, error.message, { Location: location });
}

function parseIdFilter(filter: string | undefined): string[] | null {
  if (filter === undefined) return null;
  const parts = filter.split(/\s+or\s+/i);
  const ids = parts.map((part) => /^\s*id\s+eq\s+'([0-9a-fA-F-]{36})'\s*$/.exec(part)?.[1]?.toLowerCase());
  if (ids.some((id) => id === undefined) || ids.length > 50) {
    throw errors.unsupportedQuery(
      "users/delta supports only $filter=id eq '<id>' (up to 50, joined with 'or').",
    );
  }
  return ids as string[];
}

function pageSize(ctx: GraphContext, req: GraphRequest): number {
  const m = /odata\.maxpagesize=(\d+)/i.exec(req.headers.prefer ?? '');
  const asked = m ? Number(m[1]) : ctx.pageSize;
  return Math.max(1, Math.min(asked, ctx.pageSize));
}

function wantsMinimal(req: GraphRequest): boolean {
  return /return=minimal/i.test(req.headers.prefer ?? '');
}

/** A present user as delta shows it: `id` always; selected properties that are set, or changed to null. */
function deltaItem(
  user: UserRecord,
  selection: Selection,
  changed: Set<string> | null,
  minimal: boolean,
): Record<string, unknown> {
  if (minimal && changed && !changed.has('*')) {
    const out: Record<string, unknown> = { id: user.id };
    const names = selection.isDefault ? Object.keys(projectUser(user, selection)) : selection.properties;
    for (const name of names)
      if (changed.has(name.toLowerCase())) out[name] = userPropertyValue(user, name) ?? null;
    return out;
  }
  const projected = projectUser(user, selection);
  const out: Record<string, unknown> = { id: user.id };
  for (const [name, value] of Object.entries(projected)) {
    const isEmpty = value === null || (Array.isArray(value) && value.length === 0);
    if (!isEmpty || changed?.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function removedItem(id: string, reason: 'changed' | 'deleted'): Record<string, unknown> {
  return { id, '@removed': { reason } };
}

function respond(
  ctx: GraphContext,
  selection: Selection,
  value: unknown[],
  link: { next?: string; delta?: string },
): GraphResponse {
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx.graphBaseUrl, selection, '') };
  if (link.next) body['@odata.nextLink'] = `${ctx.graphBaseUrl}/users/delta?$skiptoken=${link.next}`;
  if (link.delta) body['@odata.deltaLink'] = `${ctx.graphBaseUrl}/users/delta?$deltatoken=${link.delta}`;
  body.value = value;
  return { status: 200, headers: { 'Content-Type': ODATA_JSON }, body };
}

function touches(entry: JournalEntry, selection: Selection): boolean {
  if (entry.kind !== 'updated' || selection.isDefault) return true;
  return entry.properties.some((p) => p === '*' || selection.properties.some((s) => s.toLowerCase() === p));
}

export function usersDelta(ctx: GraphContext, req: GraphRequest): GraphResponse {
  for (const option of ['$top', '$orderby', '$expand']) {
    if (req.query.has(option)) throw errors.unsupportedQuery(`${option} is not supported on users/delta.`);
  }
  const store = ctx.store;
  const journal = store.journal;
  const now = ctx.clock.nowMs();
  const skiptoken = req.query.get('$skiptoken');
  const deltatoken = req.query.get('$deltatoken');
  let state: DeltaState;

  if (skiptoken !== undefined || (deltatoken !== undefined && deltatoken !== '' && deltatoken !== 'latest')) {
    if (req.query.has('$select') && skiptoken !== undefined) {
      throw errors.unsupportedQuery(
        '$select and $skiptoken cannot be combined; the token already carries the query.',
      );
    }
    const decoded = decode(skiptoken ?? deltatoken ?? '');
    const tooOld = decoded !== undefined && now - decoded.t > ctx.clock.scaledMs(DELTA_TOKEN_LIFETIME_MS);
    if (!decoded || decoded.e !== store.epoch || tooOld || ctx.flags.deltaResyncPending) {
      ctx.flags.deltaResyncPending = false;
      throw staleToken(ctx, decoded);
    }
    if (decoded.p === 'd' && !journal.canServe(decoded.base)) throw staleToken(ctx, decoded);
    if (decoded.p === 'c' && !journal.canServe(decoded.pos)) throw staleToken(ctx, decoded);
    state = decoded;
    authorizeUserRead(principalOf(req), state.sel ?? 'default');
  } else {
    const selection = parseSelect(req.query.get('$select'), store);
    authorizeUserRead(principalOf(req), selection.isDefault ? 'default' : selection.properties);
    state = {
      v: 1,
      e: store.epoch,
      sel: selection.isDefault ? null : selection.properties,
      ids: parseIdFilter(req.query.get('$filter')),
      p: 'i',
      base: journal.currentSeq,
      pos: 0,
      to: 0,
      t: now,
    };
    if (deltatoken === 'latest') {
      return respond(ctx, selection, [], { delta: encode({ ...state, p: 'd', t: now }) });
    }
  }

  const selection = selectionOf(state);
  const limit = pageSize(ctx, req);
  const ids = state.ids ? new Set(state.ids) : null;
  const value: unknown[] = [];

  if (state.p === 'i') {
    let index = state.pos;
    for (; index < store.enumerationLength && value.length < limit; index++) {
      const user = store.at(index);
      if (!user || user.purged || (ids && !ids.has(user.id))) continue;
      value.push(
        user.softDeleted ? removedItem(user.id, 'changed') : deltaItem(user, selection, null, false),
      );
    }
    if (index < store.enumerationLength)
      return respond(ctx, selection, value, { next: encode({ ...state, pos: index }) });
    return respond(ctx, selection, value, { delta: encode({ ...state, p: 'd', pos: 0, t: now }) });
  }

  // Replaying changes since the baseline: p 'd' starts a round, p 'c' continues one.
  const from = state.p === 'd' ? state.base : state.pos;
  const to = state.p === 'd' ? journal.currentSeq : state.to;
  const changedByUser = new Map<string, Set<string>>();
  const order: JournalEntry[] = [];
  let lastSeq = from;
  let more = false;
  for (const entry of journal.range(from, to)) {
    if ((ids && !ids.has(entry.userId)) || !touches(entry, selection)) {
      lastSeq = entry.seq;
      continue;
    }
    if (!changedByUser.has(entry.userId)) {
      if (changedByUser.size >= limit) {
        more = true;
        break;
      }
      changedByUser.set(entry.userId, new Set());
      order.push(entry);
    }
    for (const p of entry.properties) changedByUser.get(entry.userId)?.add(p);
    lastSeq = entry.seq;
  }
  const minimal = wantsMinimal(req);
  for (const entry of order) {
    const user = store.findUser(entry.userId, { includeSoftDeleted: true });
    if (!user) value.push(removedItem(entry.userId, 'deleted'));
    else if (user.softDeleted) value.push(removedItem(user.id, 'changed'));
    else value.push(deltaItem(user, selection, changedByUser.get(entry.userId) ?? null, minimal));
  }
  if (more) return respond(ctx, selection, value, { next: encode({ ...state, p: 'c', pos: lastSeq, to }) });
  return respond(ctx, selection, value, {
    delta: encode({ ...state, p: 'd', base: to, pos: 0, to: 0, t: now }),
  });
}
