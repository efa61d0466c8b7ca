import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Graph's documented phone format (reference/graph.md §1.2): `+<country code> <number>[x<extension>]`,
 * one space. The length bounds are the emulator's choice; the docs give none.
 */
const STRICT_FORMAT = /^\+(\d{1,3}) (\d{4,15})(?:x(\d{1,10}))?$/;

export type PhoneFormatMode = 'strict' | 'lenient';

/**
 * Validates a number sent on create/update. Returns the number as Graph would store it, or `undefined` when
 * it is rejected. `lenient` also accepts what third-party code suggests Graph tolerates (no-space E.164,
 * extra spaces, dashes) and stores it normalized with the single space.
 */
export function acceptPhoneNumber(input: string, mode: PhoneFormatMode): string | undefined {
  if (STRICT_FORMAT.test(input)) return input;
  if (mode === 'strict') return undefined;
  const extMatch = /^(.*?)(?:\s*(?:x|ext\.?)\s*(\d{1,10}))?$/i.exec(input.trim());
  const main = extMatch?.[1] ?? input;
  const extension = extMatch?.[2];
  if (!main.startsWith('+')) return undefined;
  const parsed = parsePhoneNumberFromString(main);
  if (!parsed?.isPossible()) return undefined;
  const normalized = `+${parsed.countryCallingCode} ${parsed.nationalNumber}${extension ? `x${extension}` : ''}`;
  return STRICT_FORMAT.test(normalized) ? normalized : undefined;
}

/** Digits only, without the extension: what "the same number" means for SMS sign-in uniqueness. */
export function phoneDigits(phoneNumber: string): string {
  return phoneNumber.replace(/x\d*$/i, '').replace(/\D/g, '');
}

/**
 * How a delegated Authentication Administrator sees numbers (reference/graph.md §2.1: "masked"; the exact
 * mask is not documented). Choice: country code and last two digits kept, the rest `X`.
 */
export function maskedForAuthenticationAdministrator(phoneNumber: string): string {
  const match = /^\+(\d{1,3}) (\d+)(x\d+)?$/.exec(phoneNumber);
  if (!match) return phoneNumber.replace(/\d(?=\d{2})/g, 'X');
  const national = match[2] ?? '';
  return `+${match[1] ?? ''} ${'X'.repeat(Math.max(0, national.length - 2))}${national.slice(-2)}`;
}
