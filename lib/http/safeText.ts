import { redactPhoneNumbers } from '../phone/mask';

/**
 * The one way a string the caller sent (or that was derived from it) goes back out in an HTTP answer:
 * shortened FIRST, so no amount of input makes the answer big or slow to mask, then masked like a log line
 * (lib/phone/mask.ts), then a second pass that masks any remaining run of 6+ digits. The second pass
 * exists because the phone redaction deliberately leaves GUIDs, dates and digits glued to letters alone
 * (`abc4917012345678`); in an error answer none of those is worth the risk of showing a number.
 */
export const DEFAULT_MAX_ECHO_CHARS = 120;
const ELLIPSIS = '...';
/**
 * Digits joined by anything a number is written with (spaces of any kind, `()./-`, invisible format
 * characters, `%20`), however many in a row. Commas are not in it: counts are printed `16,777,216`.
 */
const DIGIT_GROUPS = /\p{Nd}(?:[\p{Nd}\s().\-/\u2010-\u2015\u2212\p{Cf}]|%20)*\p{Nd}/gu;
const MIN_FLAGGED_DIGITS = 6;

/** Shortens `text` to at most `maxChars` code units (surrogate pairs kept whole) and masks it. */
export function safeEcho(text: string, maxChars: number = DEFAULT_MAX_ECHO_CHARS): string {
  return maskLongDigitRuns(redactPhoneNumbers(truncate(text, maxChars)));
}

export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - ELLIPSIS.length);
  // Do not split a surrogate pair: half a character would make invalid UTF-16 in the JSON answer.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * `abc4917012345678` → `abc***********78`, `+49 (170)  1234567` → `+** (***)  *****67`: every digit of a
 * run of 6 or more (separators between them allowed) but the last two; the separators stay.
 */
export function maskLongDigitRuns(text: string): string {
  return text.replace(DIGIT_GROUPS, (run) => {
    const digitCount = run.match(/\p{Nd}/gu)?.length ?? 0;
    if (digitCount < MIN_FLAGGED_DIGITS) return run;
    let left = digitCount;
    return run.replace(/\p{Nd}/gu, (digit) => (--left < 2 ? digit : '*'));
  });
}

/** Whether the privacy guard would still find something to mask (tests and the answer's final check). */
export function hasLongDigitRun(text: string): boolean {
  for (const run of text.matchAll(DIGIT_GROUPS)) {
    if ((run[0].match(/\p{Nd}/gu)?.length ?? 0) >= MIN_FLAGGED_DIGITS) return true;
  }
  return false;
}

/** `16777216` → `16,777,216`: byte counts and positions in answers, readable and never a 6-digit run. */
export function formatCount(value: number): string {
  return Math.trunc(value).toLocaleString('en-US');
}
