import { redactPhoneNumbers } from '../phone/mask';
import { emptyCounts, type OutcomeReport } from './run';
import { type Outcome, type UserOutcome } from './types';

/** Longest list of each kind a report keeps; counts stay exact. Bounds history and summary size. */
export const REPORT_LIST_CAP = 100;

type ListName = 'changes' | 'failures' | 'skipped';

/** How many entries each list may still take. */
export type ListRoom = Readonly<Record<ListName, number>>;

export const FULL_ROOM: ListRoom = {
  changes: REPORT_LIST_CAP,
  failures: REPORT_LIST_CAP,
  skipped: REPORT_LIST_CAP,
};

/** What a report's lists can still take before reaching the caps. */
export function roomLeft(report: OutcomeReport, cap = REPORT_LIST_CAP): ListRoom {
  return {
    changes: Math.max(0, cap - report.changes.length),
    failures: Math.max(0, cap - report.failures.length),
    skipped: Math.max(0, cap - report.skipped.length),
  };
}

const LIST_OF: Readonly<Record<Outcome, ListName | null>> = {
  created: 'changes',
  updated: 'changes',
  removed: 'changes',
  wouldCreate: 'changes',
  wouldUpdate: 'changes',
  wouldRemove: 'changes',
  unchanged: null,
  skipped: 'skipped',
  invalid: 'failures',
  notFound: 'failures',
  forbidden: 'failures',
  conflict: 'failures',
  failed: 'failures',
};

export function emptyReport(): OutcomeReport {
  return {
    total: 0,
    counts: emptyCounts(),
    changes: [],
    failures: [],
    skipped: [],
    omitted: { changes: 0, failures: 0, skipped: 0 },
  };
}

/**
 * Folds outcomes into a report, in order, keeping at most `room` entries per list (the rest are counted
 * as omitted). Pure: orchestrators call it.
 */
export function reportOf(outcomes: readonly UserOutcome[], room: ListRoom = FULL_ROOM): OutcomeReport {
  const report = emptyReport();
  for (const outcome of outcomes) {
    report.total += 1;
    report.counts[outcome.outcome] += 1;
    const list = LIST_OF[outcome.outcome];
    if (list === null) continue;
    if (report[list].length < room[list]) report[list].push(outcome);
    else report.omitted[list] += 1;
  }
  return report;
}

/** Combines two reports (e.g. a run's so far and one chunk's) without exceeding the caps. */
export function mergeReports(into: OutcomeReport, from: OutcomeReport, cap = REPORT_LIST_CAP): OutcomeReport {
  const merged: OutcomeReport = {
    total: into.total + from.total,
    counts: { ...into.counts },
    changes: [...into.changes],
    failures: [...into.failures],
    skipped: [...into.skipped],
    omitted: { ...into.omitted },
  };
  for (const [outcome, count] of Object.entries(from.counts) as [Outcome, number][]) {
    merged.counts[outcome] += count;
  }
  for (const list of ['changes', 'failures', 'skipped'] as const) {
    const room = Math.max(0, cap - merged[list].length);
    merged[list].push(...from[list].slice(0, room));
    merged.omitted[list] += from.omitted[list] + Math.max(0, from[list].length - room);
  }
  return merged;
}

/**
 * The outcome of a user whose activity kept failing after every retry. `message` comes from the Durable
 * failure text, which may quote Graph: it is masked and shortened before it enters a summary.
 */
export function exhaustedRetriesOutcome(user: string, message: string): UserOutcome {
  const firstLine = (message.split('\n')[0] ?? '').trim();
  const short = firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
  return { user, outcome: 'failed', reason: 'retriesExhausted', detail: redactPhoneNumbers(short) };
}

/** Outcomes for users whose whole chunk failed (a bug or a host fault, never a business rule). */
export function failedChunkOutcomes(users: readonly string[], message: string): UserOutcome[] {
  return users.map((user) => ({ ...exhaustedRetriesOutcome(user, message), reason: 'chunkFailed' }));
}
