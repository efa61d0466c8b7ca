import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds phone numbers written out in full. Two nets:
 * - any international-looking number (`+` and at least 8 digits, separators allowed);
 * - any number the test fixtures are known to contain (the demo tenant seed, registered fixtures), in any
 *   format, found by its last eight digits inside a digit run.
 * Masked numbers (`+49 ********67`) show at most two trailing digits and never match.
 */
const knownTails = new Set<string>();
const TAIL_LENGTH = 8;

export function registerKnownPhoneNumbers(numbers: Iterable<string>): void {
  for (const number of numbers) {
    const digits = number.replace(/\D/g, '');
    if (digits.length >= TAIL_LENGTH) knownTails.add(digits.slice(-TAIL_LENGTH));
  }
}

const INTERNATIONAL = /\+\d[\d\s().\-/]{6,}\d/g;
const DIGIT_RUN = /\d[\d\s().\-/]{6,}\d/g;

export function findFullPhoneNumbers(text: string): string[] {
  const found: { start: number; end: number; text: string }[] = [];
  const overlaps = (start: number, end: number): boolean => found.some((f) => start < f.end && f.start < end);
  for (const match of text.matchAll(INTERNATIONAL)) {
    if (match[0].replace(/\D/g, '').length >= 8)
      found.push({ start: match.index, end: match.index + match[0].length, text: match[0].trim() });
  }
  if (knownTails.size > 0) {
    for (const match of text.matchAll(DIGIT_RUN)) {
      const digits = match[0].replace(/\D/g, '');
      const end = match.index + match[0].length;
      if (!overlaps(match.index, end) && [...knownTails].some((tail) => digits.includes(tail))) {
        found.push({ start: match.index, end, text: match[0].trim() });
      }
    }
  }
  return found.map((f) => f.text);
}

/** Every phone-like string value in the demo tenant seed, wherever it sits in the document. */
function loadSeedNumbers(): string[] {
  const seed = join(__dirname, '..', '..', 'dev', 'graph-emulator', 'seeds', 'demo-tenant.json');
  if (!existsSync(seed)) return [];
  const numbers: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (/^[+(]?[\d\s().\-/]{7,}$/.test(value.trim()) || /^\+\d/.test(value.trim())) numbers.push(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(JSON.parse(readFileSync(seed, 'utf8')) as unknown);
  return numbers;
}

registerKnownPhoneNumbers(loadSeedNumbers());
