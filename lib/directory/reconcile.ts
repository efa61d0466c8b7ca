import { z } from 'zod';
import { type DirectoryApi } from '../graph/directoryApi';
import { type GraphGateway } from '../graph/gateway';
import { type Logger } from '../log';
import { type RetryPolicy } from '../sync/run';
import { policySchema, retrySchema } from '../sync/runMessages';
import { parseSourceAttribute, readSourceValue } from '../sync/sourceAttribute';
import { syncUser } from '../sync/syncUser';
import { OUTCOMES, type Outcome, type SyncPolicy } from '../sync/types';
import { type PilotScope } from './pilotScope';

/**
 * Delta reconciliation (DESIGN.md §4): pages `/users/delta` with `$select` of the source attribute and
 * syncs the users a page returns, using the value the page carries (no per-user attribute read). The
 * orchestration (orchestrations/reconcileDirectory.ts) runs one page per activity and `continueAsNew`s
 * with the next link, so the link is durable and the history stays one page long.
 *
 * Nothing here stores a phone number in Durable history: pages are fetched and synced inside the
 * activity; only counts, user ids to retry and links leave it.
 */
export interface ReconcileInput {
  /** null: start a full round (initial delta enumeration). Else a nextLink or deltaLink from Graph. */
  link: string | null;
  /** True while the round that is being paged started from scratch (first round or after a resync). */
  fullRound: boolean;
  dryRun: boolean;
  policy: SyncPolicy;
  retry: RetryPolicy;
  /** Pages done in this round, and counts of this round so far. */
  pages: number;
  counts: Partial<Record<Outcome, number>>;
  /** Deleted users skipped, users outside the pilot group skipped. */
  removed: number;
  outOfScope: number;
  /** Resyncs in a row (410 / expired token); bounded so a Graph that always says 410 fails visibly. */
  resyncs: number;
}

export interface ReconcilePageInput {
  runId: string;
  link: string | null;
  dryRun: boolean;
  policy: SyncPolicy;
}

export type ReconcilePageResult =
  | {
      kind: 'page';
      counts: Partial<Record<Outcome, number>>;
      removed: number;
      outOfScope: number;
      /** Users whose sync failed transiently: the orchestration retries them one by one. */
      retryUsers: string[];
      nextLink: string | null;
      deltaLink: string | null;
    }
  | { kind: 'resync'; reason: string };

/** What a finished round returns; the next round starts from `deltaLink`. */
export interface ReconcileSummary {
  deltaLink: string;
  fullRound: boolean;
  pages: number;
  counts: Partial<Record<Outcome, number>>;
  removed: number;
  outOfScope: number;
}

const countsSchema = z.partialRecord(z.enum(OUTCOMES), z.number().int().nonnegative());

export const reconcileInputSchema = z.object({
  link: z.string().nullable(),
  fullRound: z.boolean(),
  dryRun: z.boolean(),
  policy: policySchema,
  retry: retrySchema,
  pages: z.number().int().nonnegative(),
  counts: countsSchema,
  removed: z.number().int().nonnegative(),
  outOfScope: z.number().int().nonnegative(),
  resyncs: z.number().int().nonnegative(),
});

const pageInputSchema = z.object({
  runId: z.string(),
  link: z.string().nullable(),
  dryRun: z.boolean(),
  policy: policySchema,
});

const pageResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('page'),
    counts: countsSchema,
    removed: z.number().int().nonnegative(),
    outOfScope: z.number().int().nonnegative(),
    retryUsers: z.array(z.string()),
    nextLink: z.string().nullable(),
    deltaLink: z.string().nullable(),
  }),
  z.object({ kind: z.literal('resync'), reason: z.string() }),
]);

export const parseReconcileInput = (value: unknown): ReconcileInput => reconcileInputSchema.parse(value);
export const parseReconcilePageInput = (value: unknown): ReconcilePageInput => pageInputSchema.parse(value);
export const parseReconcilePageResult = (value: unknown): ReconcilePageResult =>
  pageResultSchema.parse(value);

/** Users synced at once inside one page activity. */
const PAGE_CONCURRENCY = 8;

export interface ReconcilePageDeps {
  directory: DirectoryApi;
  graph: GraphGateway;
  scope: PilotScope;
  log: Logger;
}

export async function reconcilePage(
  input: ReconcilePageInput,
  deps: ReconcilePageDeps,
): Promise<ReconcilePageResult> {
  const source = parseSourceAttribute(input.policy.sourceAttribute);
  if (!source.ok) throw new Error(`invalid source attribute in reconcile policy: ${source.error}`);
  const page = await deps.directory.deltaPage(input.link, source.value.select, {
    priority: 'low',
    logger: deps.log,
  });
  if (page.kind === 'resync') return page;

  // A user can appear more than once in a round, even in one page (reference/graph.md §6): the last wins.
  const latest = new Map<string, (typeof page.users)[number]>();
  for (const entry of page.users) latest.set(entry.id.toLowerCase(), entry);
  const present = [...latest.values()].filter((entry) => !entry.removed);
  const removed = latest.size - present.length;
  const inScope = new Set(await deps.scope.filter(present.map((entry) => entry.id)));
  const toSync = present.filter((entry) => inScope.has(entry.id));

  const counts: Partial<Record<Outcome, number>> = {};
  const retryUsers: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toSync.length) {
      const entry = toSync[next];
      next += 1;
      if (entry === undefined) continue;
      try {
        const outcome = await syncUser(
          { runId: input.runId, user: entry.id, dryRun: input.dryRun, policy: input.policy, priority: 'low' },
          deps.graph,
          deps.log,
          { userId: entry.id, raw: readSourceValue(entry.user, source.value) },
        );
        counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
      } catch (error) {
        // Transient (throttled, 5xx): the orchestration retries this user with its retry policy.
        deps.log.warn('reconcile: user sync failed transiently; retried one by one', {
          runId: input.runId,
          user: entry.id,
          error: error instanceof Error ? error.message : String(error),
        });
        retryUsers.push(entry.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGE_CONCURRENCY, toSync.length) }, worker));
  return {
    kind: 'page',
    counts,
    removed,
    outOfScope: present.length - toSync.length,
    retryUsers,
    nextLink: page.nextLink,
    deltaLink: page.deltaLink,
  };
}

export function addCounts(
  a: Partial<Record<Outcome, number>>,
  b: Partial<Record<Outcome, number>>,
): Partial<Record<Outcome, number>> {
  const sum: Partial<Record<Outcome, number>> = { ...a };
  for (const [outcome, count] of Object.entries(b) as [Outcome, number][])
    sum[outcome] = (sum[outcome] ?? 0) + count;
  return sum;
}
