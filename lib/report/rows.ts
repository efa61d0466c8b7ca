import { redactPhoneNumbers } from '../phone/mask';
import { type Outcome, OUTCOMES, type UserOutcome } from '../sync/types';

/**
 * One line of a run's full report: every user's outcome, reason and masked before/after. The bounded
 * summary in Durable history keeps only the first few of each list; this row exists for every user.
 */
export interface ReportRow {
  user: string;
  userId: string;
  outcome: Outcome;
  reason: string;
  /** Masked (`+49 ********67`): the report never holds a full number. */
  before: string;
  after: string;
  detail: string;
  chunk: number;
}

/** Column order of the CSV download (and key order of each JSON line). */
export const REPORT_COLUMNS = [
  'user',
  'userId',
  'outcome',
  'reason',
  'before',
  'after',
  'detail',
  'chunk',
] as const satisfies readonly (keyof ReportRow)[];

/**
 * Outcomes come masked from the activity already; everything free-form is redacted once more here, so a
 * number that slipped into a reason or a user key can never reach the report in full.
 */
export function reportRowOf(outcome: UserOutcome, chunk: number): ReportRow {
  return {
    user: redactPhoneNumbers(outcome.user),
    userId: outcome.userId ?? '',
    outcome: outcome.outcome,
    reason: redactPhoneNumbers(outcome.reason),
    before: redactPhoneNumbers(outcome.before ?? ''),
    after: redactPhoneNumbers(outcome.after ?? ''),
    detail: redactPhoneNumbers(outcome.detail ?? ''),
    chunk,
  };
}

/** One JSON Lines document for a chunk: one row per line, newline-terminated. */
export function toJsonLines(rows: readonly ReportRow[]): string {
  return rows.map((row) => `${JSON.stringify(row, [...REPORT_COLUMNS])}\n`).join('');
}

/**
 * Spreadsheet programs execute a cell that starts with `= + - @` (or a tab / carriage return that they
 * strip first) as a formula (OWASP "CSV injection"). Such cells get a leading apostrophe, which the
 * programs show as text. Masked numbers start with `+`, so they are guarded too.
 */
export function csvSafeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function csvRecord(row: ReportRow): string[] {
  return REPORT_COLUMNS.map((column) => csvSafeCell(String(row[column])));
}

const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

/**
 * `?outcome=invalid,failed` → the set of outcomes to keep; undefined means all. Unknown names are an
 * error the caller reports, rather than an empty download that looks like "nobody failed".
 */
export function parseOutcomeFilter(
  text: string | null | undefined,
): { ok: true; outcomes: ReadonlySet<Outcome> | undefined } | { ok: false; unknown: string[] } {
  if (text === null || text === undefined || text.trim() === '') return { ok: true, outcomes: undefined };
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !OUTCOME_SET.has(name));
  if (unknown.length > 0) return { ok: false, unknown: unknown.map((name) => name.slice(0, 40)) };
  return { ok: true, outcomes: new Set(names as Outcome[]) };
}

export function isOutcome(value: string): value is Outcome {
  return OUTCOME_SET.has(value);
}
