import { z } from 'zod';
import { PHONE_TYPES } from '../graph/phoneMethods';
import { type OutcomeReport, type SyncChunkInput, type SyncRunInput, type SyncUserInput } from './run';
import { OUTCOMES, type UserOutcome } from './types';

/**
 * Schemas of the messages stored in Durable history. Orchestrators and the activity parse what they
 * receive instead of trusting a cast: a hand-started instance or a message from an older version fails
 * loudly with a readable error instead of misbehaving.
 */

export const policySchema = z.object({
  sourceAttribute: z.string().min(1),
  phoneType: z.enum(PHONE_TYPES),
  defaultCountry: z.string().length(2).nullable(),
  emptyAttribute: z.enum(['keep', 'remove']),
  maskedRead: z.enum(['skip', 'overwrite']),
});

export const retrySchema = z.object({
  firstRetryIntervalMs: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
  backoffCoefficient: z.number().min(1),
  maxRetryIntervalMs: z.number().int().positive(),
});

const priority = z.enum(['normal', 'low']);

export const userOutcomeSchema = z.object({
  user: z.string(),
  userId: z.string().optional(),
  outcome: z.enum(OUTCOMES),
  reason: z.string(),
  before: z.string().optional(),
  after: z.string().optional(),
  detail: z.string().optional(),
});

const countsSchema = z.object(
  Object.fromEntries(OUTCOMES.map((outcome) => [outcome, z.number().int().nonnegative()])),
);

const reportSchema = z.object({
  total: z.number().int().nonnegative(),
  counts: countsSchema,
  changes: z.array(userOutcomeSchema),
  failures: z.array(userOutcomeSchema),
  skipped: z.array(userOutcomeSchema),
  omitted: z.object({
    changes: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
  }),
});

const nonNegative = z.number().int().nonnegative();

const stagedStateSchema = z.object({
  totalUsers: nonNegative,
  chunkSize: z.number().int().positive(),
  totalChunks: nonNegative,
  pageSize: z.number().int().positive(),
  nextChunk: nonNegative,
  startedAt: z.iso.datetime(),
  identity: z.object({
    identityCheck: z.enum(['notNeeded', 'checked', 'unavailable']),
    duplicatesRemoved: nonNegative,
  }),
  report: reportSchema,
});

export const stagedUsersRefSchema = z.object({
  page: z.string().min(1),
  fingerprint: z.string(),
  offset: nonNegative,
  count: z.number().int().positive(),
});

const runInputSchema = z.object({
  users: z.array(z.string()),
  dryRun: z.boolean(),
  trigger: z.enum(['http', 'serviceBus', 'eventGrid', 'timer']),
  requester: z.string(),
  requestFingerprint: z.string(),
  policy: policySchema,
  options: z.object({
    chunkSize: z.number().int().positive(),
    parallelChunks: z.number().int().positive(),
    retry: retrySchema,
    priority,
  }),
  staged: stagedStateSchema.optional(),
});

const chunkInputSchema = z.object({
  runId: z.string(),
  chunkIndex: z.number().int().nonnegative(),
  users: z.array(z.string()),
  usersFrom: stagedUsersRefSchema.optional(),
  dryRun: z.boolean(),
  policy: policySchema,
  retry: retrySchema,
  priority,
  listRoom: z.object({
    changes: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
  }),
});

const userInputSchema = z.object({
  runId: z.string(),
  user: z.string().min(1),
  dryRun: z.boolean(),
  policy: policySchema,
  priority,
});

export class InvalidMessageError extends Error {
  constructor(what: string, error: z.ZodError) {
    const issues = error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    super(`invalid ${what}: ${issues.join('; ')}`);
    this.name = 'InvalidMessageError';
  }
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidMessageError(what, parsed.error);
  return parsed.data;
}

export function parseRunInput(value: unknown): SyncRunInput {
  return parseWith(runInputSchema, value, 'orchestration input') as SyncRunInput;
}

export function parseChunkInput(value: unknown): SyncChunkInput {
  return parseWith(chunkInputSchema, value, 'chunk input');
}

export function parseUserInput(value: unknown): SyncUserInput {
  return parseWith(userInputSchema, value, 'activity input');
}

export function parseChunkReport(value: unknown): OutcomeReport {
  return parseWith(reportSchema, value, 'chunk report') as OutcomeReport;
}

/** An activity result that does not parse is reported as that user's failure, not as a crash. */
export function parseUserOutcome(value: unknown, user: string): UserOutcome {
  const parsed = userOutcomeSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return {
    user,
    outcome: 'failed',
    reason: 'malformedActivityResult',
    detail: 'the activity returned an unreadable result',
  };
}
