/**
 * Compares phone numbers on what they dial, not on how they are written (DESIGN.md §3 "Compare normalized
 * digits, not strings"): `+49 1701234567`, `+491701234567` and `+49 (0)170 123 45 67` are the same number.
 */
import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import { cleanPhoneText } from './text';

/**
 * The comparison key of an international number: country calling code and national significant number,
 * then `x` and the extension digits when there is an extension (the separator keeps `…67` + ext `1` apart
 * from a different number ending `…671`). Null when the value is not a readable international number
 * (national numbers without a country, letters, masked readings).
 *
 * Validity is deliberately not required: Graph may hold numbers that libphonenumber does not consider
 * assigned (its own documentation example `+1 5555551234` is one), and those still have to compare equal
 * to themselves.
 */
export function phoneDigits(value: string): string | null {
  const parts = readInternationalNumber(value);
  if (parts === null) return null;
  const key = `${parts.countryCallingCode}${parts.nationalNumber}`;
  return parts.extension === undefined ? key : `${key}x${parts.extension}`;
}

export interface InternationalNumberParts {
  countryCallingCode: string;
  nationalNumber: string;
  extension?: string;
}

/**
 * Reads an international number (`+` or `00` prefix, any punctuation, optional extension) into its parts
 * without requiring it to be valid. Null when it cannot be read.
 */
export function readInternationalNumber(value: string): InternationalNumberParts | null {
  const cleaned = cleanPhoneText(value);
  if (cleaned.kind !== 'ok') return null;
  let text = cleaned.main;
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  if (!text.startsWith('+')) return null;
  try {
    const phone = parsePhoneNumberWithError(text, { extract: false });
    const parts: InternationalNumberParts = {
      countryCallingCode: phone.countryCallingCode,
      nationalNumber: phone.nationalNumber,
    };
    if (cleaned.extension !== undefined) parts.extension = cleaned.extension;
    return parts;
  } catch (error: unknown) {
    if (error instanceof ParseError) return null;
    throw error;
  }
}

/** True only when both values are readable and dial the same number (extension included). */
export function samePhoneNumber(a: string, b: string): boolean {
  const left = phoneDigits(a);
  return left !== null && left === phoneDigits(b);
}
