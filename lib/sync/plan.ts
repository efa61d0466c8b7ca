/**
 * The sync decision (DESIGN.md §3 "Plan, then act"): from the normalized attribute, the user's current phone
 * methods and the run's policy, decide `create | update | remove | none` and why. Pure: no I/O, no clock,
 * so every rule is reachable from a unit test and an activity that runs twice decides the same thing twice.
 */
import { type PhoneMethod, type PhoneType } from '../graph/phoneMethods';
import { samePhoneNumber } from '../phone/compare';
import { looksMasked, maskedConsistentWith } from '../phone/mask';
import { normalizePhoneNumber, type NormalizedPhone } from '../phone/normalize';
import { type SyncPlan, type SyncPolicy } from './types';

/** Only office numbers may carry an extension (reference/graph.md §1.1: mobile numbers receive SMS). */
export function allowsExtension(phoneType: PhoneType): boolean {
  return phoneType === 'office';
}

/** Normalizes an attribute value the way a run's policy says: its default country, its phone type's rules. */
export function normalizeForPolicy(
  raw: string | null | undefined,
  policy: Pick<SyncPolicy, 'defaultCountry' | 'phoneType'>,
): NormalizedPhone {
  return normalizePhoneNumber(raw, {
    defaultCountry: policy.defaultCountry,
    allowExtension: allowsExtension(policy.phoneType),
  });
}

export function planPhoneSync(input: {
  attribute: NormalizedPhone;
  methods: readonly PhoneMethod[];
  policy: SyncPolicy;
}): SyncPlan {
  const { attribute, methods, policy } = input;
  const type = policy.phoneType;
  // One method per type (graph.md §1.1): the method of the policy's type is the one we keep in sync.
  const method = methods.find((m) => m.phoneType === type);
  const current = method === undefined ? {} : { current: method.phoneNumber };
  const hasType = (t: PhoneType): boolean => methods.some((m) => m.phoneType === t);

  if (attribute.kind === 'invalid' || (attribute.kind === 'valid' && !extensionFits(attribute, type))) {
    return { action: 'none', reason: 'attributeInvalid', outcome: 'invalid', ...current };
  }

  if (attribute.kind === 'empty') {
    if (policy.emptyAttribute === 'keep') {
      return { action: 'none', reason: 'attributeEmptyKeep', outcome: 'skipped', ...current };
    }
    if (method === undefined) {
      return { action: 'none', reason: 'attributeEmptyNothingToRemove', outcome: 'unchanged' };
    }
    // graph.md §2.5: a mobile cannot be removed while an alternateMobile exists.
    if (type === 'mobile' && hasType('alternateMobile')) {
      return { action: 'none', reason: 'mobileRequiredByAlternate', outcome: 'skipped', ...current };
    }
    return { action: 'remove', reason: 'attributeEmptyRemove', ...current };
  }

  const target = attribute.graph;
  if (method === undefined) {
    // graph.md §1.1/§2.3: alternateMobile requires an existing mobile.
    if (type === 'alternateMobile' && !hasType('mobile')) {
      return { action: 'none', reason: 'alternateMobileRequiresMobile', outcome: 'skipped' };
    }
    return { action: 'create', reason: 'methodMissing', target };
  }

  // A masked reading is never evidence of equality, and only evidence of a difference when what it shows
  // contradicts the target.
  if (looksMasked(method.phoneNumber)) {
    if (!maskedConsistentWith(method.phoneNumber, target)) {
      return { action: 'update', reason: 'numberDiffers', target, ...current };
    }
    if (policy.maskedRead === 'overwrite') {
      return { action: 'update', reason: 'maskedReadOverwrite', target, ...current };
    }
    return { action: 'none', reason: 'maskedReadSkip', outcome: 'skipped', ...current };
  }

  if (samePhoneNumber(method.phoneNumber, target)) {
    return { action: 'none', reason: 'inSync', outcome: 'unchanged', ...current };
  }
  return { action: 'update', reason: 'numberDiffers', target, ...current };
}

/** Defence in depth: a caller that normalized with extensions allowed must not get one onto a mobile. */
function extensionFits(attribute: Extract<NormalizedPhone, { kind: 'valid' }>, type: PhoneType): boolean {
  return attribute.extension === undefined || allowsExtension(type);
}
