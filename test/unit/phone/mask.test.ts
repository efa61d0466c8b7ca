import { describe, expect, it } from 'vitest';
import {
  looksMasked,
  maskedConsistentWith,
  maskPhoneNumber,
  redactPhoneNumbers,
} from '../../../lib/phone/mask';
import { normalizePhoneNumber } from '../../../lib/phone/normalize';
import { NORMALIZATION_TABLE } from './normalizationTable';

/** Digits visible after a leading `+<country code>` (any script). */
function visibleDigitsBeyondCountryCode(masked: string): number {
  return masked.replace(/^\s*\+\p{Nd}{1,3}/u, '').match(/\p{Nd}/gu)?.length ?? 0;
}

describe('maskPhoneNumber (DESIGN.md §3 Privacy: country code and last two digits only)', () => {
  it('masks the national part of Graph form, E.164 and punctuated international numbers alike', () => {
    expect(maskPhoneNumber('+49 1701234567')).toBe('+49 ********67');
    expect(maskPhoneNumber('+491701234567')).toBe('+49 ********67');
    expect(maskPhoneNumber('+49 (0)170 123 45 67')).toBe('+49 ********67');
    expect(maskPhoneNumber('0049 170 1234567')).toBe('+49 ********67');
    expect(maskPhoneNumber('+1 5555551234')).toBe('+1 ********34');
  });

  it('masks an extension completely', () => {
    expect(maskPhoneNumber('+44 2079460958x123')).toBe('+44 ********58x***');
    expect(maskPhoneNumber('020 7946 0958 ext. 4321')).toBe('*** **** **58x****');
  });

  it('masks national input, keeping its layout', () => {
    expect(maskPhoneNumber('0170 1234567')).toBe('**** *****67');
    expect(maskPhoneNumber('(202) 555-0143')).toBe('(***) ***-**43');
  });

  it('masks garbage: every digit but the last two, and letters too (vanity numbers are digits)', () => {
    expect(maskPhoneNumber('1-800-FLOWERS')).toBe('*-*00-*******');
    expect(maskPhoneNumber('+49 170 ABC 4567')).toBe('+49 *** *** **67');
    expect(maskPhoneNumber('n/a')).toBe('*/*');
    expect(maskPhoneNumber('')).toBe('');
  });

  it('shows a leading country code of unreadable input only when it is a real calling code', () => {
    expect(maskPhoneNumber('+49 17O 1234567')).toBe('+49 *** *****67');
    expect(maskPhoneNumber('+999 123 4567 a')).toBe('+*** *** **67 *');
    expect(maskPhoneNumber('+4917O1234567')).toBe('+**********67');
  });

  it('masks Graph-masked readings further instead of echoing them', () => {
    expect(maskPhoneNumber('+1 XXXXXXXX67')).toBe('+1 ********67');
    expect(maskPhoneNumber('+49 17*****67')).toBe('+49 *******67');
  });

  it('masks digits of any script', () => {
    expect(maskPhoneNumber('０１７０ １２３４５６７')).toBe('**** *****６７');
    expect(visibleDigitsBeyondCountryCode(maskPhoneNumber('+49 ١٧٠ ١٢٣٤٥٦٧'))).toBe(2);
  });

  it('bounds the output for absurdly long input and still shows at most two digits', () => {
    const masked = maskPhoneNumber(`${'1234567890'.repeat(50)} trailing`);
    expect(masked.length).toBeLessThanOrEqual(64);
    expect(visibleDigitsBeyondCountryCode(masked)).toBeLessThanOrEqual(2);
  });

  it('property: over the whole normalization table, never more than 2 trailing digits are visible', () => {
    for (const row of NORMALIZATION_TABLE) {
      if (typeof row.input !== 'string') continue;
      const candidates = [row.input];
      const n = normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true });
      if (n.kind === 'valid') candidates.push(n.graph, n.e164);
      for (const value of candidates) {
        const masked = maskPhoneNumber(value);
        expect(visibleDigitsBeyondCountryCode(masked), row.label).toBeLessThanOrEqual(2);
        if (n.kind === 'valid') {
          // The visible digits are the country code and the last two digits of the national number.
          expect(
            masked.startsWith(`+${n.countryCallingCode} `) || !value.trim().startsWith('+'),
            row.label,
          ).toBe(true);
        }
      }
    }
  });
});

