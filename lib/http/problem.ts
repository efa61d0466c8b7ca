import { type HttpResponseInit } from '@azure/functions';
import { type EntryProblem } from '../input/syncRequest';
import { formatCount, safeEcho } from './safeText';

/** Problem types this API answers with (RFC 9457 `type`); stable identifiers clients may branch on. */
export const PROBLEM_TYPES = {
  invalidBody: 'urn:mfa-phone-sync:problem:invalid-body',
  unsupportedMediaType: 'urn:mfa-phone-sync:problem:unsupported-media-type',
  tooLarge: 'urn:mfa-phone-sync:problem:too-large',
  unauthorized: 'urn:mfa-phone-sync:problem:unauthorized',
  notFound: 'urn:mfa-phone-sync:problem:not-found',
  idempotencyConflict: 'urn:mfa-phone-sync:problem:idempotency-key-reused',
  invalidHeader: 'urn:mfa-phone-sync:problem:invalid-header',
  invalidQuery: 'urn:mfa-phone-sync:problem:invalid-query',
  misconfigured: 'urn:mfa-phone-sync:problem:misconfigured',
  unavailable: 'urn:mfa-phone-sync:problem:unavailable',
} as const;

export interface Problem {
  type: (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];
  title: string;
  status: number;
  detail: string;
  /** Each offending entry, located by JSON Pointer into the request body; at most MAX_LISTED_ERRORS. */
  errors?: EntryProblem[];
  /** Offending entries found but not listed. */
  moreErrors?: number;
}

/** Entries listed in one answer; the rest are counted (`moreErrors`). */
export const MAX_LISTED_ERRORS = 20;
/** No problem body is larger than this, whatever the input (UTF-8 bytes of the JSON). */
export const MAX_PROBLEM_BYTES = 16 * 1024;

const MAX_TITLE_CHARS = 120;
const MAX_DETAIL_CHARS = 1_000;
const MAX_POINTER_CHARS = 200;
const MAX_ENTRY_DETAIL_CHARS = 300;
const MAX_VALUE_CHARS = 120;

/**
 * An `application/problem+json` response. Every string in it may carry input, so each is shortened and
 * masked here (lib/http/safeText.ts), the list of entries is capped, and the body is held under
 * MAX_PROBLEM_BYTES: callers cannot forget any of it.
 */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...headers },
    body: problemBody(problem),
  };
}

/** The JSON text of a problem, made safe and bounded (exported for tests). */
/** The answer of every door addressed by run id (`/api/sync/{id}`, its report and its page) to a malformed id. */
export function notARunIdResponse(): HttpResponseInit {
  return problemResponse({
    type: PROBLEM_TYPES.invalidQuery,
    title: 'Not a run id',
    status: 400,
    detail: 'run ids are the values returned as "id" by POST /api/sync',
  });
}

export function problemBody(problem: Problem): string {
  const all = problem.errors ?? [];
  const listed = all.slice(0, MAX_LISTED_ERRORS).map(safeEntry);
  let more = (problem.moreErrors ?? 0) + (all.length - listed.length);
  const detail = safeEcho(problem.detail, MAX_DETAIL_CHARS);
  const base = {
    type: problem.type,
    title: safeEcho(problem.title, MAX_TITLE_CHARS),
    status: problem.status,
  };

  for (;;) {
    const text = JSON.stringify({
      ...base,
      detail:
        more > 0 ? `${detail} (${formatCount(listed.length)} listed, and ${formatCount(more)} more)` : detail,
      ...(listed.length > 0 ? { errors: listed } : {}),
      ...(more > 0 ? { moreErrors: more } : {}),
    });
    if (Buffer.byteLength(text, 'utf8') <= MAX_PROBLEM_BYTES || listed.length === 0) return text;
    // Entries full of escaped characters can still add up: drop from the end and count them instead.
    listed.pop();
    more += 1;
  }
}

function safeEntry(entry: EntryProblem): EntryProblem {
  return {
    pointer: safeEcho(entry.pointer, MAX_POINTER_CHARS),
    detail: safeEcho(entry.detail, MAX_ENTRY_DETAIL_CHARS),
    ...(entry.value === undefined ? {} : { value: safeEcho(entry.value, MAX_VALUE_CHARS) }),
  };
}
