import { type Problem, PROBLEM_TYPES } from '../http/problem';

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

export function decodeJsonBody(contentType: string | null, bytes: Uint8Array, maxBytes: number): DecodedBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (
    mediaType !== '' &&
    !JSON_MEDIA_TYPE.test(mediaType) &&
    mediaType !== 'application/x-www-form-urlencoded'
  ) {
    return fail(
      415,
      PROBLEM_TYPES.unsupportedMediaType,
      'Unsupported media type',
      `Content-Type '${mediaType.slice(0, 100)}' is not accepted; send ${ACCEPTED_MEDIA_TYPES}.`,
    );
  }
  if (bytes.byteLength > maxBytes) {
    return fail(
      413,
      PROBLEM_TYPES.tooLarge,
      'Request body too large',
      `the body has ${bytes.byteLength} bytes; at most ${maxBytes} are accepted`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      'Body is not UTF-8',
      'the request body is not valid UTF-8 text',
    );
  }
  // Windows PowerShell 5.1 may prepend a byte-order mark.
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      'Empty body',
      'the request body is empty; send a JSON list of users',
    );
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message.replace(/"[^"]*"/g, '"..."') : 'parse error';
    return fail(
      400,
      PROBLEM_TYPES.invalidBody,
      'Body is not JSON',
      `the request body is not valid JSON (${reason})`,
    );
  }
}

function fail(status: number, type: Problem['type'], title: string, detail: string): DecodedBody {
  return { ok: false, problem: { type, title, status, detail } };
}
