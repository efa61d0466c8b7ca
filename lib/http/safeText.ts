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
const LONG_DIGIT_RUN = /\p{Nd}{6,}/gu;

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

/** `abc4917012345678` → `abc**************78`: every digit of a long run but the last two. */
export function maskLongDigitRuns(text: string): string {
  return text.replace(LONG_DIGIT_RUN, (run) => {
    const chars = [...run];
    return '*'.repeat(chars.length - 2) + chars.slice(-2).join('');
  });
}

/** Whether the privacy guard would still find something to mask (tests and the answer's final check). */
export function hasLongDigitRun(text: string): boolean {
  return /\p{Nd}{6,}/u.test(text);
}

/** `16777216` → `16,777,216`: byte counts and positions in answers, readable and never a 6-digit run. */
export function formatCount(value: number): string {
  return Math.trunc(value).toLocaleString('en-US');
}
