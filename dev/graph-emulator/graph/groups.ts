import { type GraphContext } from './context';
import { errors, GraphError, ODATA_JSON } from './errors';
import { principalOf, type GraphRequest, type GraphResponse } from './types';

/** Least-privileged application permission for transitive members is GroupMember.Read.All (Graph docs). */
const READ_MEMBERS = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

/**
 * `GET /groups/{id}/transitiveMembers` and its `/microsoft.graph.user` cast: the users (and, uncast, the
 * nested groups) of a group, paged with an opaque `$skiptoken`; `$select` of `id`/`displayName` honoured.
 */
export function transitiveMembers(
  ctx: GraphContext,
  req: GraphRequest,
  groupId: string,
  usersOnly: boolean,
): GraphResponse {
  const principal = principalOf(req);
  const granted = principal.kind === 'app' ? principal.roles : principal.scopes;
  if (!READ_MEMBERS.some((role) => granted.has(role))) {
    throw new GraphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  const group = ctx.groups.get(groupId);
  if (group === undefined) {
    throw new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${groupId}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  const members = ctx.groups.transitiveMemberIds(group.id);
  const entries: Record<string, unknown>[] = [];
  for (const id of members.users) {
    const user = ctx.store.findUser(id);
    if (user === undefined || user.softDeleted) continue;
    entries.push({ '@odata.type': '#microsoft.graph.user', id: user.id, displayName: user.displayName });
  }
  if (!usersOnly) {
    for (const id of members.groups) {
      const nested = ctx.groups.get(id);
      if (nested !== undefined) {
        entries.push({
          '@odata.type': '#microsoft.graph.group',
          id: nested.id,
          displayName: nested.displayName,
        });
      }
    }
  }
  const select = req.query.get('$select');
  const wanted = select === undefined ? undefined : select.split(',').map((name) => name.trim());
  for (const name of wanted ?? []) {
    if (!['id', 'displayName'].includes(name)) {
      throw errors.invalidRequest(
        `Could not find a property named '${name}' on type 'microsoft.graph.directoryObject'.`,
      );
    }
  }
  const skiptoken = req.query.get('$skiptoken');
  const offset = skiptoken === undefined ? 0 : decodeOffset(skiptoken);
  const pageSize = ctx.pageSize;
  const page = entries
    .slice(offset, offset + pageSize)
    .map((entry) =>
      wanted === undefined
        ? entry
        : Object.fromEntries(
            Object.entries(entry).filter(([key]) => key === '@odata.type' || wanted.includes(key)),
          ),
    );
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.graphBaseUrl}/$metadata#directoryObjects`,
    value: page,
  };
  if (offset + pageSize < entries.length) {
    const path = `/groups/${group.id}/transitiveMembers${usersOnly ? '/microsoft.graph.user' : ''}`;
    const query = `${select === undefined ? '' : `$select=${select}&`}$skiptoken=${encodeOffset(offset + pageSize)}`;
    body['@odata.nextLink'] = `${ctx.graphBaseUrl}${path}?${query}`;
  }
  return { status: 200, headers: { 'Content-Type': ODATA_JSON }, body };
}

function encodeOffset(offset: number): string {
  return Buffer.from(`members:${offset}`, 'utf8').toString('base64url');
}

function decodeOffset(token: string): number {
  const match = /^members:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (match === null) throw errors.invalidRequest('Invalid $skiptoken.');
  return Number(match[1]);
}
