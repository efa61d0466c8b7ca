import { describe, expect, it } from 'vitest';
import {
  PHONE_METHOD_IDS,
  PHONE_TYPES,
  type PhoneMethod,
  type PhoneType,
} from '../../../lib/graph/phoneMethods';
import { looksMasked } from '../../../lib/phone/mask';
import { normalizePhoneNumber, type NormalizedPhone } from '../../../lib/phone/normalize';
import { allowsExtension, normalizeForPolicy, planPhoneSync } from '../../../lib/sync/plan';
import { type SyncPlan, type SyncPolicy } from '../../../lib/sync/types';

// Fixture numbers (mobile, Germany). Test names never contain them.
const TARGET = '+49 1701234567';
const SAME_NO_SPACE = '+491701234567';
const OTHER = '+49 1701234568';
const MASKED_MAYBE = '+49 ********67'; // agrees with TARGET
const MASKED_DIFFERENT = '+49 ********99'; // visible tail contradicts TARGET
const MASKED_OTHER_COUNTRY = '+44 ********67';

const POLICY: SyncPolicy = {
  sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
  phoneType: 'mobile',
  defaultCountry: 'DE',
  emptyAttribute: 'keep',
  maskedRead: 'skip',
};

const EMPTY: NormalizedPhone = { kind: 'empty' };
const INVALID: NormalizedPhone = { kind: 'invalid', reason: 'notValidForRegion' };
const VALID = normalizePhoneNumber('0170 1234567', { defaultCountry: 'DE', allowExtension: false });

function method(phoneType: PhoneType, phoneNumber: string): PhoneMethod {
  return { id: PHONE_METHOD_IDS[phoneType], phoneType, phoneNumber, smsSignInState: 'notConfigured' };
}

function plan(
  attribute: NormalizedPhone,
  methods: PhoneMethod[],
  policy: Partial<SyncPolicy> = {},
): SyncPlan {
  return planPhoneSync({ attribute, methods, policy: { ...POLICY, ...policy } });
}

