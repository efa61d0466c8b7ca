import { z } from 'zod';
import { GraphRequestError } from '../graph/errors';
import { type GraphCallLogger, type GraphGateway } from '../graph/gateway';
import { parseWith } from './runMessages';

/**
 * One person, one outcome: a batch may name the same user by object id and by UPN. Text cannot tell, so a
 * run whose batch mixes both kinds asks Graph who is who before it fans out.
 *
 * Only the smaller side is resolved: each object id's UPN, or each UPN's object id, whichever side has
 * fewer keys. A person named both ways then has one identity on both sides. Keys Graph does not know are
 * left as they are (their sync reports `notFound`).
 */

/** Keys per `resolveUserKeys` call: its result stays far below Durable's message sizes. */
export const KEYS_PER_RESOLVE_CALL = 500;
/** Graph reads one activity has in flight. */
export const RESOLVE_CONCURRENCY = 8;

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isObjectId(key: string): boolean {
  return OBJECT_ID.test(key);
}

/** The keys to resolve: the smaller of the two kinds, or none when the batch uses one kind only. */
export function keysToResolve(users: readonly string[]): string[] {
  const ids = users.filter(isObjectId);
  if (ids.length === 0 || ids.length === users.length) return [];
  const upns = users.filter((user) => !isObjectId(user));
  return ids.length <= upns.length ? ids : upns;
}

/** Input and result of one `resolveUserKeys` call: the user's id and UPN per key, null when not found. */
export interface ResolveKeysInput {
  keys: string[];
  priority: 'normal' | 'low';
}
export type ResolvedKey = { id: string; upn: string } | null;

const resolveInputSchema = z.object({
  keys: z.array(z.string().min(1)).max(KEYS_PER_RESOLVE_CALL),
  priority: z.enum(['normal', 'low']),
});
const resolvedSchema = z.array(z.object({ id: z.string(), upn: z.string() }).nullable());

export function parseResolveKeysInput(value: unknown): ResolveKeysInput {
  return parseWith(resolveInputSchema, value, 'resolveUserKeys input');
}

export function parseResolvedKeys(value: unknown, expected: number): ResolvedKey[] {
  const resolved = parseWith(resolvedSchema, value, 'resolveUserKeys result');
  if (resolved.length !== expected)
    throw new Error(`resolveUserKeys answered for ${resolved.length} keys, not ${expected}`);
  return resolved;
}

/**
 * Reads each key's user (the gateway escapes keys into the URL). A user Graph does not have resolves to
 * null; any other failure (throttled past the gateway's retries, forbidden, ...) rejects, so the activity is
 * retried and, if it keeps failing, the run goes on without the check.
 */
export async function resolveKeys(
  graph: GraphGateway,
  input: ResolveKeysInput,
  /** The invocation's logger, for the gateway's warnings (retries, throttling) on these reads. */
  logger?: GraphCallLogger,
): Promise<ResolvedKey[]> {
  const resolved: ResolvedKey[] = new Array<ResolvedKey>(input.keys.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < input.keys.length) {
      const index = next;
      next += 1;
      const key = input.keys[index] ?? '';
      try {
        const user = await graph.getUser(key, ['id', 'userPrincipalName'], {
          priority: input.priority,
          ...(logger === undefined ? {} : { logger }),
        });
        resolved[index] = { id: user.id, upn: user.userPrincipalName ?? '' };
      } catch (error) {
        if (error instanceof GraphRequestError && error.kind === 'notFound') continue;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, input.keys.length) }, worker));
  return resolved;
}

/**
 * Keeps the first key of each person, in submission order. `resolved[i]` belongs to `keys[i]` (the keys
 * `keysToResolve` chose). Pure: the orchestrator calls it.
 */
export function mergeByIdentity(
  users: readonly string[],
  keys: readonly string[],
  resolved: readonly ResolvedKey[],
): { users: string[]; duplicatesRemoved: number } {
  const resolvedOf = new Map<string, ResolvedKey>();
  keys.forEach((key, index) => resolvedOf.set(key.toLowerCase(), resolved[index] ?? null));
  // Only keys of the resolved side are in the map: an object id found there is named by its UPN, a UPN by
  // its object id; every other key (the other side, or not found) is compared as it stands.
  const identityOf = (user: string): string => {
    const found = resolvedOf.get(user.toLowerCase());
    if (isObjectId(user)) return found ? `upn:${found.upn.toLowerCase()}` : `id:${user.toLowerCase()}`;
    return found ? `id:${found.id.toLowerCase()}` : `upn:${user.toLowerCase()}`;
  };
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const user of users) {
    const identity = identityOf(user);
    if (seen.has(identity)) continue;
    seen.add(identity);
    kept.push(user);
  }
  return { users: kept, duplicatesRemoved: users.length - kept.length };
}
