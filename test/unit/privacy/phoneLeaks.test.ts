import { describe, expect, it } from 'vitest';
import { findFullPhoneNumbers, registerKnownPhoneNumbers } from '../../support/phoneLeaks';

// The guard in test/support/privacyGuard.ts fails any test whose console output, statuses or summaries
// contain a full phone number. These tests prove its detector would catch one.
describe('the privacy guard detector', () => {
  it('finds international numbers in any common format', () => {
    for (const text of [
      'to +49 1701234567 now',
      '+1 (206) 555-0123',
      'x=+4917012345678;',
      '"+44 7911 123 456"',
    ]) {
      expect(findFullPhoneNumbers(text), text).toHaveLength(1);
    }
  });

  it('finds known fixture numbers even when written nationally', () => {
    registerKnownPhoneNumbers(['+33 612345678']);
    expect(findFullPhoneNumbers('attribute was 06 12 34 56 78')).toHaveLength(1);
  });

  it('ignores masked numbers, GUIDs, timestamps and counts', () => {
    const clean = [
      '+49 ********67',
      '+1 XXXXXXXX23',
      'id 3179e48a-750b-4051-897c-87b9720928f7',
      '2026-02-01T10:00:00.000Z',
      'done=1000 total=10000 durationMs=123456',
    ];
    for (const text of clean) expect(findFullPhoneNumbers(text), text).toEqual([]);
  });
});
