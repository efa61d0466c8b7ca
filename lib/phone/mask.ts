/**
 * Privacy (DESIGN.md §3): a phone number never appears in full in logs, status, summaries or errors. Only
 * the country code and the last two digits stay visible.
 *
 * Also reads numbers that Graph itself returned masked (reference/graph.md §2.1: delegated Authentication
 * Administrators see masked numbers), so that the plan never mistakes a masked reading for a difference or
 * for equality.
 */
import { getCountries, getCountryCallingCode, parseDigits } from 'libphonenumber-js/max';
import { readInternationalNumber } from './compare';
import { canonicalizePhoneText, cleanPhoneText, MAX_PHONE_INPUT_LENGTH } from './text';

const MASK = '*';
const VISIBLE_TRAILING_DIGITS = 2;
/** Masked output of unreadable input is cut to this length: logs need a hint, not the whole value. */
const MAX_FREE_FORM_OUTPUT = 64;

/** Calling codes of real regions: only these are shown when we cannot parse the rest of the value. */
const KNOWN_CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((c) => getCountryCallingCode(c)));

/**
 * `+49 1701234567` → `+49 ********67`. International numbers in any format come out in Graph's shape with
 * the national part masked; an extension is masked completely. Anything else (national numbers, garbage,
 * masked readings) keeps its layout but every digit and letter except the last two digits is masked, so at
 * most a known country code and two trailing digits are ever visible.
 */
export function maskPhoneNumber(value: string): string {
  const parts = readInternationalNumber(value);
  if (parts !== null) {
    const extension = parts.extension === undefined ? '' : `x${MASK.repeat(parts.extension.length)}`;
    return `+${parts.countryCallingCode} ${maskKeepingTail(parts.nationalNumber)}${extension}`;
  }
  const cleaned = cleanPhoneText(value);
  if (cleaned.kind === 'ok' && cleaned.extension !== undefined) {
    return `${maskFreeForm(cleaned.main)}x${MASK.repeat(cleaned.extension.length)}`;
  }
  return maskFreeForm(value);
}

function maskKeepingTail(digits: string): string {
  const visible = digits.length > VISIBLE_TRAILING_DIGITS ? VISIBLE_TRAILING_DIGITS : 0;
  return MASK.repeat(digits.length - visible) + digits.slice(digits.length - visible);
}

