import { type DirectoryApi } from '../graph/directoryApi';

/**
 * The pilot scope (SYNC_PILOT_GROUP_ID): the automatic doors sync only transitive members of one group.
 * Membership is read as one paged `/groups/{id}/transitiveMembers/microsoft.graph.user` listing and kept
 * for `ttlMs`, so a burst of events costs one listing, not one lookup per user. A member added to the
 * group is picked up within `ttlMs`; explicit HTTP and queue batches never pass through here.
 */
export interface PilotScope {
  /** The users of `userIds` inside the scope (all of them when no group is set). */
  filter(userIds: readonly string[]): Promise<string[]>;
}

export function createPilotScope(
  groupId: string | null,
  directory: () => DirectoryApi,
  ttlMs = 60_000,
  now: () => number = Date.now,
): PilotScope {
  let cached: { members: Set<string>; readAt: number } | undefined;
  let pending: Promise<Set<string>> | undefined;

  const members = async (): Promise<Set<string>> => {
    if (groupId === null) return new Set();
    if (cached !== undefined && now() - cached.readAt < ttlMs) return cached.members;
    pending ??= directory()
      .transitiveMemberUserIds(groupId, { priority: 'low' })
      .then((read) => {
        cached = { members: read, readAt: now() };
        return read;
      })
      .finally(() => (pending = undefined));
    return pending;
  };

  return {
    async filter(userIds) {
      if (groupId === null) return [...userIds];
      const inScope = await members();
      return userIds.filter((id) => inScope.has(id.toLowerCase()));
    },
  };
}
