import { describe, expect, it } from 'vitest';
import { maskPhoneNumber } from '../../../lib/phone/mask';
import { normalizePhoneNumber } from '../../../lib/phone/normalize';

const options = { defaultCountry: 'DE', allowExtension: true };

describe('RFC 3966 tel: URIs in the source attribute (issue 7 §4)', () => {
  it.each([
    ['tel:+46701234567', '+46 701234567'],
    ['tel:+46-70-123-45-67', '+46 701234567'],
    ['TEL:+46.70.123(45)67', '+46 701234567'],
    ['  tel:+4917012345678  ', '+49 17012345678'],
    ['tel:+1-201-555-0123;ext=1234', '+1 2015550123x1234'],
    ['tel:+1-201-555-0123;tgrp=TG-1;ext=12-34', '+1 2015550123x1234'],
  ])('reads %j as %s', (value, graph) => {
    const result = normalizePhoneNumber(value, options);
    expect(result.kind === 'valid' ? result.graph : result).toBe(graph);
  });

  it.each([
    'tel:0701234567;phone-context=+46',
    'tel:+46701234567;phone-context=example.com',
    'tel:+46701234567;isub=1234',
    'tel:+46 70 123 45 67',
    'tel:+46%2D701234567',
    'tel:+46701234567;ext=12;ext=34',
    'tel:',
  ])('refuses %j rather than guess', (value) => {
    expect(normalizePhoneNumber(value, options).kind).toBe('invalid');
  });

  it('refuses an extension on a number type that does not take one', () => {
    expect(normalizePhoneNumber('tel:+1-201-555-0123;ext=1', { ...options, allowExtension: false })).toEqual({
      kind: 'invalid',
      reason: 'extensionNotAllowed',
    });
  });

  it('masks a tel: URI like any other number', () => {
    expect(maskPhoneNumber('tel:+46701234567')).toBe('+46 *******67');
  });
});