describe('redactPhoneNumbers: free text', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    [
      'activity line with Graph form',
      'syncUserPhone user=3179e48a-750b-4051-897c-87b9720928f7 before=+49 1701234567 after=+49 1701234568',
      'syncUserPhone user=3179e48a-750b-4051-897c-87b9720928f7 before=+49 ********67 after=+49 ********68',
    ],
    [
      'Graph error body with timestamp and request ids',
      '{"error":{"code":"phoneNumberNotUnique","message":"+1 2065555555 is already registered","innerError":{"date":"2025-02-13T10:17:05","request-id":"93b6f17e-c05d-4f45-ad2a-6665c708d8a0"}}}',
      '{"error":{"code":"phoneNumberNotUnique","message":"+1 ********55 is already registered","innerError":{"date":"2025-02-13T10:17:05","request-id":"93b6f17e-c05d-4f45-ad2a-6665c708d8a0"}}}',
    ],
    [
      'HTTP access log with status code and duration',
      '2025-02-13 10:17:05.123 PATCH /v1.0/users/b6332ec1-7057-4abe-9331-3d72feddfe41/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7 204 153ms',
      '2025-02-13 10:17:05.123 PATCH /v1.0/users/b6332ec1-7057-4abe-9331-3d72feddfe41/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7 204 153ms',
    ],
    [
      'national number with parentheses and dash',
      'invalid attribute value "(202) 555-0143" for alice@contoso.com (status 400)',
      'invalid attribute value "(***) ***-**43" for alice@contoso.com (status 400)',
    ],
    [
      '00 prefix and spaces, German attribute',
      'extensionAttribute15 = 0049 170 123 45 67; retry in 10 s',
      'extensionAttribute15 = +49 ********67; retry in 10 s',
    ],
    [
      'duplicated trunk prefix and extension',
      'office: +44 (0)20 7946 0958 x123, mobile: 07400 123456.',
      'office: +44 ********58x***, mobile: ***** ****56.',
    ],
    [
      'URL-encoded plus in a query string',
      'GET /api/lookup?phone=%2B491701234567&code=abc',
      'GET /api/lookup?phone=%2B49 ********67&code=abc',
    ],
    [
      'hex ids, IPv4, traceparent and short numbers stay',
      'from 192.168.100.200 traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 hash=1234567abcdef 10000 users in 42 chunks',
      'from 192.168.100.200 traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 hash=1234567abcdef 10000 users in 42 chunks',
    ],
    [
      'dotted and slashed national forms',
      'tried 06.12.34.56.78 and 0170/1234567',
      'tried **.**.**.**.78 and ****/*****67',
    ],
    [
      'already masked text is left as it is',
      'before=+49 ********67 after=+1 ********34x***',
      'before=+49 ********67 after=+1 ********34x***',
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(redactPhoneNumbers(input)).toBe(expected);
  });

  it('is idempotent on realistic lines', () => {
    for (const [, input] of cases) {
      const once = redactPhoneNumbers(input);
      expect(redactPhoneNumbers(once)).toBe(once);
    }
  });

  it('leaves no 6-digit run of the table inputs visible when they appear in a sentence', () => {
    for (const row of NORMALIZATION_TABLE) {
      // Free text is searched for digit runs; letters end a run (values with letters are masked by
      // maskPhoneNumber wherever the code knows it holds a phone value).
      if (typeof row.input !== 'string' || row.input.length > 64 || /\p{L}/u.test(row.input)) continue;
      const redacted = redactPhoneNumbers(`value "${row.input}" rejected`);
      const digits = redacted.match(/\p{Nd}/gu)?.length ?? 0;
      const original = row.input.match(/\p{Nd}/gu)?.length ?? 0;
      if (original >= 6) expect(digits, row.label).toBeLessThanOrEqual(5); // country code (≤3) + 2
    }
  });
});

