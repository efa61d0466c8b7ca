import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SyncSummary } from '../lib/sync/run';
import { type UserOutcome } from '../lib/sync/types';
import { PROJECT_ROOT } from './localStack';

/** The demo tenant's seed and what it expects of each user; shared by `npm run demo` and `demo:servicebus`. */
export interface SeedUser {
  userPrincipalName: string;
  expect?: { outcome: string; phoneNumber: string | null };
}

export const DEMO_SEED_PATH = join(PROJECT_ROOT, 'dev', 'graph-emulator', 'seeds', 'demo-tenant.json');

/** The seed's users that carry an expectation. */
export function expectedDemoUsers(): SeedUser[] {
  const seed = JSON.parse(readFileSync(DEMO_SEED_PATH, 'utf8')) as { users: SeedUser[] };
  return seed.users.filter((user) => user.expect !== undefined);
}

interface Control {
  getUser(key: string): Promise<{ phoneMethods?: { phoneType: string; phoneNumber: string }[] } | undefined>;
}

/**
 * Every user's outcome (from one or several run summaries) and the phone method Graph holds afterwards,
 * against the seed. Returns one line per mismatch, numbers never shown.
 */
export async function compareWithSeed(
  users: readonly SeedUser[],
  summaries: readonly SyncSummary[],
  control: Control,
): Promise<string[]> {
  const listed = new Map<string, UserOutcome>();
  for (const summary of summaries) {
    if (summary.omitted.changes + summary.omitted.failures + summary.omitted.skipped > 0) {
      return ['the summary left users out; the demo tenant is expected to fit in it'];
    }
    for (const row of [...summary.changes, ...summary.failures, ...summary.skipped])
      listed.set(row.user.toLowerCase(), row);
  }
  const mismatches: string[] = [];
  for (const user of users) {
    const expected = user.expect;
    if (expected === undefined) continue;
    // Users in none of the lists ended unchanged.
    const actual = listed.get(user.userPrincipalName.toLowerCase())?.outcome ?? 'unchanged';
    if (actual !== expected.outcome)
      mismatches.push(`${user.userPrincipalName}: outcome ${actual}, expected ${expected.outcome}`);
    const state = await control.getUser(user.userPrincipalName);
    const mobile = state?.phoneMethods?.find((method) => method.phoneType === 'mobile')?.phoneNumber ?? null;
    if (mobile !== expected.phoneNumber) {
      mismatches.push(
        `${user.userPrincipalName}: mobile method ${mobile === null ? 'absent' : 'differs'} from the expected ${expected.phoneNumber === null ? 'none' : 'number'}`,
      );
    }
  }
  return mismatches;
}
