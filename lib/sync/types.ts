import { type PhoneType } from '../graph/phoneMethods';

/** ISO 3166-1 alpha-2 region code as libphonenumber-js knows it (e.g. `DE`, `US`). */
export type RegionCode = string;

/**
 * The rules one run applies. Captured once when a run starts (and carried in the orchestration input) so
 * that every user of a run is treated alike even if settings change mid-run.
 */
export interface SyncPolicy {
  /**
   * Where the authoritative number lives: `onPremisesExtensionAttributes.extensionAttribute1..15`,
   * `mobilePhone`, or a directory extension `extension_<appId>_<name>`.
   */
  sourceAttribute: string;
  /** The phone method kept equal to the attribute. */
  phoneType: PhoneType;
  /** Region used to read national numbers (`0170 1234567` with `DE`); null means only `+`/`00` numbers. */
  defaultCountry: RegionCode | null;
  /** What to do when the attribute is empty: leave the method alone, or remove it. */
  emptyAttribute: 'keep' | 'remove';
  /** What to do when Graph returns a masked number that might or might not match: skip, or overwrite. */
  maskedRead: 'skip' | 'overwrite';
}

export type PlanAction = 'create' | 'update' | 'remove' | 'none';

/**
 * Why the plan is what it is. `none` plans carry the outcome the user ends with.
 */
export type PlanReason =
  | 'methodMissing' // create
  | 'numberDiffers' // update
  | 'maskedReadOverwrite' // update: current number masked, policy says overwrite
  | 'attributeEmptyRemove' // remove
  | 'inSync' // none → unchanged
  | 'attributeEmptyNothingToRemove' // none → unchanged (policy remove, no method)
  | 'attributeEmptyKeep' // none → skipped
  | 'attributeInvalid' // none → invalid
  | 'maskedReadSkip' // none → skipped
  | 'alternateMobileRequiresMobile' // none → skipped (cannot create alternateMobile without mobile)
  | 'mobileRequiredByAlternate'; // none → skipped (cannot remove mobile while alternateMobile exists)

export interface SyncPlan {
  action: PlanAction;
  reason: PlanReason;
  /** For `none`: the outcome to report. */
  outcome?: 'unchanged' | 'skipped' | 'invalid';
  /** The number to write, in Graph's form (`create`/`update` only). Never log it unmasked. */
  target?: string;
  /** The number currently held by the method of the policy's type, as read (may be masked). */
  current?: string;
}

export const OUTCOMES = [
  'created',
  'updated',
  'removed',
  'unchanged',
  'skipped',
  'invalid',
  'notFound',
  'forbidden',
  'conflict',
  'failed',
  'wouldCreate',
  'wouldUpdate',
  'wouldRemove',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What happened to one user. Safe to log and to return: numbers are masked.
 */
export interface UserOutcome {
  /** The key as submitted (UPN or object id). */
  user: string;
  /** The object id, once the user was found. */
  userId?: string;
  outcome: Outcome;
  /** Machine-readable reason (a PlanReason, a Graph error code, ...). */
  reason: string;
  /** Masked number before the run (`+49 *********67`), when there was one. */
  before?: string;
  /** Masked number after the run (or that would be written in dry-run). */
  after?: string;
  /** Human-readable, masked explanation for skipped/invalid/failed/conflict outcomes. */
  detail?: string;
}
