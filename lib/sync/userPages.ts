import { z } from 'zod';
import { parseWith, stagedUsersRefSchema } from './runMessages';
import { type StagedUsersRef } from './run';

/**
 * A long run's user list, kept out of the run orchestration's input and history: the list is cut into pages,
 * each stored as the input of a tiny orchestration instance `<runId>:users-<n>` that completes at once. The
 * Durable store keeps an instance's input for as long as the instance exists, on Azure (Azure Storage or
 * Durable Task Scheduler) and in the local host alike, and a durable client reads it back by instance id; so
 * the pages survive host restarts exactly as the run does, with no other store to configure. Each chunk then
 * loads only its own slice of one page.
 */
export interface UsersPage {
  runId: string;
  fingerprint: string;
  index: number;
  users: string[];
}

export const usersPageSchema = z.object({
  runId: z.string().min(1),
  fingerprint: z.string(),
  index: z.number().int().nonnegative(),
  users: z.array(z.string()),
});

/** Input of the `stageRunUsers` activity: the whole list, once, in the first execution's history only. */
export interface StageUsersInput {
  runId: string;
  fingerprint: string;
  pageSize: number;
  users: string[];
}

const stageUsersInputSchema = z.object({
  runId: z.string().min(1),
  fingerprint: z.string(),
  pageSize: z.number().int().positive(),
  users: z.array(z.string()),
});

export function parseStageUsersInput(value: unknown): StageUsersInput {
  return parseWith(stageUsersInputSchema, value, 'stageRunUsers input');
}

export function parseStagedUsersRef(value: unknown): StagedUsersRef {
  return parseWith(stagedUsersRefSchema, value, 'loadChunkUsers input');
}

export function parseUsersPage(value: unknown): UsersPage {
  return parseWith(usersPageSchema, value, 'users page');
}

/** Page instance ids derive from the run's id, so a replayed or retried staging writes the same pages. */
export function usersPageInstanceId(runId: string, pageIndex: number): string {
  return `${runId}:users-${pageIndex}`;
}

/** The pages of a list, in order. */
export function pagesOf(input: StageUsersInput): UsersPage[] {
  const pages: UsersPage[] = [];
  for (let start = 0, index = 0; start < input.users.length; start += input.pageSize, index += 1) {
    pages.push({
      runId: input.runId,
      fingerprint: input.fingerprint,
      index,
      users: input.users.slice(start, start + input.pageSize),
    });
  }
  return pages;
}

/**
 * Where chunk `chunkIndex` finds its users. `pageSize` is a multiple of `chunkSize`, so a chunk lies within
 * one page.
 */
export function chunkUsersRef(
  runId: string,
  fingerprint: string,
  chunkIndex: number,
  chunkSize: number,
  pageSize: number,
  totalUsers: number,
): StagedUsersRef {
  if (pageSize % chunkSize !== 0) throw new RangeError('pageSize must be a multiple of chunkSize');
  const start = chunkIndex * chunkSize;
  if (start >= totalUsers)
    throw new RangeError(`chunk ${chunkIndex} lies past the run's ${totalUsers} users`);
  const pageIndex = Math.floor(start / pageSize);
  return {
    page: usersPageInstanceId(runId, pageIndex),
    fingerprint,
    offset: start - pageIndex * pageSize,
    count: Math.min(chunkSize, totalUsers - start),
  };
}

/** The users a reference names, from the page it names; refuses a page of another request or too short. */
export function usersOfRef(page: UsersPage, ref: StagedUsersRef): string[] {
  if (page.fingerprint !== ref.fingerprint)
    throw new Error(`page '${ref.page}' belongs to another request than this run`);
  const users = page.users.slice(ref.offset, ref.offset + ref.count);
  if (users.length !== ref.count)
    throw new Error(
      `page '${ref.page}' holds ${page.users.length} users; the chunk needs ${ref.offset}..${ref.offset + ref.count}`,
    );
  return users;
}