describe('looksMasked: numbers Graph returned masked (graph.md §2.1)', () => {
  // Names describe the case; the values stay out of test names so no full number reaches the output.
  it.each([
    ['X placeholders', '+1 XXXXXXXX67', true],
    ['lower-case x placeholders', '+1 xxxxxxxx67', true],
    ['asterisks', '+1 ********67', true],
    ['asterisks between visible head and tail', '+49 17*****67', true],
    ['bullets with a space', '+49 •••••••• 67', true],
    ['ellipsis character', '+49 170…67', true],
    ['three dots', '+49 170...67', true],
    ['country code glued to the mask', '+1XXXXXXXX67', true],
    ['masked number with a visible extension', '+1 XXXXXXXX67x123', true],
    ['Graph form', '+1 5555551234', false],
    ['Graph form with extension (x after a digit is not a mask)', '+1 5555551234x123', false],
    ['Graph form with spaced extension', '+1 5555551234 x123', false],
    ['E.164', '+491701234567', false],
    ['national number', '0170 1234567', false],
    ['empty', '', false],
    ['placeholder text', 'n/a', false],
    ['words with X', 'unknown XXXX', false],
  ] as const)('%s', (_name, value, expected) => {
    expect(looksMasked(value)).toBe(expected);
  });
});

describe('maskedConsistentWith: a masked reading certainly differs, or might match', () => {
  it.each([
    ['placeholders match length and visible tail', '+1 XXXXXXXX34', '+1 5555551234', true],
    ['asterisks, visible head and tail agree', '+49 17******67', '+49 1701234567', true],
    ['bullets with grouping', '+49 •••••••• 67', '+49 1701234567', true],
    ['cc glued to the mask: matched against cc + number', '+1XXXXXXXX34', '+1 5555551234', true],
    ['ellipsis hides an unknown number of digits', '+49 170…67', '+49 1701234567', true],
    ['three dots as ellipsis', '+49 17...67', '+49 15123456767', false],
    ['visible extension agrees', '+1 XXXXXXXX34x12', '+1 5555551234x12', true],
    ['no extension shown: extension cannot be judged', '+1 XXXXXXXX34', '+1 5555551234x12', true],
    ['different country code', '+44 XXXXXXXX34', '+1 5555551234', false],
    ['different trailing digits', '+1 XXXXXXXX35', '+1 5555551234', false],
    ['different leading digits', '+49 16******67', '+49 1701234567', false],
    ['one placeholder too few: length differs', '+49 17*****67', '+49 1701234567', false],
    ['one placeholder too many: length differs', '+1 XXXXXXXXX34', '+1 5555551234', false],
    ['ellipsis needs at least one hidden digit', '+49 17012345…67', '+49 1701234567', false],
    ['visible extension differs', '+1 XXXXXXXX34x12', '+1 5555551234x13', false],
    ['visible extension where the target has none', '+1 XXXXXXXX34x12', '+1 5555551234', false],
    ['hidden extension of the same length', '+44 ********58x***', '+44 2079460958x123', true],
    ['hidden extension of another length', '+44 ********58x**', '+44 2079460958x123', false],
    ['hidden extension where the target has none', '+44 ********58x***', '+44 2079460958', false],
  ] as const)('%s', (_name, masked, target, expected) => {
    expect(maskedConsistentWith(masked, target)).toBe(expected);
  });

  it('a reading it cannot interpret might match (never proves a difference from noise)', () => {
    expect(maskedConsistentWith('hidden', '+49 1701234567')).toBe(true);
    expect(maskedConsistentWith('+49 17*****67', 'not a number')).toBe(true);
  });

  it('is consistent with the unmasked number for every valid table row masked our own way', () => {
    for (const row of NORMALIZATION_TABLE) {
      const n = normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true });
      if (n.kind !== 'valid') continue;
      const masked = maskPhoneNumber(n.graph);
      expect(looksMasked(masked), row.label).toBe(true);
      expect(maskedConsistentWith(masked, n.graph), row.label).toBe(true);
    }
  });
});
