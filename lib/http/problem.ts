import { type HttpResponseInit } from '@azure/functions';
import { type EntryProblem } from '../input/syncRequest';

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
  /** Each offending entry, located by JSON Pointer into the request body. */
  errors?: EntryProblem[];
}

/** An `application/problem+json` response; never carries anything the caller did not send or may not see. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...headers },
    body: JSON.stringify(problem),
  };
}