function maskFreeForm(value: string): string {
  // A leading `+<known calling code>` followed by a separator is the one part we may show.
  const prefix = /^\s*\+(\p{Nd}{1,3})(?=[\s\-.(/])/u.exec(value);
  const keep = prefix !== null && KNOWN_CALLING_CODES.has(parseDigits(prefix[1] ?? '')) ? prefix[0] : '';
  const rest = value.slice(keep.length);
  let digitsLeft = rest.match(/\p{Nd}/gu)?.length ?? 0;
  // Letters are masked too: vanity numbers (`0800 FLOWERS`) encode digits in them.
  const masked = rest.replace(/[\p{Nd}\p{L}]/gu, (ch) => {
    if (!/\p{Nd}/u.test(ch)) return MASK;
    digitsLeft -= 1;
    return digitsLeft < VISIBLE_TRAILING_DIGITS ? ch : MASK;
  });
  const out = keep + masked;
  return out.length > MAX_FREE_FORM_OUTPUT ? `${out.slice(0, MAX_FREE_FORM_OUTPUT - 3)}...` : out;
}

// ---------------------------------------------------------------------------------------------------------
// Free text

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/giu;
const ISO_DATE_TIME =
  /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?/gu;
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/gu;
const PROTECTED_PATTERNS: readonly RegExp[] = [GUID, ISO_DATE_TIME, IPV4];
/** Private-use character: neither a letter, a digit nor a separator, so it ends any phone-like run. */
const SHIELD = '\uE000';

/**
 * Separators inside a written number: `.`, `-` (any dash), `/`, one space of any kind, parentheses with
 * optional spaces, invisible format characters (zero-width space) and a URL-encoded space.
 */
const SEPARATOR = String.raw`(?:[.\-/\u2010-\u2015\u2212\p{Cf}]|\s?\(\s?|\s?\)\s?|\s|%20)`;
const EXTENSION = String.raw`(?:\s*(?:;\s*ext\s*=|(?:ext(?:n|ension)?\.?|x|#)\s*:?)\s*\p{Nd}{1,10})`;
const PHONE_LIKE = new RegExp(
  String.raw`(?<![\p{L}\p{Nd}_])(?:\+|%2B|\(\s?)?\p{Nd}+(?:${SEPARATOR}\p{Nd}+){0,12}\)?${EXTENSION}?(?![\p{L}\p{Nd}_])`,
  'giu',
);
const MIN_PHONE_DIGITS = 6;

/**
 * Masks every phone-like run in free text (log lines, error messages, Graph error bodies): 6 or more digits,
 * optionally grouped by spaces, dashes, dots, slashes or parentheses, with an optional `+`/`00` prefix and
 * extension. GUIDs, ISO dates and times, IPv4 addresses, HTTP status codes and other short numbers stay
 * readable; digits glued to letters (hex ids, `0x…`, hashes) are not phone numbers and stay too.
 */
export function redactPhoneNumbers(text: string): string {
  let shadow = text;
  for (const pattern of PROTECTED_PATTERNS) {
    shadow = shadow.replace(pattern, (match) => SHIELD.repeat(match.length));
  }
  let out = '';
  let last = 0;
  for (const match of shadow.matchAll(PHONE_LIKE)) {
    const candidate = match[0];
    const digitCount = candidate.match(/\p{Nd}/gu)?.length ?? 0;
    if (digitCount < MIN_PHONE_DIGITS) continue;
    const start = match.index;
    out += text.slice(last, start) + maskCandidate(candidate);
    last = start + candidate.length;
  }
  return out + text.slice(last);
}

function maskCandidate(candidate: string): string {
  if (/^%2B/i.test(candidate)) return `%2B${maskPhoneNumber(`+${candidate.slice(3)}`).slice(1)}`;
  return maskPhoneNumber(candidate.replace(/%20/g, ' '));
}

// ---------------------------------------------------------------------------------------------------------
// Numbers Graph returned masked

/** Placeholders Graph (or a portal) uses for hidden digits, one per digit. */
const PLACEHOLDER = /[Xx*•●∙]/u;
/** An ellipsis hides an unknown number of digits. */
const ELLIPSIS = /…|\.{2,}/gu;
/** `x` directly after a digit, followed by digits at the end, is Graph's extension marker, not a mask. */
const TRAILING_EXTENSION = /(?<=\p{Nd})\s*x\s*(\p{Nd}+)$/u;
/** `x***`: an extension whose digits are hidden (our own masked form, `+44 ********58x***`). */
const MASKED_EXTENSION = /(?<=[\p{Nd}Xx*•●∙])\s*x\s*([*•●∙]+)$/u;
const MASKED_SHAPE = /^[+\p{Nd} \-./()Xx*•●∙…]+$/u;

/**
 * Whether a number read from Graph has hidden digits (`+1 XXXXXXXX67`, `+1 ********67`, `+49 17*****67`,
 * `+49 170…67`). Graph's own extension (`+1 5555551234x123`) is not a mask.
 */
export function looksMasked(value: string): boolean {
  const text = canonicalizePhoneText(value).trim();
  if (text === '' || text.length > MAX_PHONE_INPUT_LENGTH) return false;
  const body = text.replace(TRAILING_EXTENSION, '');
  if (!MASKED_SHAPE.test(body) || !/\p{Nd}/u.test(body)) return false;
  return PLACEHOLDER.test(body) || /…|\.{2,}/u.test(body);
}

/**
 * Whether what a masked reading shows (country code, visible leading and trailing digits, length, visible
 * extension) agrees with `graphForm`. `false` means the numbers certainly differ; `true` only means they
 * might be equal, never that they are.
 *
 * Length is taken as known when hidden digits are shown with one placeholder each (`XXXXXXXX`), and as
 * unknown when an ellipsis hides them. Anything we cannot read counts as "might match": a wrong "differs"
 * would turn a cautious skip into a write.
 */
export function maskedConsistentWith(masked: string, graphForm: string): boolean {
  const candidate = readInternationalNumber(graphForm);
  if (candidate === null) return true;
  let text = canonicalizePhoneText(masked).trim();
  if (text === '' || text.length > MAX_PHONE_INPUT_LENGTH) return true;

  const extension = TRAILING_EXTENSION.exec(text);
  const maskedExtension = MASKED_EXTENSION.exec(text);
  if (extension !== null) {
    if (parseDigits(extension[1] ?? '') !== (candidate.extension ?? '')) return false;
    text = text.slice(0, extension.index);
  } else if (maskedExtension !== null) {
    // A hidden extension is still an extension, one placeholder per digit.
    if (candidate.extension?.length !== (maskedExtension[1] ?? '').length) return false;
    text = text.slice(0, maskedExtension.index);
  }

  const fullKey = candidate.countryCallingCode + candidate.nationalNumber;
  const withCountryCode = /^\+(\p{Nd}{1,3})[\s\-.(/]+(.*)$/u.exec(text);
  if (withCountryCode !== null) {
    if (parseDigits(withCountryCode[1] ?? '') !== candidate.countryCallingCode) return false;
    return matchesPattern(withCountryCode[2] ?? '', candidate.nationalNumber);
  }
  // `+1XXXXXXXX67`: the country code is not separated, so match the visible digits against cc + number.
  if (text.startsWith('+')) return matchesPattern(text.slice(1), fullKey);
  return matchesPattern(text, candidate.nationalNumber) || matchesPattern(text, fullKey);
}

/** `17*****67` against `1701234567`: digits must match, each placeholder is one digit, `…` is 1+ digits. */
function matchesPattern(maskedPart: string, digits: string): boolean {
  const tokens = maskedPart.replace(ELLIPSIS, '…').replace(/[\s\-./()]/gu, '');
  let source = '';
  for (const ch of tokens) {
    if (ch === '…') source += String.raw`\d+`;
    else if (PLACEHOLDER.test(ch)) source += String.raw`\d`;
    else if (/\p{Nd}/u.test(ch)) source += parseDigits(ch);
    else return true; // not a shape we understand: cannot prove a difference
  }
  return new RegExp(`^${source}$`).test(digits);
}
