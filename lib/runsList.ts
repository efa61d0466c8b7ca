import { type DurableClient, type DurableOrchestrationStatus } from 'durable-functions';
import { z } from 'zod';
import { SYNC_ORCHESTRATION } from './functionNames';
import { type OutcomeCounts, type SyncProgress, type SyncSummary } from './sync/run';

/** The part of Durable's client the runs list uses. */
export type RunsListClient = Pick<DurableClient, 'getStatusBy'>;

/** One line of `GET /api/sync`: what an operator needs to pick a run, never its user list. */
export interface RunListItem {
  id: string;
  runtimeStatus: string;
  trigger: string;
  requester: string;
  dryRun: boolean;
  total: number;
  done: number;
  counts: Partial<OutcomeCounts>;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface RunsPage {
  runs: RunListItem[];
  /** Pass as `?cursor=` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface RunsQuery {
  top: number;
  days: number;
  cursor: RunsCursor | undefined;
}

/** Position after the last run of a page, in the list's order (createdTime desc, id asc). */
export interface RunsCursor {
  createdTime: string;
  id: string;
}

const cursorSchema = z.object({ t: z.iso.datetime(), i: z.string().min(1).max(128) });

export function encodeCursor(cursor: RunsCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdTime, i: cursor.id }), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): RunsCursor | undefined {
  if (text.length > 400) return undefined;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? { createdTime: parsed.data.t, id: parsed.data.i } : undefined;
  } catch {
    return undefined;
  }
}

const runInputSummarySchema = z.object({
  users: z.array(z.unknown()).optional(),
  dryRun: z.boolean().optional(),
  trigger: z.string().optional(),
  requester: z.string().optional(),
});

/**
 * The product's recent runs, newest first, one page at a time. Durable lists every instance of the task
 * hub (chunk sub-orchestrations too, in no useful order), so this keeps only `syncPhoneNumbers` instances
 * and sorts them itself. Equal creation times are ordered by id, so pages never skip or repeat a run.
 */
export async function listRuns(client: RunsListClient, query: RunsQuery, now: Date): Promise<RunsPage> {
  const statuses = await client.getStatusBy({
    createdTimeFrom: new Date(now.getTime() - query.days * 24 * 60 * 60 * 1000),
  });
  const runs = statuses
    .filter((status) => status.name === SYNC_ORCHESTRATION)
    .map(runListItem)
    .sort(compareRuns);
  const cursor = query.cursor;
  const start = cursor === undefined ? 0 : runs.findIndex((run) => isAfter(run, cursor));
  const from = start < 0 ? runs.length : start;
  const page = runs.slice(from, from + query.top);
  const last = page.at(-1);
  const more = from + query.top < runs.length;
  return {
    runs: page,
    nextCursor:
      more && last !== undefined ? encodeCursor({ createdTime: last.createdTime, id: last.id }) : null,
  };
}

function compareRuns(a: RunListItem, b: RunListItem): number {
  if (a.createdTime !== b.createdTime) return a.createdTime < b.createdTime ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isAfter(run: RunListItem, cursor: RunsCursor): boolean {
  return compareRuns(run, { ...run, createdTime: cursor.createdTime, id: cursor.id }) > 0;
}

function runListItem(status: DurableOrchestrationStatus): RunListItem {
  const input = runInputSummarySchema.safeParse(status.input);
  const progress = isObject(status.customStatus)
    ? (status.customStatus as unknown as SyncProgress)
    : undefined;
  const summary =
    String(status.runtimeStatus) === 'Completed' && isObject(status.output)
      ? (status.output as unknown as SyncSummary)
      : undefined;
  const users = input.success ? (input.data.users?.length ?? 0) : 0;
  return {
    id: status.instanceId,
    runtimeStatus: String(status.runtimeStatus),
    trigger: input.success ? (input.data.trigger ?? 'unknown') : 'unknown',
    requester: input.success ? (input.data.requester ?? 'unknown') : 'unknown',
    dryRun: input.success ? (input.data.dryRun ?? false) : false,
    total: summary?.total ?? progress?.total ?? users,
    done: summary?.total ?? progress?.done ?? 0,
    counts: nonZero(summary?.counts ?? progress?.counts),
    createdTime: toIso(status.createdTime),
    lastUpdatedTime: toIso(status.lastUpdatedTime),
  };
}

/** Only the outcomes that happened: a list of 20 runs stays short. */
function nonZero(counts: OutcomeCounts | undefined): Partial<OutcomeCounts> {
  const out: Partial<OutcomeCounts> = {};
  for (const [outcome, count] of Object.entries(counts ?? {}) as [keyof OutcomeCounts, number][]) {
    if (typeof count === 'number' && count > 0) out[outcome] = count;
  }
  return out;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
