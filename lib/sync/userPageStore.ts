import { type DurableClient } from 'durable-functions';
import { USERS_PAGE_ORCHESTRATION } from '../functionNames';
import { findRun } from '../runs';
import { type StagedUsersRef } from './run';
import {
  pagesOf,
  parseUsersPage,
  type StageUsersInput,
  usersOfRef,
  usersPageInstanceId,
  usersPageSchema,
} from './userPages';

/** The part of Durable's client the page store uses (narrow, so tests can hand in a small fake). */
export type PageClient = Pick<DurableClient, 'startNew' | 'getStatus'>;

/** Pages written at a time: enough to hide a round trip, few enough not to crowd the task hub. */
const STAGE_CONCURRENCY = 8;

/**
 * Writes every page of a run's users as a page instance (lib/sync/userPages.ts). Idempotent, as an activity
 * must be: a page that exists with this request's fingerprint is left alone; one left by an earlier run
 * that reused the id (a purged run, an Idempotency-Key reused after purging) is overwritten, which Durable
 * allows for finished instances. Returns the number of pages.
 */
export async function stageUsers(client: PageClient, input: StageUsersInput): Promise<number> {
  const pages = pagesOf(input);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pages.length) {
      const page = pages[next];
      next += 1;
      if (page === undefined) continue;
      const instanceId = usersPageInstanceId(page.runId, page.index);
      const existing = await findRun(client, instanceId);
      const stored = usersPageSchema.safeParse(existing?.input);
      if (stored.success && stored.data.fingerprint === page.fingerprint) continue;
      await client.startNew(USERS_PAGE_ORCHESTRATION, { instanceId, input: page });
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY, pages.length) }, worker));
  return pages.length;
}

/** A chunk's users, read from the page its reference names. Throws (the activity retries) if it is missing. */
export async function loadUsers(client: PageClient, ref: StagedUsersRef): Promise<string[]> {
  const status = await findRun(client, ref.page);
  if (status === undefined) throw new Error(`users page '${ref.page}' does not exist`);
  return usersOfRef(parseUsersPage(status.input), ref);
}
