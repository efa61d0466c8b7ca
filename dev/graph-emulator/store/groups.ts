/**
 * Security groups with direct members (users or other groups), for `/groups/{id}/transitiveMembers`
 * (the product's pilot scope). Set through the control API; cleared on reseed.
 */
export interface GroupRecord {
  id: string;
  displayName: string;
  /** Direct members: user or group object ids (lower case). */
  members: string[];
}

export class GroupStore {
  private readonly byId = new Map<string, GroupRecord>();

  get all(): readonly GroupRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): GroupRecord | undefined {
    return this.byId.get(id.toLowerCase());
  }

  put(group: GroupRecord): GroupRecord {
    const stored = {
      id: group.id.toLowerCase(),
      displayName: group.displayName,
      members: [...new Set(group.members.map((member) => member.toLowerCase()))],
    };
    this.byId.set(stored.id, stored);
    return stored;
  }

  delete(id: string): boolean {
    return this.byId.delete(id.toLowerCase());
  }

  clear(): void {
    this.byId.clear();
  }

  /** Members of the group and of every nested group (cycles allowed), each once, groups excluded. */
  transitiveMemberIds(id: string): { users: string[]; groups: string[] } {
    const users = new Set<string>();
    const groups = new Set<string>();
    const pending = [id.toLowerCase()];
    const visited = new Set<string>();
    while (pending.length > 0) {
      const current = pending.pop() as string;
      if (visited.has(current)) continue;
      visited.add(current);
      for (const member of this.byId.get(current)?.members ?? []) {
        if (this.byId.has(member)) {
          if (member !== id.toLowerCase()) groups.add(member);
          pending.push(member);
        } else users.add(member);
      }
    }
    return { users: [...users], groups: [...groups] };
  }
}