describe('planPhoneSync: each rule (DESIGN.md §3, graph.md §1–2)', () => {
  it('DESIGN.md §3 Plan: a missing method of the policy type is created with the Graph form', () => {
    expect(plan(VALID, [])).toEqual({ action: 'create', reason: 'methodMissing', target: TARGET });
  });

  it('DESIGN.md §3 Compare digits: the same number written differently is unchanged, not rewritten', () => {
    expect(plan(VALID, [method('mobile', SAME_NO_SPACE)])).toEqual({
      action: 'none',
      reason: 'inSync',
      outcome: 'unchanged',
      current: SAME_NO_SPACE,
    });
    expect(plan(VALID, [method('mobile', TARGET)])).toMatchObject({ action: 'none', reason: 'inSync' });
  });

  it('DESIGN.md §3 Compare digits: a different number is updated', () => {
    expect(plan(VALID, [method('mobile', OTHER)])).toEqual({
      action: 'update',
      reason: 'numberDiffers',
      target: TARGET,
      current: OTHER,
    });
  });

  it('DESIGN.md §3 Compare digits: an unreadable current number is replaced', () => {
    expect(plan(VALID, [method('mobile', 'garbage')])).toMatchObject({
      action: 'update',
      reason: 'numberDiffers',
    });
  });

  it('DESIGN.md §3 Normalization: an invalid attribute is reported invalid and never written', () => {
    for (const methods of [[], [method('mobile', OTHER)], [method('mobile', TARGET)]]) {
      for (const emptyAttribute of ['keep', 'remove'] as const) {
        const result = plan(INVALID, methods, { emptyAttribute, maskedRead: 'overwrite' });
        expect(result).toMatchObject({ action: 'none', reason: 'attributeInvalid', outcome: 'invalid' });
        expect(result.target).toBeUndefined();
      }
    }
  });

  it('DESIGN.md §3 Empty attribute, policy keep (default): the method is left alone and the user skipped', () => {
    expect(plan(EMPTY, [method('mobile', OTHER)])).toEqual({
      action: 'none',
      reason: 'attributeEmptyKeep',
      outcome: 'skipped',
      current: OTHER,
    });
    expect(plan(EMPTY, [])).toEqual({ action: 'none', reason: 'attributeEmptyKeep', outcome: 'skipped' });
  });

  it('DESIGN.md §3 Empty attribute, policy remove: the method is removed', () => {
    expect(plan(EMPTY, [method('mobile', OTHER)], { emptyAttribute: 'remove' })).toEqual({
      action: 'remove',
      reason: 'attributeEmptyRemove',
      current: OTHER,
    });
  });

  it('DESIGN.md §3 Empty attribute, policy remove: nothing to remove is unchanged', () => {
    expect(plan(EMPTY, [method('office', OTHER)], { emptyAttribute: 'remove' })).toEqual({
      action: 'none',
      reason: 'attributeEmptyNothingToRemove',
      outcome: 'unchanged',
    });
  });

  it('DESIGN.md §3 Empty attribute, policy remove: a masked reading is removed too (no comparison needed)', () => {
    expect(plan(EMPTY, [method('mobile', MASKED_MAYBE)], { emptyAttribute: 'remove' })).toMatchObject({
      action: 'remove',
      reason: 'attributeEmptyRemove',
    });
  });

  it('graph.md §1.1 one method per type: only the method of the policy type is compared', () => {
    // The attribute's number already sits on the office phone: the mobile is still missing.
    expect(plan(VALID, [method('office', TARGET), method('alternateMobile', OTHER)])).toMatchObject({
      action: 'create',
      reason: 'methodMissing',
    });
    expect(plan(VALID, [method('office', OTHER), method('mobile', TARGET)])).toMatchObject({
      action: 'none',
      reason: 'inSync',
    });
    expect(plan(VALID, [method('mobile', OTHER)], { phoneType: 'office' })).toMatchObject({
      action: 'create',
      reason: 'methodMissing',
    });
  });

  it('graph.md §1.1/§2.3 alternateMobile needs a mobile: without one it is skipped, not created', () => {
    expect(plan(VALID, [], { phoneType: 'alternateMobile' })).toEqual({
      action: 'none',
      reason: 'alternateMobileRequiresMobile',
      outcome: 'skipped',
    });
    expect(plan(VALID, [method('office', OTHER)], { phoneType: 'alternateMobile' })).toMatchObject({
      reason: 'alternateMobileRequiresMobile',
    });
  });

  it('graph.md §1.1/§2.3 alternateMobile with an existing mobile is created', () => {
    expect(plan(VALID, [method('mobile', OTHER)], { phoneType: 'alternateMobile' })).toEqual({
      action: 'create',
      reason: 'methodMissing',
      target: TARGET,
    });
  });

  it('graph.md §2.5 a mobile cannot be removed while an alternateMobile exists: skipped', () => {
    expect(
      plan(EMPTY, [method('mobile', OTHER), method('alternateMobile', TARGET)], { emptyAttribute: 'remove' }),
    ).toEqual({ action: 'none', reason: 'mobileRequiredByAlternate', outcome: 'skipped', current: OTHER });
  });

  it('graph.md §2.5 the alternateMobile itself can be removed while the mobile stays', () => {
    expect(
      plan(EMPTY, [method('mobile', OTHER), method('alternateMobile', TARGET)], {
        emptyAttribute: 'remove',
        phoneType: 'alternateMobile',
      }),
    ).toEqual({ action: 'remove', reason: 'attributeEmptyRemove', current: TARGET });
  });

  it('graph.md §2.4 a mobile can be updated while an alternateMobile exists', () => {
    expect(plan(VALID, [method('mobile', OTHER), method('alternateMobile', OTHER)])).toMatchObject({
      action: 'update',
      reason: 'numberDiffers',
    });
  });

  it('DESIGN.md §3 Masked reads: a masked number that certainly differs is updated', () => {
    for (const masked of [MASKED_DIFFERENT, MASKED_OTHER_COUNTRY]) {
      for (const maskedRead of ['skip', 'overwrite'] as const) {
        expect(plan(VALID, [method('mobile', masked)], { maskedRead })).toEqual({
          action: 'update',
          reason: 'numberDiffers',
          target: TARGET,
          current: masked,
        });
      }
    }
  });

  it('DESIGN.md §3 Masked reads: a masked number that might match is skipped under policy skip', () => {
    expect(plan(VALID, [method('mobile', MASKED_MAYBE)], { maskedRead: 'skip' })).toEqual({
      action: 'none',
      reason: 'maskedReadSkip',
      outcome: 'skipped',
      current: MASKED_MAYBE,
    });
  });

  it('DESIGN.md §3 Masked reads: a masked number that might match is overwritten under policy overwrite', () => {
    expect(plan(VALID, [method('mobile', MASKED_MAYBE)], { maskedRead: 'overwrite' })).toEqual({
      action: 'update',
      reason: 'maskedReadOverwrite',
      target: TARGET,
      current: MASKED_MAYBE,
    });
  });

  it('DESIGN.md §3 Masked reads: equality is never decided from a masked read', () => {
    for (const masked of ['+49 XXXXXXXX67', '+49 17******67', '+49 170…67', '+4917XXXXXX67']) {
      for (const maskedRead of ['skip', 'overwrite'] as const) {
        const result = plan(VALID, [method('mobile', masked)], { maskedRead });
        expect(result.reason).not.toBe('inSync');
        expect(result.outcome).not.toBe('unchanged');
      }
    }
  });

  it('graph.md §1.1 extensions: only office numbers allow one', () => {
    expect(PHONE_TYPES.filter(allowsExtension)).toEqual(['office']);
  });

  it('graph.md §1.1 extensions: an office number is written with x<ext>', () => {
    const policy = { ...POLICY, phoneType: 'office' as const };
    const attribute = normalizeForPolicy('+49 30 12345678 ext. 12', policy);
    expect(planPhoneSync({ attribute, methods: [], policy })).toEqual({
      action: 'create',
      reason: 'methodMissing',
      target: '+49 3012345678x12',
    });
    expect(
      planPhoneSync({ attribute, methods: [method('office', '+49 3012345678x12')], policy }),
    ).toMatchObject({ action: 'none', reason: 'inSync' });
    expect(planPhoneSync({ attribute, methods: [method('office', '+49 3012345678')], policy })).toMatchObject(
      {
        action: 'update',
        reason: 'numberDiffers',
      },
    );
  });

  it('graph.md §1.1 extensions: a mobile attribute with an extension is invalid, whoever normalized it', () => {
    expect(normalizeForPolicy('+49 30 12345678 x12', POLICY)).toEqual({
      kind: 'invalid',
      reason: 'extensionNotAllowed',
    });
    // A caller that normalized with extensions allowed must still not get one onto a mobile.
    const withExtension = normalizePhoneNumber('+49 30 12345678 x12', {
      defaultCountry: null,
      allowExtension: true,
    });
    expect(plan(withExtension, [])).toMatchObject({
      action: 'none',
      reason: 'attributeInvalid',
      outcome: 'invalid',
    });
  });

  it('normalizeForPolicy uses the default country of the policy', () => {
    expect(normalizeForPolicy('0170 1234567', POLICY)).toMatchObject({ kind: 'valid', graph: TARGET });
    expect(normalizeForPolicy('0170 1234567', { ...POLICY, defaultCountry: null })).toEqual({
      kind: 'invalid',
      reason: 'needsCountry',
    });
  });

  it('is pure: inputs are not modified and the same input gives the same plan', () => {
    const methods = Object.freeze([Object.freeze(method('mobile', OTHER))]);
    const policy = Object.freeze({ ...POLICY });
    const attribute = Object.freeze({ ...VALID });
    const first = planPhoneSync({ attribute, methods, policy });
    expect(planPhoneSync({ attribute, methods, policy })).toEqual(first);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Table: attribute kind × existing methods × policy

type AttributeKind = 'empty' | 'invalid' | 'valid';
const ATTRIBUTES: Record<AttributeKind, NormalizedPhone> = { empty: EMPTY, invalid: INVALID, valid: VALID };

/** Method sets, described without numbers. */
const METHOD_SETS: Record<string, PhoneMethod[]> = {
  'no methods': [],
  'mobile same': [method('mobile', SAME_NO_SPACE)],
  'mobile different': [method('mobile', OTHER)],
  'mobile masked, might match': [method('mobile', MASKED_MAYBE)],
  'mobile masked, differs': [method('mobile', MASKED_DIFFERENT)],
  'mobile different + alternate same': [method('mobile', OTHER), method('alternateMobile', TARGET)],
  'mobile same + alternate different': [method('mobile', TARGET), method('alternateMobile', OTHER)],
  'alternate only (mobile deleted elsewhere)': [method('alternateMobile', OTHER)],
  'office same only': [method('office', TARGET)],
  'all three different': [method('mobile', OTHER), method('alternateMobile', OTHER), method('office', OTHER)],
};

type Expect = readonly [SyncPlan['action'], SyncPlan['reason']];
interface TableRow {
  attribute: AttributeKind;
  methods: keyof typeof METHOD_SETS;
  policy: Partial<SyncPolicy>;
  expected: Expect;
}

const KEEP = { emptyAttribute: 'keep' } as const;
const REMOVE = { emptyAttribute: 'remove' } as const;
const SKIP = { maskedRead: 'skip' } as const;
const OVERWRITE = { maskedRead: 'overwrite' } as const;
const ALT = { phoneType: 'alternateMobile' } as const;
const OFFICE = { phoneType: 'office' } as const;

const TABLE: TableRow[] = [
  // mobile, valid attribute
  { attribute: 'valid', methods: 'no methods', policy: {}, expected: ['create', 'methodMissing'] },
  { attribute: 'valid', methods: 'mobile same', policy: {}, expected: ['none', 'inSync'] },
  { attribute: 'valid', methods: 'mobile different', policy: {}, expected: ['update', 'numberDiffers'] },
  {
    attribute: 'valid',
    methods: 'mobile masked, might match',
    policy: SKIP,
    expected: ['none', 'maskedReadSkip'],
  },
  {
    attribute: 'valid',
    methods: 'mobile masked, might match',
    policy: OVERWRITE,
    expected: ['update', 'maskedReadOverwrite'],
  },
  {
    attribute: 'valid',
    methods: 'mobile masked, differs',
    policy: SKIP,
    expected: ['update', 'numberDiffers'],
  },
  {
    attribute: 'valid',
    methods: 'mobile masked, differs',
    policy: OVERWRITE,
    expected: ['update', 'numberDiffers'],
  },
  {
    attribute: 'valid',
    methods: 'mobile different + alternate same',
    policy: {},
    expected: ['update', 'numberDiffers'],
  },
  {
    attribute: 'valid',
    methods: 'mobile same + alternate different',
    policy: {},
    expected: ['none', 'inSync'],
  },
  {
    attribute: 'valid',
    methods: 'alternate only (mobile deleted elsewhere)',
    policy: {},
    expected: ['create', 'methodMissing'],
  },
  { attribute: 'valid', methods: 'office same only', policy: {}, expected: ['create', 'methodMissing'] },
  { attribute: 'valid', methods: 'all three different', policy: {}, expected: ['update', 'numberDiffers'] },
  // mobile, empty attribute
  { attribute: 'empty', methods: 'no methods', policy: KEEP, expected: ['none', 'attributeEmptyKeep'] },
  {
    attribute: 'empty',
    methods: 'no methods',
    policy: REMOVE,
    expected: ['none', 'attributeEmptyNothingToRemove'],
  },
  { attribute: 'empty', methods: 'mobile different', policy: KEEP, expected: ['none', 'attributeEmptyKeep'] },
  {
    attribute: 'empty',
    methods: 'mobile different',
    policy: REMOVE,
    expected: ['remove', 'attributeEmptyRemove'],
  },
  {
    attribute: 'empty',
    methods: 'mobile masked, might match',
    policy: REMOVE,
    expected: ['remove', 'attributeEmptyRemove'],
  },
  {
    attribute: 'empty',
    methods: 'mobile different + alternate same',
    policy: REMOVE,
    expected: ['none', 'mobileRequiredByAlternate'],
  },
  {
    attribute: 'empty',
    methods: 'mobile different + alternate same',
    policy: KEEP,
    expected: ['none', 'attributeEmptyKeep'],
  },
  {
    attribute: 'empty',
    methods: 'office same only',
    policy: REMOVE,
    expected: ['none', 'attributeEmptyNothingToRemove'],
  },
  // mobile, invalid attribute
  { attribute: 'invalid', methods: 'no methods', policy: {}, expected: ['none', 'attributeInvalid'] },
  {
    attribute: 'invalid',
    methods: 'mobile different',
    policy: REMOVE,
    expected: ['none', 'attributeInvalid'],
  },
  {
    attribute: 'invalid',
    methods: 'mobile masked, differs',
    policy: OVERWRITE,
    expected: ['none', 'attributeInvalid'],
  },
  // alternateMobile
  {
    attribute: 'valid',
    methods: 'no methods',
    policy: ALT,
    expected: ['none', 'alternateMobileRequiresMobile'],
  },
  {
    attribute: 'valid',
    methods: 'office same only',
    policy: ALT,
    expected: ['none', 'alternateMobileRequiresMobile'],
  },
  { attribute: 'valid', methods: 'mobile different', policy: ALT, expected: ['create', 'methodMissing'] },
  {
    attribute: 'valid',
    methods: 'mobile different + alternate same',
    policy: ALT,
    expected: ['none', 'inSync'],
  },
  {
    attribute: 'valid',
    methods: 'mobile same + alternate different',
    policy: ALT,
    expected: ['update', 'numberDiffers'],
  },
  {
    attribute: 'valid',
    methods: 'alternate only (mobile deleted elsewhere)',
    policy: ALT,
    expected: ['update', 'numberDiffers'],
  },
  {
    attribute: 'empty',
    methods: 'mobile same + alternate different',
    policy: { ...ALT, ...REMOVE },
    expected: ['remove', 'attributeEmptyRemove'],
  },
  {
    attribute: 'empty',
    methods: 'mobile different',
    policy: { ...ALT, ...REMOVE },
    expected: ['none', 'attributeEmptyNothingToRemove'],
  },
  {
    attribute: 'empty',
    methods: 'mobile same + alternate different',
    policy: { ...ALT, ...KEEP },
    expected: ['none', 'attributeEmptyKeep'],
  },
  { attribute: 'invalid', methods: 'no methods', policy: ALT, expected: ['none', 'attributeInvalid'] },
  // office
  { attribute: 'valid', methods: 'no methods', policy: OFFICE, expected: ['create', 'methodMissing'] },
  { attribute: 'valid', methods: 'office same only', policy: OFFICE, expected: ['none', 'inSync'] },
  {
    attribute: 'valid',
    methods: 'all three different',
    policy: OFFICE,
    expected: ['update', 'numberDiffers'],
  },
  { attribute: 'valid', methods: 'mobile same', policy: OFFICE, expected: ['create', 'methodMissing'] },
  {
    attribute: 'empty',
    methods: 'all three different',
    policy: { ...OFFICE, ...REMOVE },
    expected: ['remove', 'attributeEmptyRemove'],
  },
  {
    attribute: 'empty',
    methods: 'mobile same',
    policy: { ...OFFICE, ...REMOVE },
    expected: ['none', 'attributeEmptyNothingToRemove'],
  },
  {
    attribute: 'invalid',
    methods: 'office same only',
    policy: OFFICE,
    expected: ['none', 'attributeInvalid'],
  },
];

const OUTCOME_OF_NONE: Partial<Record<SyncPlan['reason'], SyncPlan['outcome']>> = {
  inSync: 'unchanged',
  attributeEmptyNothingToRemove: 'unchanged',
  attributeEmptyKeep: 'skipped',
  attributeInvalid: 'invalid',
  maskedReadSkip: 'skipped',
  alternateMobileRequiresMobile: 'skipped',
  mobileRequiredByAlternate: 'skipped',
};

function describePolicy(policy: Partial<SyncPolicy>): string {
  const parts = Object.entries(policy).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? 'default policy' : parts.join(', ');
}

describe('planPhoneSync: table of attribute kind × existing methods × policy', () => {
  it.each(
    TABLE.map(
      (row) =>
        [
          `${row.attribute} attribute, ${row.methods}, ${describePolicy(row.policy)} → ${row.expected.join('/')}`,
          row,
        ] as const,
    ),
  )('%s', (_name, row) => {
    const result = plan(ATTRIBUTES[row.attribute], METHOD_SETS[row.methods] ?? [], row.policy);
    expect([result.action, result.reason]).toEqual(row.expected);
    if (result.action === 'none') {
      expect(result.outcome).toBe(OUTCOME_OF_NONE[result.reason]);
      expect(result.target).toBeUndefined();
    } else {
      expect(result.outcome).toBeUndefined();
    }
    if (result.action === 'create' || result.action === 'update') expect(result.target).toBe(TARGET);
    const type = { ...POLICY, ...row.policy }.phoneType;
    const current = (METHOD_SETS[row.methods] ?? []).find((m) => m.phoneType === type);
    if (result.action !== 'create' && result.reason !== 'alternateMobileRequiresMobile') {
      expect(result.current).toBe(current?.phoneNumber);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Invariants over the whole cross product

/** What Graph would hold after the plan is carried out (graph.md §2.3–2.5). */
function apply(methods: readonly PhoneMethod[], type: PhoneType, result: SyncPlan): PhoneMethod[] {
  const others = methods.filter((m) => m.phoneType !== type);
  switch (result.action) {
    case 'create':
    case 'update':
      return [...others, method(type, result.target ?? '')];
    case 'remove':
      return others;
    case 'none':
      return [...methods];
  }
}

describe('planPhoneSync: invariants over every attribute × method set × policy', () => {
  const combos = Object.entries(ATTRIBUTES).flatMap(([attributeName, attribute]) =>
    Object.entries(METHOD_SETS).flatMap(([methodsName, methods]) =>
      PHONE_TYPES.flatMap((phoneType) =>
        (['keep', 'remove'] as const).flatMap((emptyAttribute) =>
          (['skip', 'overwrite'] as const).map((maskedRead) => ({
            name: `${attributeName} / ${methodsName} / ${phoneType} / ${emptyAttribute} / ${maskedRead}`,
            attribute,
            methods,
            policy: { ...POLICY, phoneType, emptyAttribute, maskedRead },
          })),
        ),
      ),
    ),
  );

  it('covers the full cross product', () => {
    expect(combos).toHaveLength(3 * Object.keys(METHOD_SETS).length * 3 * 2 * 2);
  });

  it('never writes from an invalid or empty-keep attribute, and only removes under policy remove', () => {
    for (const c of combos) {
      const result = planPhoneSync(c);
      if (c.attribute.kind === 'invalid') expect(result.action, c.name).toBe('none');
      if (c.attribute.kind === 'empty') expect(['none', 'remove'], c.name).toContain(result.action);
      if (result.action === 'remove') expect(c.policy.emptyAttribute, c.name).toBe('remove');
    }
  });

  it('writes only valid Graph forms, never a masked one', () => {
    for (const c of combos) {
      const result = planPhoneSync(c);
      if (result.action !== 'create' && result.action !== 'update') continue;
      expect(result.target, c.name).toMatch(/^\+\d{1,3} \d+(x\d+)?$/);
      expect(looksMasked(result.target ?? ''), c.name).toBe(false);
    }
  });

  it('never reports in sync when the current number is masked', () => {
    for (const c of combos) {
      const result = planPhoneSync(c);
      if (result.current !== undefined && looksMasked(result.current))
        expect(result.reason, c.name).not.toBe('inSync');
    }
  });

  it('respects Graph rules: no alternateMobile without mobile, no mobile removal under an alternateMobile', () => {
    for (const c of combos) {
      const after = apply(c.methods, c.policy.phoneType, planPhoneSync(c));
      const hadAlternateWithoutMobile =
        c.methods.some((m) => m.phoneType === 'alternateMobile') &&
        !c.methods.some((m) => m.phoneType === 'mobile');
      if (!hadAlternateWithoutMobile && after.some((m) => m.phoneType === 'alternateMobile')) {
        expect(
          after.some((m) => m.phoneType === 'mobile'),
          c.name,
        ).toBe(true);
      }
      expect(new Set(after.map((m) => m.phoneType)).size, c.name).toBe(after.length);
    }
  });

  it('converges: after carrying out a plan, planning again changes nothing (DESIGN.md §3 Idempotent)', () => {
    for (const c of combos) {
      const first = planPhoneSync(c);
      const after = apply(c.methods, c.policy.phoneType, first);
      const second = planPhoneSync({ ...c, methods: after });
      expect(second.action, `${c.name}: ${first.action} then ${second.action}`).toBe('none');
    }
  });
});
