/**
 * Real-world attribute values and what they must normalize to. Every number was checked against
 * libphonenumber's `max` metadata (not assumed): fictional ranges are used where a country has one that the
 * metadata accepts (US 202-555-01xx, UK 020 7946 0xxx, AU 0491 570 xxx / 02 5550 xxxx, FR 01 99 00 xx xx);
 * the UK 07700 900xxx and FR 06 39 98 xx xx drama ranges are NOT valid in the metadata and appear as such.
 *
 * `label` is what test names show: it must never contain a full number.
 */
import { type InvalidPhoneReason } from '../../../lib/phone/normalize';

export interface NormalizationRow {
  label: string;
  input: string | null | undefined;
  country: string | null;
  /** Office numbers may carry an extension; defaults to false (mobile). */
  allowExtension?: boolean;
  expected: { graph: string; region?: string } | { invalid: InvalidPhoneReason } | 'empty';
}

export const NORMALIZATION_TABLE: readonly NormalizationRow[] = [
  // Germany
  {
    label: 'DE mobile, national, default DE',
    input: '0170 1234567',
    country: 'DE',
    expected: { graph: '+49 1701234567', region: 'DE' },
  },
  {
    label: 'DE mobile, +49 with spaces',
    input: '+49 170 1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE duplicated trunk prefix (0)',
    input: '+49 (0)170 1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE duplicated trunk prefix without parentheses',
    input: '+49 0170 1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE bracketed international prefix (+49)',
    input: '(+49) 170 1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE bracketed 00 prefix, default DE',
    input: '(0049) 170-1234567',
    country: 'DE',
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE 00 prefix, no default country',
    input: '0049 170 1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE 00 prefix with dashes, default DE',
    input: '0049-170-1234567',
    country: 'DE',
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE 00 prefix, default US (011 country)',
    input: '0049 170 1234567',
    country: 'US',
    expected: { graph: '+49 1701234567' },
  },
  { label: 'DE dots', input: '+49.170.123.4567', country: null, expected: { graph: '+49 1701234567' } },
  {
    label: 'DE slash, national',
    input: '0170/1234567',
    country: 'DE',
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE fixed line Berlin, national',
    input: '030 12345678',
    country: 'DE',
    expected: { graph: '+49 3012345678', region: 'DE' },
  },
  {
    label: 'DE unicode spaces (NBSP, narrow NBSP, thin) and padding',
    input: '\u00a0+49\u202f170\u2009123 4567 ',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE full-width digits',
    input: '０１７０ １２３４５６７',
    country: 'DE',
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE full-width plus and digits',
    input: '＋４９ １７０ １２３４５６７',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE zero-width space inside',
    input: '+49 170\u200b1234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE en dash separators',
    input: '+49\u2013170\u20131234567',
    country: null,
    expected: { graph: '+49 1701234567' },
  },
  {
    label: 'DE office with x extension, allowed',
    input: '+49 30 12345678 x 123',
    country: null,
    allowExtension: true,
    expected: { graph: '+49 3012345678x123' },
  },
  {
    label: 'DE mobile with extension, not allowed',
    input: '+49 30 12345678 x 123',
    country: null,
    expected: { invalid: 'extensionNotAllowed' },
  },
  { label: 'DE too short', input: '+49 170', country: null, expected: { invalid: 'tooShort' } },
  { label: 'DE too long', input: '+49 170 1234567 8901234', country: null, expected: { invalid: 'tooLong' } },
  {
    label: 'DE national without default country',
    input: '0170 1234567',
    country: null,
    expected: { invalid: 'needsCountry' },
  },
  {
    label: 'DE letters inside',
    input: '+49 170 ABC 4567',
    country: null,
    expected: { invalid: 'notANumber' },
  },
  {
    label: 'DE trailing comment',
    input: '+49 170 1234567 (mobile)',
    country: null,
    expected: { invalid: 'notANumber' },
  },
  {
    label: 'DE tel: URI prefix',
    input: 'tel:+49 170 1234567',
    country: null,
    expected: { invalid: 'notANumber' },
  },
  {
    label: 'DE dangling extension marker',
    input: '+49 170 1234567 x',
    country: null,
    expected: { invalid: 'notANumber' },
  },
  { label: 'DE two digits', input: '12', country: 'DE', expected: { invalid: 'tooShort' } },
  {
    label: 'lower-case default country',
    input: '0170 1234567',
    country: 'de',
    expected: { graph: '+49 1701234567' },
  },
  // United States / Canada
  {
    label: 'US national with parentheses and dash',
    input: '(202) 555-0143',
    country: 'US',
    expected: { graph: '+1 2025550143', region: 'US' },
  },
  {
    label: 'US +1 with dashes',
    input: '+1 202-555-0143',
    country: null,
    expected: { graph: '+1 2025550143' },
  },
  { label: 'US dots, national', input: '202.555.0143', country: 'US', expected: { graph: '+1 2025550143' } },
  {
    label: 'US national prefix 1',
    input: '1-202-555-0143',
    country: 'US',
    expected: { graph: '+1 2025550143' },
  },
  {
    label: 'US 011 international prefix to DE',
    input: '011 49 170 1234567',
    country: 'US',
    expected: { graph: '+49 1701234567', region: 'DE' },
  },
  {
    label: '011 without default country',
    input: '011 49 170 1234567',
    country: null,
    expected: { invalid: 'needsCountry' },
  },
  {
    label: 'US 555 area code (Graph docs example) is not assigned',
    input: '+1 5555551234',
    country: null,
    expected: { invalid: 'notValidForRegion' },
  },
  {
    label: 'US 555 area code with dashes',
    input: '+1 555-555-0123',
    country: null,
    expected: { invalid: 'notValidForRegion' },
  },
  { label: 'US vanity letters', input: '1-800-FLOWERS', country: 'US', expected: { invalid: 'notANumber' } },
  { label: 'US seven digits only', input: '555-0123', country: 'US', expected: { invalid: 'tooShort' } },
  { label: 'US too long', input: '+1 202 555 01431', country: null, expected: { invalid: 'tooLong' } },
  {
    label: 'US office ext. 12, allowed',
    input: '+1 (202) 555-0143 ext. 12',
    country: null,
    allowExtension: true,
    expected: { graph: '+1 2025550143x12' },
  },
  {
    label: 'US ;ext= extension, not allowed',
    input: '+1 202 555 0143;ext=12',
    country: null,
    expected: { invalid: 'extensionNotAllowed' },
  },
  {
    label: 'CA Ottawa',
    input: '+1 613 555 0123',
    country: null,
    expected: { graph: '+1 6135550123', region: 'CA' },
  },
  // United Kingdom
  {
    label: 'GB mobile, national',
    input: '07400 123456',
    country: 'GB',
    expected: { graph: '+44 7400123456', region: 'GB' },
  },
  {
    label: 'GB fixed line, duplicated trunk prefix',
    input: '+44 (0)20 7946 0958',
    country: null,
    expected: { graph: '+44 2079460958', region: 'GB' },
  },
  {
    label: 'GB office # extension, allowed',
    input: '020 7946 0958 #4321',
    country: 'GB',
    allowExtension: true,
    expected: { graph: '+44 2079460958x4321' },
  },
  {
    label: 'GB drama mobile range 07700 900xxx is not valid',
    input: '07700 900123',
    country: 'GB',
    expected: { invalid: 'notValidForRegion' },
  },
  // France
  {
    label: 'FR mobile, national',
    input: '06 12 34 56 78',
    country: 'FR',
    expected: { graph: '+33 612345678', region: 'FR' },
  },
  {
    label: 'FR fixed line, duplicated trunk prefix',
    input: '+33 (0)1 23 45 67 89',
    country: null,
    expected: { graph: '+33 123456789' },
  },
  { label: 'FR 00 prefix', input: '0033 6 12 34 56 78', country: null, expected: { graph: '+33 612345678' } },
  {
    label: 'FR fiction range 01 99 00',
    input: '01 99 00 12 34',
    country: 'FR',
    expected: { graph: '+33 199001234' },
  },
  {
    label: 'FR fiction mobile range 06 39 98 is not valid',
    input: '06 39 98 12 34',
    country: 'FR',
    expected: { invalid: 'notValidForRegion' },
  },
  // Sweden
  {
    label: 'SE mobile, duplicated trunk prefix',
    input: '+46 (0)70 123 45 67',
    country: null,
    expected: { graph: '+46 701234567', region: 'SE' },
  },
  {
    label: 'SE fixed line Stockholm, national',
    input: '08-123 456 78',
    country: 'SE',
    expected: { graph: '+46 812345678' },
  },
  // Netherlands
  {
    label: 'NL mobile, national with dash',
    input: '06-12345678',
    country: 'NL',
    expected: { graph: '+31 612345678', region: 'NL' },
  },
  {
    label: 'NL fixed line, duplicated trunk prefix',
    input: '+31 (0)20 123 4567',
    country: null,
    expected: { graph: '+31 201234567' },
  },
  // Switzerland
  {
    label: 'CH mobile, national',
    input: '079 123 45 67',
    country: 'CH',
    expected: { graph: '+41 791234567', region: 'CH' },
  },
  { label: 'CH fixed line', input: '+41 44 668 18 00', country: null, expected: { graph: '+41 446681800' } },
  // Austria
  {
    label: 'AT mobile, national',
    input: '0664 1234567',
    country: 'AT',
    expected: { graph: '+43 6641234567', region: 'AT' },
  },
  {
    label: 'AT fixed line Vienna',
    input: '+43 1 5321234',
    country: null,
    expected: { graph: '+43 15321234' },
  },
  // India
  {
    label: 'IN mobile, national with trunk 0',
    input: '098765 43210',
    country: 'IN',
    expected: { graph: '+91 9876543210', region: 'IN' },
  },
  {
    label: 'IN mobile, +91 with dash',
    input: '+91 98765-43210',
    country: null,
    expected: { graph: '+91 9876543210' },
  },
  // Australia
  {
    label: 'AU fictional mobile 0491 570',
    input: '0491 570 156',
    country: 'AU',
    expected: { graph: '+61 491570156', region: 'AU' },
  },
  {
    label: 'AU fictional fixed, duplicated trunk prefix',
    input: '+61 (0)2 5550 1234',
    country: null,
    expected: { graph: '+61 255501234' },
  },
  // Brazil
  {
    label: 'BR mobile, national with area code in parentheses',
    input: '(11) 91234-5678',
    country: 'BR',
    expected: { graph: '+55 11912345678', region: 'BR' },
  },
  // Japan
  {
    label: 'JP mobile, national',
    input: '090-1234-5678',
    country: 'JP',
    expected: { graph: '+81 9012345678', region: 'JP' },
  },
  {
    label: 'JP fixed line Tokyo',
    input: '+81 3-1234-5678',
    country: null,
    expected: { graph: '+81 312345678' },
  },
  // Italy: the leading 0 belongs to the number and must survive
  {
    label: 'IT fixed line keeps its leading 0',
    input: '+39 06 1234 5678',
    country: null,
    expected: { graph: '+39 0612345678', region: 'IT' },
  },
  // Country codes, emptiness, garbage
  {
    label: 'unassigned country code +999',
    input: '+999 1234567',
    country: null,
    expected: { invalid: 'invalidCountryCode' },
  },
  {
    label: 'country code +0',
    input: '+0 1234567',
    country: null,
    expected: { invalid: 'invalidCountryCode' },
  },
  { label: 'placeholder text', input: 'n/a', country: 'DE', expected: { invalid: 'notANumber' } },
  { label: 'plus sign only', input: '+', country: null, expected: { invalid: 'notANumber' } },
  {
    label: 'absurdly long input',
    input: `+49 170 1234567${' 0'.repeat(30)}`,
    country: null,
    expected: { invalid: 'tooLongInput' },
  },
  { label: 'empty string', input: '', country: 'DE', expected: 'empty' },
  { label: 'whitespace only', input: ' \t\u00a0\u3000 ', country: 'DE', expected: 'empty' },
  { label: 'null', input: null, country: 'DE', expected: 'empty' },
  { label: 'undefined', input: undefined, country: null, expected: 'empty' },
];
