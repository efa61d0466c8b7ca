import { describe, expect, it } from 'vitest';
import { isSupportedDefaultCountry, normalizePhoneNumber } from '../../../lib/phone/normalize';
import { NORMALIZATION_TABLE } from './normalizationTable';

describe('normalizePhoneNumber: real-world table (DESIGN.md §3 Normalization, graph.md §1.2)', () => {
  it('covers at least 40 inputs across at least 8 countries', () => {
    expect(NORMALIZATION_TABLE.length).toBeGreaterThanOrEqual(40);
    const regions = new Set(
      NORMALIZATION_TABLE.map((row) =>
        normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true }),
      )
        .filter((n) => n.kind === 'valid')
        .map((n) => n.region),
    );
    expect(regions.size).toBeGreaterThanOrEqual(8);
  });

  it.each(NORMALIZATION_TABLE.map((row, i) => [`#${i + 1} ${row.label}`, row] as const))(
    '%s',
    (_name, row) => {
      const result = normalizePhoneNumber(row.input, {
        defaultCountry: row.country,
        allowExtension: row.allowExtension ?? false,
      });
      if (row.expected === 'empty') {
        expect(result).toEqual({ kind: 'empty' });
      } else if ('invalid' in row.expected) {
        expect(result).toEqual({ kind: 'invalid', reason: row.expected.invalid });
      } else {
        expect(result.kind).toBe('valid');
        if (result.kind !== 'valid') return;
        expect(result.graph).toBe(row.expected.graph);
        if (row.expected.region !== undefined) expect(result.region).toBe(row.expected.region);
      }
    },
  );
});

describe('normalizePhoneNumber: shape of a valid result', () => {
  it('returns Graph form, E.164, calling code, national number and region for a DE mobile', () => {
    expect(normalizePhoneNumber('0170 1234567', { defaultCountry: 'DE', allowExtension: false })).toEqual({
      kind: 'valid',
      graph: '+49 1701234567',
      e164: '+491701234567',
      countryCallingCode: '49',
      nationalNumber: '1701234567',
      region: 'DE',
    });
  });

  it('carries the extension separately and in the Graph form of an office number', () => {
    const result = normalizePhoneNumber('+44 20 7946 0958 ext. 123', {
      defaultCountry: null,
      allowExtension: true,
    });
    expect(result).toMatchObject({
      kind: 'valid',
      graph: '+44 2079460958x123',
      e164: '+442079460958',
      extension: '123',
    });
  });

  it('accepts every extension spelling on office numbers', () => {
    for (const suffix of [
      'x123',
      ' x 123',
      ' ext 123',
      ' ext. 123',
      ' extn 123',
      ' extension 123',
      ';ext=123',
      ' #123',
      ' X123',
    ]) {
      const result = normalizePhoneNumber(`+44 20 7946 0958${suffix}`, {
        defaultCountry: null,
        allowExtension: true,
      });
      expect(result, suffix).toMatchObject({ kind: 'valid', graph: '+44 2079460958x123' });
    }
  });

  it('refuses every extension spelling when extensions are not allowed', () => {
    for (const suffix of ['x123', ' ext. 123', ';ext=123', ' #123']) {
      const result = normalizePhoneNumber(`+44 20 7946 0958${suffix}`, {
        defaultCountry: null,
        allowExtension: false,
      });
      expect(result, suffix).toEqual({ kind: 'invalid', reason: 'extensionNotAllowed' });
    }
  });

  it('always produces one space after the country code and digits only after it', () => {
    for (const row of NORMALIZATION_TABLE) {
      const result = normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true });
      if (result.kind === 'valid') expect(result.graph, row.label).toMatch(/^\+\d{1,3} \d{4,}(x\d+)?$/);
    }
  });

  it('is idempotent: normalizing its own Graph form gives the same Graph form', () => {
    for (const row of NORMALIZATION_TABLE) {
      const first = normalizePhoneNumber(row.input, { defaultCountry: row.country, allowExtension: true });
      if (first.kind !== 'valid') continue;
      const again = normalizePhoneNumber(first.graph, { defaultCountry: null, allowExtension: true });
      expect(again.kind === 'valid' ? again.graph : again.kind, row.label).toBe(first.graph);
    }
  });

  it('tells a fixed line from a mobile only through the number, both are valid', () => {
    const mobile = normalizePhoneNumber('0170 1234567', { defaultCountry: 'DE', allowExtension: false });
    const fixed = normalizePhoneNumber('030 12345678', { defaultCountry: 'DE', allowExtension: false });
    expect([mobile.kind, fixed.kind]).toEqual(['valid', 'valid']);
  });
});

describe('normalizePhoneNumber: guards', () => {
  it('refuses input over 64 characters before parsing, whatever it contains', () => {
    expect(normalizePhoneNumber('1'.repeat(65), { defaultCountry: 'DE', allowExtension: false })).toEqual({
      kind: 'invalid',
      reason: 'tooLongInput',
    });
    expect(
      normalizePhoneNumber('x'.repeat(100_000), { defaultCountry: 'DE', allowExtension: false }),
    ).toEqual({
      kind: 'invalid',
      reason: 'tooLongInput',
    });
  });

  it('accepts exactly 64 characters and refuses 65 (the limit is "over 64", after trimming)', () => {
    const spaced = (length: number) => `+49${' '.repeat(length - 14)}170 1234567`;
    expect(spaced(64)).toHaveLength(64);
    const options = { defaultCountry: null, allowExtension: false };
    expect(normalizePhoneNumber(spaced(64), options)).toMatchObject({
      kind: 'valid',
      graph: '+49 1701234567',
    });
    expect(normalizePhoneNumber(spaced(65), options)).toEqual({ kind: 'invalid', reason: 'tooLongInput' });
    expect(normalizePhoneNumber(`   ${spaced(64)}   `, options)).toMatchObject({ kind: 'valid' });
  });

  it('never silently drops letters anywhere in the value', () => {
    for (const input of [
      '+49 170 1234567a',
      'a+49 170 1234567',
      '+49 17O 1234567',
      '0800 FLOWERS',
      'Mobil: 0170 1234567',
    ]) {
      expect(normalizePhoneNumber(input, { defaultCountry: 'DE', allowExtension: true })).toEqual({
        kind: 'invalid',
        reason: 'notANumber',
      });
    }
  });

  it('throws on an unknown default country: a configuration error, not a bad number', () => {
    expect(() =>
      normalizePhoneNumber('0170 1234567', { defaultCountry: 'XX', allowExtension: false }),
    ).toThrow(RangeError);
    expect(isSupportedDefaultCountry('XX')).toBe(false);
    expect(isSupportedDefaultCountry('de')).toBe(true);
  });
});
