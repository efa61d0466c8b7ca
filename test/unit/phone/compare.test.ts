import { describe, expect, it } from 'vitest';
import { phoneDigits, readInternationalNumber, samePhoneNumber } from '../../../lib/phone/compare';
import { normalizePhoneNumber } from '../../../lib/phone/normalize';
import { NORMALIZATION_TABLE } from './normalizationTable';

describe('phoneDigits (DESIGN.md §3: compare normalized digits, not strings)', () => {
  it("reads Graph's own form, including its documentation example that is not an assigned number", () => {
    expect(phoneDigits('+1 5555551234')).toBe('15555551234');
    expect(phoneDigits('+1 5555551234x123')).toBe('15555551234x123');
  });

  it('reads the no-space E.164 form the same as the Graph form', () => {
    expect(phoneDigits('+15555551234')).toBe(phoneDigits('+1 5555551234'));
    expect(phoneDigits('+491701234567')).toBe('491701234567');
  });

  it('reads punctuated, 00-prefixed and trunk-prefixed international forms', () => {
    for (const value of [
      '+49 170 1234567',
      '+49-170-123 45 67',
      '+49 (0)170 1234567',
      '+49 0170 1234567',
      '0049 170 1234567',
      '+49.170.123.4567',
      ' +49\u00a0170\u00a01234567 ',
    ]) {
      expect(phoneDigits(value), value.replace(/\d(?=\d\d)/g, '*')).toBe('491701234567');
    }
  });

  it('keeps the extension apart from the number', () => {
    expect(phoneDigits('+44 20 7946 0958 ext. 12')).toBe('442079460958x12');
    expect(phoneDigits('+44 2079460958x12')).not.toBe(phoneDigits('+44 20794609581 2'));
  });

  it('returns null for what it cannot read as an international number', () => {
    for (const value of [
      '',
      '   ',
      '0170 1234567',
      'n/a',
      '+1 XXXXXXXX67',
      '+1 ********67',
      '+999 1234567',
      '+',
    ]) {
      expect(phoneDigits(value), value).toBeNull();
    }
  });

  it('matches the normalized form of every valid table row', () => {
    for (const row of NORMALIZATION_TABLE) {
      const n = normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true });
      if (n.kind !== 'valid') continue;
      const expected = `${n.countryCallingCode}${n.nationalNumber}${n.extension === undefined ? '' : `x${n.extension}`}`;
      expect(phoneDigits(n.graph), row.label).toBe(expected);
      expect(phoneDigits(n.e164), row.label).toBe(`${n.countryCallingCode}${n.nationalNumber}`);
    }
  });

  it('exposes the parts of an international number', () => {
    expect(readInternationalNumber('+44 (0)20 7946 0958 x7')).toEqual({
      countryCallingCode: '44',
      nationalNumber: '2079460958',
      extension: '7',
    });
    expect(readInternationalNumber('+49 1701234567')).toEqual({
      countryCallingCode: '49',
      nationalNumber: '1701234567',
    });
  });
});

describe('samePhoneNumber', () => {
  it('treats differently written forms of one number as the same', () => {
    expect(samePhoneNumber('+49 1701234567', '+491701234567')).toBe(true);
    expect(samePhoneNumber('+49 (0)170 123 45 67', '+49 1701234567')).toBe(true);
    expect(samePhoneNumber('0049-170-1234567', '+49 1701234567')).toBe(true);
    expect(samePhoneNumber('+1 5555551234', '+15555551234')).toBe(true);
  });

  it('tells different numbers apart', () => {
    expect(samePhoneNumber('+49 1701234567', '+49 1701234568')).toBe(false);
    expect(samePhoneNumber('+49 1701234567', '+43 1701234567')).toBe(false);
    expect(samePhoneNumber('+1 2025550143', '+1 2025550143x12')).toBe(false);
    expect(samePhoneNumber('+1 2025550143x12', '+1 2025550143x13')).toBe(false);
  });

  it('never calls unreadable or masked values equal, not even to themselves', () => {
    expect(samePhoneNumber('n/a', 'n/a')).toBe(false);
    expect(samePhoneNumber('+1 XXXXXXXX67', '+1 XXXXXXXX67')).toBe(false);
    expect(samePhoneNumber('0170 1234567', '0170 1234567')).toBe(false);
  });

  it('is symmetric over the table', () => {
    const forms = NORMALIZATION_TABLE.map((row) =>
      normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true }),
    ).flatMap((n) => (n.kind === 'valid' ? [n.graph, n.e164] : []));
    for (const a of forms.slice(0, 20)) {
      for (const b of forms.slice(0, 20)) expect(samePhoneNumber(a, b)).toBe(samePhoneNumber(b, a));
    }
  });
});
