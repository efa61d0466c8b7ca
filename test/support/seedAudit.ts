import { type TenantSeed } from '../../dev/graph-emulator';
import { type EmulatorControlClient } from '../../dev/graph-emulator/control/client';
import { type Outcome } from '../../lib/sync/types';

/**
 * Checks a tenant after a run with writes against what its seed expects: each user's final mobile number,
 * and, from the emulator's write audit, that no user was ever written anything but its own number (nor had
 * a method deleted). Returns the problems found (empty when all is well) and the users that got a write.
 */
export async function auditAgainstSeed(
  seed: TenantSeed,
  control: EmulatorControlClient,
): Promise<{ problems: string[]; written: Set<string> }> {
  const problems: string[] = [];
  const written = new Set<string>();
  for (const user of seed.users) {
    const upn = user.userPrincipalName;
    const expected = user.expect?.phoneNumber ?? null;
    const state = await control.getUser(upn);
    const mobile = state?.phoneMethods.find((method) => method.phoneType === 'mobile')?.phoneNumber ?? null;
    if (mobile !== expected) problems.push(`${upn}: wrong final state`);
    const writes = state?.phoneMethodWrites ?? [];
    for (const write of writes) {
      if (write.operation === 'delete' || write.phoneNumber !== expected)
        problems.push(`${upn}: a wrong write (${write.operation})`);
    }
    if (writes.length > 0) written.add(upn);
  }
  return { problems, written };
}

/** How many users of the seed should end with `outcome`. */
export function expectedCount(seed: TenantSeed, outcome: Outcome): number {
  return seed.users.filter((user) => user.expect?.outcome === outcome).length;
}

/** The seed's users that need a write (expected `created` or `updated`). */
export function usersNeedingWrites(seed: TenantSeed): TenantSeed['users'] {
  return seed.users.filter((user) => ['created', 'updated'].includes(user.expect?.outcome ?? ''));
}
