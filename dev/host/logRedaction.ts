/**
 * Keys never reach a log line: every line the host writes passes through here (createConsoleLogger and the
 * logger startHost hands out), so a URL with `?code=<key>` or a header dump with `x-functions-key` is
 * masked wherever it came from — a request target, an error message, a worker's log.
 */
const CODE_QUERY = /([?&;]code=)[^&#\s"'<>]*/gi;
const CODE_ENCODED = /(%3Fcode%3D|%26code%3D)[^&#\s"'<>%]*/gi;
const KEY_HEADER = /(x-functions-key["']?\s*[:=]\s*["']?)[^\s"',;}]*/gi;
const MASKED = '***';

export function redactSecrets(line: string): string {
  if (!/code|functions-key/i.test(line)) return line;
  return line
    .replace(CODE_QUERY, `$1${MASKED}`)
    .replace(CODE_ENCODED, `$1${MASKED}`)
    .replace(KEY_HEADER, `$1${MASKED}`);
}
