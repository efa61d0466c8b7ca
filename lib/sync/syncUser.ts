import { isGraphRequestError, type GraphRequestError } from '../graph/errors';
import { type GraphCallOptions, type GraphGateway } from '../graph/gateway';
import { type PhoneMethod } from '../graph/phoneMethods';
import { type Logger } from '../log';
import { type NormalizedPhone } from '../phone/normalize';
import { maskPhoneNumber } from '../phone/mask';
import { samePhoneNumber } from '../phone/compare';
import { normalizeForPolicy, planPhoneSync } from './plan';
import { type SyncUserInput } from './run';
import { parseSourceAttribute, readSourceValue, type SourceAttribute } from './sourceAttribute';
import { type SyncPlan, type UserOutcome } from './types';

/**
 * Brings one user's phone method in line with the attribute: read the attribute, read the methods, plan,
 * write (unless dry-run), and say what happened.
 *
 * Contract with the orchestrator: business results (invalid number, unknown user, conflict, ...) come
 * back as outcomes; transient failures (throttling, 5xx, timeouts, token trouble) throw so the
 * orchestrator's retry policy applies. Safe to run more than once: every attempt re-reads and re-plans,
 * so a retried or replayed activity converges and never writes needlessly.
 */
export async function syncUser(
  input: SyncUserInput,
  graph: GraphGateway,
  log: Logger,
  known?: KnownAttribute,
): Promise<UserOutcome> {
  const { user, policy } = input;
  // The invocation's logger: Graph warnings for this user then carry the activity's invocation id.
  const call: GraphCallOptions = { priority: input.priority, logger: log };
  const source = parseSourceAttribute(policy.sourceAttribute);
  if (!source.ok) throw new Error(`invalid source attribute in run policy: ${source.error}`);

  // One round trip of latency for a user that needs no write (DESIGN.md §8): when the caller's key can
  // address the phone methods itself, both reads go out together. Otherwise the methods wait for the id.
  // A value the caller already read in bulk (delta) replaces the attribute read.
  const attributeRead: Promise<Settled<{ userId: string; raw: string | null; attribute: NormalizedPhone }>> =
    known === undefined
      ? readAttribute(graph, user, source.value, policy, call)
      : Promise.resolve({
          ok: true,
          value: { userId: known.userId, raw: known.raw, attribute: normalizeForPolicy(known.raw, policy) },
        });
  const early = canAddressPhoneMethods(user) ? settle(graph.listPhoneMethods(user, call)) : undefined;
  // Whatever happens to the attribute read, an early read that is not used must not end unhandled.
  early?.catch(() => undefined);
  const found = await attributeRead;
  if (!found.ok) return permanentFailure(user, undefined, found.error, 'reading the user');
  const { userId } = found.value;
  let { raw, attribute } = found.value;

  // Neither an invalid attribute nor "empty, keep" can lead to a write: no methods are needed (and a
  // sequential read is spared Graph).
  const methodsNeeded =
    attribute.kind === 'valid' || (attribute.kind === 'empty' && policy.emptyAttribute === 'remove');
  let methods: PhoneMethod[] = [];
  if (methodsNeeded) {
    let listed = await (early ?? settle(graph.listPhoneMethods(userId, call)));
    // The UPN was renamed between the two reads: the id found is what counts.
    if (early !== undefined && !listed.ok && listed.error.kind === 'notFound')
      listed = await settle(graph.listPhoneMethods(userId, call));
    if (!listed.ok) return permanentFailure(user, userId, listed.error, 'reading the phone methods');
    methods = listed.value;
  }

  // A write refused because the method changed under us (another run, an administrator) is planned
  // again once against what Graph now holds, so that change is neither lost nor overwritten blindly.
  // A write that succeeded is followed by a re-read of the attribute (see `attributeSince`); when the
  // attribute changed meanwhile, the new value is planned and written too.
  let attempt = 1;
  let rechecks = 0;
  /** The outcome of a write already made, when the attribute then changed and is being planned again. */
  let earlier: UserOutcome | undefined;
  for (;;) {
    const plan = planPhoneSync({ attribute, methods, policy });
    // After an earlier write, "before" stays what the user had before this run, not what the run wrote.
    const base =
      earlier === undefined
        ? { user, userId, ...maskedBefore(plan) }
        : { user, userId, ...(earlier.before === undefined ? {} : { before: earlier.before }) };
    if (plan.action === 'none' && earlier !== undefined) {
      // The new value needs no write (e.g. it is now empty with "keep"): what this run did is the earlier write.
      return {
        ...earlier,
        reason: ATTRIBUTE_CHANGED,
        detail: `the attribute changed while this user was synced; its new value needs no write (${plan.reason})`,
      };
    }
    if (plan.action === 'none') {
      const outcome: UserOutcome = {
        ...base,
        outcome: plan.outcome ?? 'unchanged',
        reason: attempt > 1 && plan.outcome === 'unchanged' ? 'changedConcurrently' : plan.reason,
        ...(plan.outcome === 'invalid' ? { detail: describeInvalid(attribute, raw) } : {}),
      };
      log.debug('user needs no change', {
        runId: input.runId,
        user,
        outcome: outcome.outcome,
        reason: outcome.reason,
      });
      return outcome;
    }

    if (input.dryRun) {
      const would = { create: 'wouldCreate', update: 'wouldUpdate', remove: 'wouldRemove' } as const;
      return { ...base, outcome: would[plan.action], reason: plan.reason, ...maskedAfter(plan) };
    }

    const written = await settle(write(graph, userId, plan, input, call));
    if (written.ok) {
      const done = { create: 'created', update: 'updated', remove: 'removed' } as const;
      log.debug('user written', {
        runId: input.runId,
        user,
        outcome: done[plan.action],
        reason: plan.reason,
      });
      // Created, then corrected to the newer value: for this run the method was still created.
      const net = earlier?.outcome === 'created' && plan.action === 'update' ? 'created' : done[plan.action];
      const outcome: UserOutcome = {
        ...base,
        outcome: net,
        reason: earlier === undefined ? plan.reason : ATTRIBUTE_CHANGED,
        ...maskedAfter(plan),
      };
      if (rechecks >= MAX_ATTRIBUTE_RECHECKS) return outcome;
      rechecks += 1;
      const now = await attributeSince(graph, userId, source.value, policy, attribute, call);
      if (now === undefined) return outcome;
      log.warn('user attribute changed during sync', { runId: input.runId, user });
      const relisted = await settle(graph.listPhoneMethods(userId, call));
      if (!relisted.ok) return outcome;
      ({ raw, attribute } = now);
      methods = relisted.value;
      earlier = outcome;
      continue;
    }
    if (written.error.kind === 'forbidden') {
      return {
        ...base,
        outcome: 'forbidden',
        reason: written.error.code ?? 'forbidden',
        detail: written.error.message,
      };
    }

    const reread = await settle(graph.listPhoneMethods(userId, call));
    if (!reread.ok) return permanentFailure(user, userId, reread.error, 're-reading the phone methods');
    const verdict = judgeFailedWrite({ ...base, userId }, plan, written.error, reread.value, input, log);
    if (verdict !== 'replan') return verdict;
    if (attempt >= MAX_PLAN_ATTEMPTS) return failedWrite(base, plan, written.error, reread.value, input);
    attempt += 1;
    methods = reread.value;
  }
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `/users/{key}/authentication/phoneMethods` may use the caller's key instead of the object id:
 * an object id, or a UPN in the plain `/users/{upn}` form. A `$`-prefixed UPN needs the `users('…')`
 * form and apostrophes break some resource paths (reference/graph.md §4.3); those wait for the id.
 */
function canAddressPhoneMethods(userKey: string): boolean {
  if (OBJECT_ID.test(userKey)) return true;
  return userKey.includes('@') && !userKey.startsWith('$') && !userKey.includes("'");
}

/**
 * The attribute value a caller already read in bulk (a `/users/delta` page), so the sync does not read
 * it again one by one. The post-write re-read still runs: it is what catches a change made meanwhile.
 */
export interface KnownAttribute {
  userId: string;
  raw: string | null;
}

/** One plan, and one more after a write found the method changed under it. */
const MAX_PLAN_ATTEMPTS = 2;
/**
 * Re-reads of the attribute after successful writes. Two: a value that keeps changing faster than that is
 * left to the run its next change triggers.
 */
const MAX_ATTRIBUTE_RECHECKS = 2;
const ATTRIBUTE_CHANGED = 'attributeChangedDuringSync';

/**
 * After a write, the attribute as it is now, or undefined when it is what the write was planned from.
 *
 * Why: Graph's phone methods carry no ETag, so two runs syncing the same user (an HTTP batch and a queue
 * message, say) can interleave as "A reads the old value, the attribute changes, B reads and writes the new
 * value, A writes the old one". Each writer re-reading the attribute after its write closes that: the last
 * writer sees the newest value and writes it if it differs (DESIGN.md §3: a change that arrives while a user
 * is being synced is not lost). Costs one read per write, none for users that need no write.
 *
 * A permanent failure of the re-read (the user was just deleted, access revoked) keeps the write's outcome;
 * a transient one throws, and the retried activity re-reads everything and converges.
 */
async function attributeSince(
  graph: GraphGateway,
  userId: string,
  source: SourceAttribute,
  policy: SyncUserInput['policy'],
  planned: NormalizedPhone,
  call: GraphCallOptions,
): Promise<{ raw: string | null; attribute: NormalizedPhone } | undefined> {
  const again = await readAttribute(graph, userId, source, policy, call);
  if (!again.ok || sameAttribute(again.value.attribute, planned)) return undefined;
  return again.value;
}

/** Reads the user's source attribute (`$select`-ed) and normalizes it under the policy. */
async function readAttribute(
  graph: GraphGateway,
  userKey: string,
  source: SourceAttribute,
  policy: SyncUserInput['policy'],
  call: GraphCallOptions,
): Promise<Settled<{ userId: string; raw: string | null; attribute: NormalizedPhone }>> {
  const found = await settle(graph.getUser(userKey, [source.select], call));
  if (!found.ok) return found;
  const raw = readSourceValue(found.value, source);
  return { ok: true, value: { userId: found.value.id, raw, attribute: normalizeForPolicy(raw, policy) } };
}

function sameAttribute(a: NormalizedPhone, b: NormalizedPhone): boolean {
  if (a.kind === 'valid' || b.kind === 'valid')
    return a.kind === 'valid' && b.kind === 'valid' && a.graph === b.graph;
  return a.kind === b.kind;
}

async function write(
  graph: GraphGateway,
  userId: string,
  plan: SyncPlan,
  input: SyncUserInput,
  call: GraphCallOptions,
): Promise<void> {
  const { phoneType } = input.policy;
  switch (plan.action) {
    case 'create':
      await graph.createPhoneMethod(userId, phoneType, requireTarget(plan), call);
      return;
    case 'update':
      await graph.updatePhoneMethod(userId, phoneType, requireTarget(plan), call);
      return;
    case 'remove':
      await graph.deletePhoneMethod(userId, phoneType, call);
      return;
    case 'none':
      return;
  }
}

/**
 * A write failed permanently. Graph may still have applied it (409 phoneNumberNotUnique does), or
 * someone else may have changed the method meanwhile: judge from a fresh read what is true now. Returns
 * the outcome, or `replan` when the method is no longer what the plan assumed.
 */
function judgeFailedWrite(
  base: { user: string; userId: string; before?: string },
  plan: SyncPlan,
  error: GraphRequestError,
  methods: readonly PhoneMethod[],
  input: SyncUserInput,
  log: Logger,
): UserOutcome | 'replan' {
  const current = methods.find((method) => method.phoneType === input.policy.phoneType);
  const inPlace =
    plan.action === 'remove'
      ? current === undefined
      : current !== undefined && samePhoneNumber(current.phoneNumber, requireTarget(plan));
  const after = current === undefined ? {} : { after: maskPhoneNumber(current.phoneNumber) };
  log.warn('user write refused', {
    runId: input.runId,
    user: base.user,
    action: plan.action,
    status: error.status,
    code: error.code ?? '',
    applied: inPlace,
  });

  if (error.kind === 'conflict') {
    // 409, e.g. phoneNumberNotUnique: another user uses the number for SMS sign-in. The method may well
    // have been written anyway; say which.
    const detail = inPlace
      ? 'Graph answered 409 but the number was applied; SMS sign-in cannot be enabled for it (used by another user)'
      : 'Graph answered 409 and the number was not applied';
    return { ...base, ...after, outcome: 'conflict', reason: error.code ?? 'conflict', detail };
  }
  if (inPlace) {
    const reason = plan.action === 'remove' ? 'alreadyRemoved' : 'changedConcurrently';
    return { ...base, ...after, outcome: 'unchanged', reason };
  }
  const assumed = plan.current;
  const changed =
    (assumed === undefined) !== (current === undefined) ||
    (assumed !== undefined && current !== undefined && assumed !== current.phoneNumber);
  return changed ? 'replan' : failedWrite(base, plan, error, methods, input);
}

function failedWrite(
  base: { user: string; userId?: string; before?: string },
  plan: SyncPlan,
  error: GraphRequestError,
  methods: readonly PhoneMethod[],
  input: SyncUserInput,
): UserOutcome {
  const current = methods.find((method) => method.phoneType === input.policy.phoneType);
  const after = current === undefined ? {} : { after: maskPhoneNumber(current.phoneNumber) };
  return {
    ...base,
    ...after,
    outcome: 'failed',
    reason: error.code ?? error.kind,
    detail: `${plan.action} refused: ${error.message}`,
  };
}

/** Outcome for a permanent read failure; transient ones are rethrown so the orchestrator retries. */
function permanentFailure(
  user: string,
  userId: string | undefined,
  error: GraphRequestError,
  doing: string,
): UserOutcome {
  const id = userId === undefined ? {} : { userId };
  switch (error.kind) {
    case 'notFound':
      return { user, ...id, outcome: 'notFound', reason: error.code ?? 'notFound' };
    case 'forbidden':
      return {
        user,
        ...id,
        outcome: 'forbidden',
        reason: error.code ?? 'forbidden',
        detail: `${doing}: ${error.message}`,
      };
    default:
      return {
        user,
        ...id,
        outcome: 'failed',
        reason: error.code ?? error.kind,
        detail: `${doing}: ${error.message}`,
      };
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: GraphRequestError };

/**
 * Waits for a Graph call. Permanent Graph errors become values the caller turns into outcomes; transient
 * ones (and anything that is not a Graph error, i.e. a bug) propagate and fail the activity attempt.
 */
async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (isGraphRequestError(error) && !isRetryable(error)) return { ok: false, error };
    throw error;
  }
}

/** 401 is retried too: a token that expired in flight is fixed by the next attempt's fresh token. */
function isRetryable(error: GraphRequestError): boolean {
  return error.isTransient || error.kind === 'unauthorized';
}

function requireTarget(plan: SyncPlan): string {
  if (plan.target === undefined) throw new Error(`plan ${plan.action} has no target number`);
  return plan.target;
}

function maskedBefore(plan: SyncPlan): { before?: string } {
  return plan.current === undefined ? {} : { before: maskPhoneNumber(plan.current) };
}

function maskedAfter(plan: SyncPlan): { after?: string } {
  return plan.target === undefined ? {} : { after: maskPhoneNumber(plan.target) };
}

function describeInvalid(attribute: NormalizedPhone, raw: string | null): string {
  const reason = attribute.kind === 'invalid' ? attribute.reason : 'invalid';
  const shown = raw === null ? '' : ` ('${maskPhoneNumber(raw)}')`;
  return `the attribute value${shown} is not a valid phone number: ${reason}`;
}
