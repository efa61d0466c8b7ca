/**
 * Text clean-up shared by normalization, comparison and masking. Internal to lib/phone: other modules call
 * `normalizePhoneNumber`, `phoneDigits` or the masking functions instead.
 *
 * The clean-up only ever removes or unifies characters that carry no information (invisible format
 * characters, exotic spaces and dashes, full-width forms). It never drops letters or digits: a value with
 * letters outside a recognised extension marker is rejected, because silently ignoring part of an
 * administrator's input could write a number they did not mean.
 */
import { parseDigits } from 'libphonenumber-js/max';
import { readTelUri } from './telUri';

/** Longer input is refused before any parsing: no real phone number (even with an extension) comes close. */
export const MAX_PHONE_INPUT_LENGTH = 64;

/** Longest extension we accept; PBX extensions are far shorter, and a bound keeps the regex linear. */
const MAX_EXTENSION_DIGITS = 10;

/**
 * Unifies characters that people paste from web pages, Word or Outlook with the plain ASCII the parser
 * expects: full-width forms (`＋４９`) become ASCII, any Unicode space (no-break, thin, ideographic) becomes
 * a plain space, Unicode dashes become `-`, and invisible format characters (zero-width space, BOM,
 * direction marks) are removed.
 */
export function canonicalizePhoneText(value: string): string {
  return (
    value
      // Full-width ASCII block U+FF01..U+FF5E maps 1:1 onto U+0021..U+007E.
      .replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
      .replace(/\p{Cf}/gu, '')
      .replace(/\s/gu, ' ')
      .replace(/[\u2010-\u2015\u2212\uFE58\uFE63]/g, '-')
  );
}

/**
 * Splits a trailing extension off a phone number: `x123`, `ext 123`, `ext. 123`, `extn 123`,
 * `extension 123`, `;ext=123` (RFC 3966 style) and `#123`.
 */
const EXTENSION_SUFFIX = new RegExp(
  String.raw`^(.*?[\p{Nd})])\s*(?:;\s*ext\s*=|(?:ext(?:n|ension)?\.?|x|#)\s*:?)\s*(\p{Nd}{1,${MAX_EXTENSION_DIGITS}})$`,
  'iu',
);

const BRACKETED_INTERNATIONAL_PREFIX = /^\(\s*(\+|00)\s*(\p{Nd}{1,3})\s*\)/u;

/** Characters a phone number (without its extension) may consist of. Anything else makes it not a number. */
const NUMBER_CHARACTERS = /^[\p{Nd} +\-./()]+$/u;

export type CleanedPhoneText =
  | { kind: 'empty' }
  | { kind: 'tooLongInput' }
  | { kind: 'notANumber' }
  /** `main`: the number without its extension, canonical characters; `extension`: ASCII digits. */
  | { kind: 'ok'; main: string; extension?: string };

/**
 * First step for every phone value: empty check, length guard, character clean-up, extension split and the
 * "nothing but digits and punctuation" check.
 */
export function cleanPhoneText(raw: string | null | undefined): CleanedPhoneText {
  if (raw === null || raw === undefined) return { kind: 'empty' };
  const trimmed = raw.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.length > MAX_PHONE_INPUT_LENGTH) return { kind: 'tooLongInput' };
  // `tel:+46701234567` (RFC 3966) is the same number in URI form.
  const tel = readTelUri(trimmed);
  if (tel.kind === 'refused') return { kind: 'notANumber' };
  const text = canonicalizePhoneText(tel.kind === 'number' ? tel.text : trimmed).trim();
  if (text === '') return { kind: 'empty' };

  const split = EXTENSION_SUFFIX.exec(text);
  // `(+49) 170 …` / `(0049) 170 …`: a bracketed international prefix is common in signatures.
  const main = (split?.[1] ?? text).trim().replace(BRACKETED_INTERNATIONAL_PREFIX, '$1$2 ');
  const extensionText = split?.[2];
  if (!NUMBER_CHARACTERS.test(main) || !/\p{Nd}/u.test(main)) return { kind: 'notANumber' };
  if (extensionText === undefined) return { kind: 'ok', main };
  return { kind: 'ok', main, extension: parseDigits(extensionText) };
}

/** Counts decimal digits of any script. */
export function countDigits(value: string): number {
  return value.match(/\p{Nd}/gu)?.length ?? 0;
}
