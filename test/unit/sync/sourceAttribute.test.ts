import { describe, expect, it } from 'vitest';
import { type GraphUser } from '../../../lib/graph/gateway';
import {
  parseSourceAttribute,
  readSourceValue,
  type SourceAttribute,
} from '../../../lib/sync/sourceAttribute';

function parsed(spec: string): SourceAttribute {
  const result = parseSourceAttribute(spec);
  if (!result.ok) throw new Error(`expected ${spec} to parse: ${result.error}`);
  return result.value;
}

const APP_ID = 'b7d8e648520f41d3b9c0fdeb91b3b8bd';

describe('parseSourceAttribute (DESIGN.md §3 Source, graph.md §4)', () => {
  it('accepts onPremisesExtensionAttributes.extensionAttribute1 … 15 in long and short form', () => {
    for (let index = 1; index <= 15; index++) {
      const expected = {
        kind: 'extensionAttribute',
        index,
        select: 'onPremisesExtensionAttributes',
        path: `onPremisesExtensionAttributes.extensionAttribute${index}`,
      };
      expect(parsed(`onPremisesExtensionAttributes.extensionAttribute${index}`)).toEqual(expected);
      expect(parsed(`extensionAttribute${index}`)).toEqual(expected);
    }
  });

  it('accepts any letter case and surrounding whitespace, returning the canonical spelling', () => {
    expect(parsed('  EXTENSIONATTRIBUTE15 ')).toMatchObject({
      index: 15,
      select: 'onPremisesExtensionAttributes',
    });
    expect(parsed('onpremisesextensionattributes.extensionattribute7')).toMatchObject({
      path: 'onPremisesExtensionAttributes.extensionAttribute7',
    });
    expect(parsed('MobilePhone')).toEqual({
      kind: 'mobilePhone',
      select: 'mobilePhone',
      path: 'mobilePhone',
    });
  });

  it('accepts mobilePhone', () => {
    expect(parsed('mobilePhone')).toEqual({
      kind: 'mobilePhone',
      select: 'mobilePhone',
      path: 'mobilePhone',
    });
  });

  it('accepts a directory extension with a 32-hex app id and a name of letters, digits and underscores', () => {
    expect(parsed(`extension_${APP_ID}_mfaPhone`)).toEqual({
      kind: 'directoryExtension',
      select: `extension_${APP_ID}_mfaPhone`,
      path: `extension_${APP_ID}_mfaPhone`,
    });
    expect(parsed(`extension_${APP_ID.toUpperCase()}_mfa_Phone_2`).select).toBe(
      `extension_${APP_ID}_mfa_Phone_2`,
    );
  });

  it.each([
    ['empty', ''],
    ['index 0', 'extensionAttribute0'],
    ['index 16', 'extensionAttribute16'],
    ['leading zero', 'extensionAttribute01'],
    ['no index', 'extensionAttribute'],
    ['other on-premises property', 'onPremisesSamAccountName'],
    ['other user property', 'businessPhones'],
    ['app id with dashes', 'extension_b7d8e648-520f-41d3-b9c0-fdeb91b3b8bd_mfaPhone'],
    ['app id too short', 'extension_b7d8e648520f41d3_mfaPhone'],
    ['app id not hex', 'extension_z7d8e648520f41d3b9c0fdeb91b3b8bd_mfaPhone'],
    ['name with a dash', `extension_${APP_ID}_mfa-phone`],
    ['missing name', `extension_${APP_ID}_`],
    ['path injection', 'mobilePhone,passwordProfile'],
    ['OData injection', 'mobilePhone&$expand=manager'],
  ])('rejects %s with a message that lists what is accepted', (_name, spec) => {
    const result = parseSourceAttribute(spec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('extensionAttribute1');
    expect(result.error).toContain('mobilePhone');
    expect(result.error).toContain('extension_<');
  });

  it('explains that the app id must be written without dashes', () => {
    const result = parseSourceAttribute('extension_b7d8e648-520f-41d3-b9c0-fdeb91b3b8bd_mfaPhone');
    expect(result.ok ? '' : result.error).toMatch(/without (dashes|them)/);
  });

  it('says which extension attribute does not exist', () => {
    const result = parseSourceAttribute('extensionAttribute16');
    expect(result.ok ? '' : result.error).toContain('extensionAttribute16 does not exist');
  });
});

describe('readSourceValue (graph.md §4.1, §4.2)', () => {
  const attributes = Object.fromEntries(
    Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null as string | null]),
  );
  const user = (extra: Record<string, unknown>): GraphUser => ({
    id: 'u1',
    userPrincipalName: 'a@contoso.com',
    ...extra,
  });

  it('reads the numbered attribute from onPremisesExtensionAttributes, untrimmed', () => {
    const value = ' +49 (0)170 123 45 67 ';
    const u = user({ onPremisesExtensionAttributes: { ...attributes, extensionAttribute15: value } });
    expect(readSourceValue(u, parsed('extensionAttribute15'))).toBe(value);
    expect(readSourceValue(u, parsed('extensionAttribute14'))).toBeNull();
  });

  it('returns null when the attribute object is missing, null or not an object', () => {
    const source = parsed('extensionAttribute15');
    expect(readSourceValue(user({}), source)).toBeNull();
    expect(readSourceValue(user({ onPremisesExtensionAttributes: null }), source)).toBeNull();
    expect(readSourceValue(user({ onPremisesExtensionAttributes: 'x' }), source)).toBeNull();
  });

  it('returns null for non-string values and keeps an empty string as it is', () => {
    const source = parsed('mobilePhone');
    expect(readSourceValue(user({ mobilePhone: 491701234567 }), source)).toBeNull();
    expect(readSourceValue(user({ mobilePhone: ['+49'] }), source)).toBeNull();
    expect(readSourceValue(user({ mobilePhone: null }), source)).toBeNull();
    expect(readSourceValue(user({ mobilePhone: '' }), source)).toBe('');
  });

  it('reads mobilePhone and directory extensions', () => {
    expect(readSourceValue(user({ mobilePhone: '+1 202 555 0143' }), parsed('mobilePhone'))).toBe(
      '+1 202 555 0143',
    );
    const name = `extension_${APP_ID}_mfaPhone`;
    expect(readSourceValue(user({ [name]: '0170 1234567' }), parsed(name))).toBe('0170 1234567');
  });

  it('finds a property whose case differs from the configured spelling', () => {
    const source = parsed(`extension_${APP_ID}_MFAPHONE`);
    expect(readSourceValue(user({ [`extension_${APP_ID}_mfaPhone`]: 'value' }), source)).toBe('value');
    expect(
      readSourceValue(
        user({ onpremisesextensionattributes: { extensionattribute3: 'v' } }),
        parsed('extensionAttribute3'),
      ),
    ).toBe('v');
  });

  it('does not read inherited properties', () => {
    const u = Object.create({ mobilePhone: 'inherited' }) as GraphUser;
    u.id = 'u1';
    expect(readSourceValue(u, parsed('mobilePhone'))).toBeNull();
  });
});
