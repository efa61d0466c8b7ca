/**
 * Turns whatever an administrator typed into a directory attribute into Graph's phone format
 * (`+<cc> <national number>[x<ext>]`, reference/graph.md §1.2), or says precisely why it cannot.
 *
 * Validity comes from libphonenumber's full (`max`) metadata, so a number must be a real, assignable number
 * for its region, not merely have a plausible length. A value that is not valid is never written
 * (DESIGN.md §3 "Normalization").
 */
import {
  isSupportedCountry,
  parsePhoneNumberWithError,
  ParseError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { cleanPhoneText } from './text';

export type InvalidPhoneReason =
  | 'notANumber'
  | 'tooShort'
  | 'tooLong'
  | 'invalidCountryCode'
  | 'needsCountry'
  | 'notValidForRegion'
  | 'extensionNotAllowed'
  | 'tooLongInput';

export type NormalizedPhone =
  | { kind: 'empty' } // null, undefined, '', whitespace-only
  | { kind: 'invalid'; reason: InvalidPhoneReason }
  | {
      kind: 'valid';
      /** Graph's form: `+<cc> <national significant number>`, plus `x<ext>` when an extension is allowed. */
      graph: string;
      /** E.164 without extension: `+<cc><national significant number>`. */
      e164: string;
      countryCallingCode: string;
      nationalNumber: string;
      extension?: string;
      /** ISO region the number belongs to, when it belongs to one (not for e.g. `+800` numbers). */
      region?: string;
    };

export interface NormalizeOptions {
  /** Region used to read national numbers (`0170 1234567` with `DE`). null: only `+`/`00` numbers. */
  defaultCountry: string | null;
  /** Extensions are only meaningful on office numbers; elsewhere a number with one is refused. */
  allowExtension: boolean;
}

/** Whether libphonenumber knows the region, in any letter case. Configuration validation calls this. */
export function isSupportedDefaultCountry(code: string): boolean {
  return isSupportedCountry(code.toUpperCase());
}

type ParseAttempt = { ok: true; phone: PhoneNumber } | { ok: false; reason: InvalidPhoneReason };

export function normalizePhoneNumber(
  raw: string | null | undefined,
  options: NormalizeOptions,
): NormalizedPhone {
  const defaultCountry = resolveDefaultCountry(options.defaultCountry);
  const cleaned = cleanPhoneText(raw);
  switch (cleaned.kind) {
    case 'empty':
      return { kind: 'empty' };
    case 'tooLongInput':
    case 'notANumber':
      return { kind: 'invalid', reason: cleaned.kind };
    case 'ok':
      break;
  }

  const attempt = parseMain(cleaned.main, defaultCountry);
  if (!attempt.ok) return { kind: 'invalid', reason: attempt.reason };
  const phone = attempt.phone;
  const extension = cleaned.extension;
  if (extension !== undefined && !options.allowExtension) {
    return { kind: 'invalid', reason: 'extensionNotAllowed' };
  }

  const graph = `+${phone.countryCallingCode} ${phone.nationalNumber}${extension === undefined ? '' : `x${extension}`}`;
  const result: NormalizedPhone = {
    kind: 'valid',
    graph,
    e164: phone.number,
    countryCallingCode: phone.countryCallingCode,
    nationalNumber: phone.nationalNumber,
  };
  if (extension !== undefined) result.extension = extension;
  if (phone.country !== undefined) result.region = phone.country;
  return result;
}

function resolveDefaultCountry(code: string | null): CountryCode | undefined {
  if (code === null) return undefined;
  const upper = code.toUpperCase();
  // A wrong default country is a configuration error, not a property of one user's number: reporting every
  // user as invalid would hide it. Configuration validation should have caught it (isSupportedDefaultCountry).
  if (!isSupportedCountry(upper)) throw new RangeError(`Unsupported default country "${code}"`);
  return upper;
}

/**
 * Parses the number without its extension. International numbers (`+`, or the ITU-recommended `00` prefix)
 * need no default country; other numbers are read as national numbers of the default country, whose own
 * international prefix (e.g. `011` in the US) libphonenumber recognises.
 */
function parseMain(main: string, defaultCountry: CountryCode | undefined): ParseAttempt {
  const hasPlus = main.startsWith('+');
  const hasDoubleZero = main.startsWith('00');
  if (defaultCountry === undefined) {
    if (hasPlus) return parseValid(main, undefined);
    if (hasDoubleZero) return parseValid(`+${main.slice(2)}`, undefined);
    return { ok: false, reason: 'needsCountry' };
  }
  const national = parseValid(main, defaultCountry);
  if (national.ok || !hasDoubleZero) return national;
  // `0049 …` entered in a region whose international prefix is not `00` (US, JP): no number of that region
  // starts with `00`, so reading it as an international number cannot override a valid national reading.
  const international = parseValid(`+${main.slice(2)}`, undefined);
  return international.ok ? international : national;
}

function parseValid(text: string, defaultCountry: CountryCode | undefined): ParseAttempt {
  const options = defaultCountry === undefined ? { extract: false } : { defaultCountry, extract: false };
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(text, options);
  } catch (error: unknown) {
    if (error instanceof ParseError) return { ok: false, reason: reasonForParseError(error.message) };
    throw error;
  }
  if (phone.isValid()) return { ok: true, phone };
  return { ok: false, reason: reasonForInvalid(validatePhoneNumberLength(text, options)) };
}

function reasonForParseError(message: string): InvalidPhoneReason {
  switch (message) {
    case 'INVALID_COUNTRY':
      return 'invalidCountryCode';
    case 'TOO_SHORT':
      return 'tooShort';
    case 'TOO_LONG':
      return 'tooLong';
    default:
      return 'notANumber';
  }
}

function reasonForInvalid(lengthCheck: ReturnType<typeof validatePhoneNumberLength>): InvalidPhoneReason {
  switch (lengthCheck) {
    case 'TOO_SHORT':
      return 'tooShort';
    case 'TOO_LONG':
      return 'tooLong';
    case 'INVALID_COUNTRY':
      return 'invalidCountryCode';
    case 'NOT_A_NUMBER':
      return 'notANumber';
    default:
      // A possible length (or a length between the region's possible lengths) but no assigned range.
      return 'notValidForRegion';
  }
}
