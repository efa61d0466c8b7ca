/**
 * The product's privacy rule applies to everything the emulator exposes in logs: a phone number never
 * appears in full. Masked form keeps the country code and the last two digits: `+49 XXXXXXXX67`.
 */

function maskDigits(digits: string): string {
  if (digits.length <= 2) return 'X'.repeat(digits.length);
  return 'X'.repeat(digits.length - 2) + digits.slice(-2);
}

/**
 * Finds phone-number-like digit runs in free text (paths, query strings, messages) and masks them. GUIDs
 * are left alone: their digit runs touch hex letters or hyphens. Runs shorter than 7 digits (ports, counts,
 * years) are not phone numbers.
 */
const PHONE_LIKE = /(?<![\w\-.])(?:\+|%2B)?\d(?:[\d ().-]|%20)*\d(?![\w-])/gi;

export function maskPhoneNumbersInText(text: string): string {
  return text.replace(PHONE_LIKE, (candidate) => {
    const digits = candidate.replace(/%20|%2B/gi, '').replace(/\D/g, '');
    if (digits.length < 7) return candidate;
    return maskDigits(digits);
  });
}
