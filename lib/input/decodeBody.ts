import { type Problem, PROBLEM_TYPES } from '../http/problem';
import { formatCount, truncate } from '../http/safeText';
import { DECODED_CHARSETS, decodeCharset, declaredCharset } from './bodyCharset';
import { findDuplicateMember } from './duplicateMembers';

/**
 * Turns a request body into a JSON value, or the problem that explains why it cannot be one.
 *
 * Legacy runbook callers use PowerShell's `Invoke-WebRequest -Method Post -Body (ConvertTo-Json ...)`
 * without `-ContentType`, so their JSON arrives labelled `application/x-www-form-urlencoded`. That label is
 * accepted and the body read as JSON text, exactly as the Automation webhook did.
 */
export type DecodedBody = { ok: true; value: unknown } | { ok: false; problem: Problem };

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const ACCEPTED_MEDIA_TYPES = 'application/json, or application/x-www-form-urlencoded carrying JSON text';

/** Checks the media type alone, so a caller can refuse before reading any of the body. */
export function checkMediaType(contentType: string | null): Problem | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (
    mediaType !== '' &&
    !JSON_MEDIA_TYPE.test(mediaType) &&
    mediaType !== 'application/x-www-form-urlencoded'
  ) {
    return problem(
      415,
      PROBLEM_TYPES.unsupportedMediaType,
      'Unsupported media type',
      `Content-Type '${truncate(mediaType, 100)}' is not accepted; send ${ACCEPTED_MEDIA_TYPES}.`,
    );
  }
  const charset = declaredCharset(contentType);
  if (charset !== undefined && !decodeCharset(charset, new Uint8Array(0)).ok) {
    return problem(
      415,
      PROBLEM_TYPES.unsupportedMediaType,
      'Unsupported charset',
      `charset '${truncate(charset, 40)}' is not decoded here; send one of ${DECODED_CHARSETS} (UTF-8 preferred).`,
    );
  }
  return undefined;
}

export function decodeJsonBody(contentType: string | null, bytes: Uint8Array, maxBytes: number): DecodedBody {
  const mediaProblem = checkMediaType(contentType);
  if (mediaProblem !== undefined) return { ok: false, problem: mediaProblem };
  if (bytes.byteLength > maxBytes) return { ok: false, problem: tooLargeProblem(maxBytes, bytes.byteLength) };
  const decoded = decodeCharset(declaredCharset(contentType), bytes);
  if (!decoded.ok) {
    const declared = declaredCharset(contentType) !== undefined;
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      declared ? `Body is not ${decoded.charset}` : 'Body is not UTF-8',
      declared
        ? `the request body is not valid ${decoded.charset} text, the charset its Content-Type declares`
        : 'the request body is not valid UTF-8 text (declare another charset in Content-Type if it is one)',
    );
  }
  const text = decoded.text;
  if (text.trim() === '') {
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      'Empty body',
      'the request body is empty; send a JSON list of users',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      'Body is not JSON',
      `the request body is not valid JSON (${parserReason(error)})`,
    );
  }
  const duplicate = findDuplicateMember(text);
  if (duplicate !== undefined) {
    return {
      ok: false,
      problem: {
        type: PROBLEM_TYPES.invalidBody,
        title: 'Duplicate member name',
        status: 400,
        detail: `an object in the request body has the member '${truncate(duplicate.name, 64)}' more than once; its meaning is ambiguous`,
        errors: [{ pointer: duplicate.objectPointer, detail: 'has a member name more than once' }],
      },
    };
  }
  return { ok: true, value };
}

/** The 413 answer; sizes printed with separators so that no size reads like a phone number. */
export function tooLargeProblem(maxBytes: number, seenBytes?: number): Problem {
  const seen =
    seenBytes === undefined ? 'the body is larger than that' : `the body has ${formatCount(seenBytes)} bytes`;
  return {
    type: PROBLEM_TYPES.tooLarge,
    title: 'Request body too large',
    status: 413,
    detail: `at most ${formatCount(maxBytes)} bytes are accepted; ${seen}`,
  };
}

/**
 * What the JSON parser said, without the input it quotes: V8 appends a snippet of the body (`..."+4917…"…
 * is not valid JSON`), which can hold anything the caller sent. Only the first clause and the position stay.
 */
function parserReason(error: unknown): string {
  if (!(error instanceof SyntaxError)) return 'parse error';
  const clause = error.message.split(/,\s*(?:"|\.\.\.)|"|\.\.\./)[0]?.trim() ?? '';
  const reason = clause === '' ? 'parse error' : truncate(clause, 120);
  return reason.replace(/\d{4,}/g, (digits) => formatCount(Number(digits)));
}

function problem(status: number, type: Problem['type'], title: string, detail: string): Problem {
  return { type, title, status, detail };
}

function fail(status: number, type: Problem['type'], title: string, detail: string): DecodedBody {
  return { ok: false, problem: problem(status, type, title, detail) };
}
