import { describe, expect, it } from 'vitest';
import { isGraphRequestError } from '../../../lib/graph/errors';
import { type GraphGateway } from '../../../lib/graph/gateway';
import { PHONE_METHOD_IDS, type PhoneMethod } from '../../../lib/graph/phoneMethods';
import { createLogger } from '../../../lib/log';
import { type SyncUserInput } from '../../../lib/sync/run';
import { syncUser } from '../../../lib/sync/syncUser';
import { type SyncPolicy, type UserOutcome } from '../../../lib/sync/types';
import { MemoryGraph } from '../../support/memoryGraph';
import { recordForPrivacyScan } from '../../support/privacyGuard';
import { registerKnownPhoneNumbers } from '../../support/phoneLeaks';

const ID = '11111111-2222-4333-8444-555555555555';
const UPN = 'adele@contoso.com';
const GERMAN = '+49 1701234567';
const GERMAN_OTHER = '+49 1609876543';
registerKnownPhoneNumbers([GERMAN, GERMAN_OTHER, '+44 7911123456', '+1 2065550123']);

const defaultPolicy: SyncPolicy = {
  sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
  phoneType: 'mobile',
  defaultCountry: 'DE',
  emptyAttribute: 'keep',
  maskedRead: 'skip',
};

const mobile = (phoneNumber: string): PhoneMethod => ({
  id: PHONE_METHOD_IDS.mobile,
  phoneType: 'mobile',
  phoneNumber,
});
const alternate = (phoneNumber: string): PhoneMethod => ({
  id: PHONE_METHOD_IDS.alternateMobile,
  phoneType: 'alternateMobile',
  phoneNumber,
});

function tenant(
  attribute: string | null,
  methods: PhoneMethod[] = [],
  extra: Record<string, unknown> = {},
): MemoryGraph {
  return new MemoryGraph().add({
    id: ID,
    userPrincipalName: UPN,
    properties: { onPremisesExtensionAttributes: { extensionAttribute15: attribute }, ...extra },
    methods,
  });
}

const logLines: string[] = [];
const log = createLogger({
  debug: (line: unknown) => logLines.push(String(line)),
  info: (line: unknown) => logLines.push(String(line)),
  warn: (line: unknown) => logLines.push(String(line)),
  error: (line: unknown) => logLines.push(String(line)),
});

async function sync(
  graph: MemoryGraph,
  policy: Partial<SyncPolicy> = {},
  extra: Partial<SyncUserInput> = {},
): Promise<UserOutcome> {
  const input: SyncUserInput = {
    runId: 'run-1',
    user: UPN,
    dryRun: false,
    policy: { ...defaultPolicy, ...policy },
    priority: 'normal',
    ...extra,
  };
  const outcome = await syncUser(input, graph, log);
  recordForPrivacyScan('outcome', outcome);
  recordForPrivacyScan('log', logLines.splice(0));
  return outcome;
}

describe('syncUser: one user brought in line with the attribute (DESIGN.md §3)', () => {
  it('creates the mobile method in Graph form when there is none', async () => {
    const graph = tenant('0170 1234567');
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({
      user: UPN,
      userId: ID,
      outcome: 'created',
      reason: 'methodMissing',
      after: '+49 ********67',
    });
    expect(graph.methodsOf(ID)).toEqual([
      expect.objectContaining({ phoneType: 'mobile', phoneNumber: GERMAN }),
    ]);
  });

  it('updates a method holding a different number, reporting both masked', async () => {
    const graph = tenant('+49 170 1234567', [mobile(GERMAN_OTHER)]);
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({
      outcome: 'updated',
      reason: 'numberDiffers',
      before: '+49 ********43',
      after: '+49 ********67',
    });
    expect(graph.methodsOf(ID)[0]?.phoneNumber).toBe(GERMAN);
  });

  it('compares normalized digits, not strings: a differently formatted equal number is unchanged and not written', async () => {
    const graph = tenant('0049 (0)170-123 4567', [mobile('+49 1701234567')]);
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged', reason: 'inSync' });
    expect(graph.writes()).toBe(0);
  });

  it('reports an invalid attribute as invalid and never writes it', async () => {
    const graph = tenant('call me maybe', [mobile(GERMAN)]);
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({ outcome: 'invalid', reason: 'attributeInvalid' });
    expect(outcome.detail).toMatch(/not a valid phone number/);
    expect(graph.writes()).toBe(0);
  });

  it('does not read the methods of a user with an invalid attribute when the id is needed for that read', async () => {
    const graph = new MemoryGraph().add({
      id: ID,
      userPrincipalName: '$adele@contoso.com',
      properties: { onPremisesExtensionAttributes: { extensionAttribute15: 'call me maybe' } },
      methods: [mobile(GERMAN)],
    });
    expect(await sync(graph, {}, { user: '$adele@contoso.com' })).toMatchObject({ outcome: 'invalid' });
    expect(graph.calls.map((call) => call.operation)).toEqual(['getUser']);
  });

  it('keeps the method when the attribute is empty under the keep policy', async () => {
    const graph = tenant('   ', [mobile(GERMAN)]);
    expect(await sync(graph)).toMatchObject({ outcome: 'skipped', reason: 'attributeEmptyKeep' });
    expect(graph.methodsOf(ID)).toHaveLength(1);
  });

  it('removes the method when the attribute is empty under the remove policy', async () => {
    const graph = tenant(null, [mobile(GERMAN)]);
    expect(await sync(graph, { emptyAttribute: 'remove' })).toMatchObject({
      outcome: 'removed',
      before: '+49 ********67',
    });
    expect(graph.methodsOf(ID)).toEqual([]);
  });

  it('does not remove a mobile that an alternateMobile depends on', async () => {
    const graph = tenant(null, [mobile(GERMAN), alternate(GERMAN_OTHER)]);
    expect(await sync(graph, { emptyAttribute: 'remove' })).toMatchObject({
      outcome: 'skipped',
      reason: 'mobileRequiredByAlternate',
    });
    expect(graph.writes()).toBe(0);
  });

  it('does not create an alternateMobile for a user without a mobile', async () => {
    const graph = tenant('0170 1234567');
    expect(await sync(graph, { phoneType: 'alternateMobile' })).toMatchObject({
      outcome: 'skipped',
      reason: 'alternateMobileRequiresMobile',
    });
    expect(graph.writes()).toBe(0);
  });

  it('syncs an alternateMobile when a mobile exists', async () => {
    const graph = tenant('0170 1234567', [mobile(GERMAN_OTHER)]);
    expect(await sync(graph, { phoneType: 'alternateMobile' })).toMatchObject({ outcome: 'created' });
    expect(graph.methodsOf(ID).map((method) => method.phoneType)).toEqual(['mobile', 'alternateMobile']);
  });

  it('writes an office number with its extension', async () => {
    const graph = tenant('+1 206 555 0123 ext. 42');
    expect(await sync(graph, { phoneType: 'office' })).toMatchObject({ outcome: 'created' });
    expect(graph.methodsOf(ID)[0]).toMatchObject({ phoneType: 'office', phoneNumber: '+1 2065550123x42' });
  });

  it('does not decide equality from a masked read: skip by policy, or overwrite by policy', async () => {
    const masked = [mobile('+49 XXXXXXXX67')];
    expect(await sync(tenant('0170 1234567', masked))).toMatchObject({
      outcome: 'skipped',
      reason: 'maskedReadSkip',
    });
    const graph = tenant('0170 1234567', masked);
    expect(await sync(graph, { maskedRead: 'overwrite' })).toMatchObject({
      outcome: 'updated',
      reason: 'maskedReadOverwrite',
    });
    expect(graph.methodsOf(ID)[0]?.phoneNumber).toBe(GERMAN);
  });

  it('updates when a masked read certainly differs (other country code or last digits)', async () => {
    const graph = tenant('0170 1234567', [mobile('+44 XXXXXXXX23')]);
    expect(await sync(graph)).toMatchObject({ outcome: 'updated', reason: 'numberDiffers' });
  });

  it('reads other source attributes: mobilePhone and a directory extension', async () => {
    const graph = tenant(null, [], {
      mobilePhone: '+44 7911 123456',
      extension_0123456789abcdef0123456789abcdef_mfaPhone: '0160 9876543',
    });
    expect(await sync(graph, { sourceAttribute: 'mobilePhone' })).toMatchObject({ outcome: 'created' });
    expect(graph.methodsOf(ID)[0]?.phoneNumber).toBe('+44 7911123456');
    expect(
      await sync(graph, { sourceAttribute: 'extension_0123456789abcdef0123456789abcdef_mfaPhone' }),
    ).toMatchObject({ outcome: 'updated' });
    expect(graph.methodsOf(ID)[0]?.phoneNumber).toBe(GERMAN_OTHER);
  });

  it('reports an unknown user as notFound', async () => {
    expect(await sync(new MemoryGraph())).toMatchObject({
      user: UPN,
      outcome: 'notFound',
      reason: 'Request_ResourceNotFound',
    });
  });

  it('reports forbidden reads and writes as forbidden', async () => {
    expect(
      await sync(tenant('0170 1234567').fail('getUser', 'forbidden', 1, 'Authorization_RequestDenied')),
    ).toMatchObject({ outcome: 'forbidden' });
    expect(await sync(tenant('0170 1234567').fail('createPhoneMethod', 'forbidden'))).toMatchObject({
      outcome: 'forbidden',
    });
  });

  it('handles phoneNumberNotUnique truthfully: 409 but applied is a conflict that says it was applied', async () => {
    const graph = tenant('0170 1234567');
    graph.smsTaken.add(GERMAN);
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({
      outcome: 'conflict',
      reason: 'phoneNumberNotUnique',
      after: '+49 ********67',
    });
    expect(outcome.detail).toMatch(/was applied/);
    // Re-running converges without another write.
    const writesBefore = graph.writes();
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged' });
    expect(graph.writes()).toBe(writesBefore);
  });

  it('reports a 409 that did not apply as a conflict that says so', async () => {
    const graph = tenant('0170 1234567', [mobile(GERMAN_OTHER)]).fail(
      'updatePhoneMethod',
      'conflict',
      1,
      'phoneNumberNotUnique',
    );
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({ outcome: 'conflict', after: '+49 ********43' });
    expect(outcome.detail).toMatch(/not applied/);
  });

  it('reports a refused delete (e.g. the default method) as failed with the Graph code', async () => {
    const graph = tenant(null, [mobile(GERMAN)]).fail(
      'deletePhoneMethod',
      'invalid',
      1,
      'defaultMethodCannotBeDeleted',
    );
    expect(await sync(graph, { emptyAttribute: 'remove' })).toMatchObject({
      outcome: 'failed',
      reason: 'defaultMethodCannotBeDeleted',
    });
  });

  it('does nothing in dry-run but say what it would do, after the same reads', async () => {
    const cases: [MemoryGraph, Partial<SyncPolicy>, string][] = [
      [tenant('0170 1234567'), {}, 'wouldCreate'],
      [tenant('0170 1234567', [mobile(GERMAN_OTHER)]), {}, 'wouldUpdate'],
      [tenant(null, [mobile(GERMAN)]), { emptyAttribute: 'remove' }, 'wouldRemove'],
    ];
    for (const [graph, policy, expected] of cases) {
      expect(await sync(graph, policy, { dryRun: true })).toMatchObject({ outcome: expected });
      expect(graph.writes()).toBe(0);
      expect(graph.calls.map((call) => call.operation)).toEqual(['getUser', 'listPhoneMethods']);
    }
  });

  it('throws transient failures so the orchestrator retries, and converges on the retry', async () => {
    for (const operation of ['getUser', 'listPhoneMethods', 'createPhoneMethod'] as const) {
      const graph = tenant('0170 1234567').fail(operation, 'throttled');
      const attempt = sync(graph);
      await expect(attempt).rejects.toSatisfy(
        (error: unknown) => isGraphRequestError(error) && error.isTransient,
      );
      expect(await sync(graph)).toMatchObject({ outcome: 'created' });
      expect(graph.methodsOf(ID)).toHaveLength(1);
    }
  });

  it('retries a 401 as transient (a token can expire in flight)', async () => {
    await expect(sync(tenant('0170 1234567').fail('getUser', 'unauthorized'))).rejects.toMatchObject({
      kind: 'unauthorized',
    });
  });

  it('is idempotent: running twice writes once', async () => {
    const graph = tenant('0170 1234567', [mobile(GERMAN_OTHER)]);
    await sync(graph);
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged' });
    expect(graph.writes()).toBe(1);
  });

  it('re-plans once when the method changed under it, so a concurrent change is neither lost nor clobbered blindly', async () => {
    // Planned a create; meanwhile someone added a different mobile: the create is refused, the re-read
    // shows the new method, and the user ends updated to the attribute's number.
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => graph.methodsOf(ID).push(mobile(GERMAN_OTHER));
    expect(await sync(graph)).toMatchObject({ outcome: 'updated' });
    expect(graph.methodsOf(ID)).toEqual([expect.objectContaining({ phoneNumber: GERMAN })]);

    // Planned an update; meanwhile the method was removed: the user ends created.
    const removed = tenant('0170 1234567', [mobile(GERMAN_OTHER)]);
    removed.beforeNextWrite = () => removed.methodsOf(ID).splice(0);
    expect(await sync(removed)).toMatchObject({ outcome: 'created' });
  });

  it('reports unchanged when someone made the very same change first', async () => {
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => graph.methodsOf(ID).push(mobile(GERMAN));
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged', reason: 'changedConcurrently' });
  });

  it('passes the run priority to every Graph call', async () => {
    const graph = tenant('0170 1234567');
    await sync(graph, {}, { priority: 'low' });
    expect(graph.calls.every((call) => call.options?.priority === 'low')).toBe(true);
  });

  it('never logs or returns the full number', async () => {
    const graph = tenant('0170 1234567', [mobile(GERMAN_OTHER)]);
    graph.smsTaken.add(GERMAN);
    const outcome = await sync(graph);
    expect(JSON.stringify(outcome)).not.toMatch(/1701234567|1609876543/);
  });
});

describe('syncUser: an attribute that changes while the user is synced is not lost (DESIGN.md §3)', () => {
  const setAttribute = (graph: MemoryGraph, value: string | null): void => {
    const user = graph.users.get(ID);
    if (user !== undefined)
      user.properties = { onPremisesExtensionAttributes: { extensionAttribute15: value } };
  };
  const operations = (graph: MemoryGraph): string[] => graph.calls.map((call) => call.operation);

  it('re-reads the attribute after a write, and writes the newer value it finds', async () => {
    // Another run read the new value and wrote it before this run's stale write landed: the re-read
    // after the write sees the newer value, and this run puts it back.
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => setAttribute(graph, '0160 9876543');
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({
      outcome: 'created',
      reason: 'attributeChangedDuringSync',
      after: '+49 ********43',
    });
    expect(outcome.before).toBeUndefined();
    expect(graph.methodsOf(ID)).toEqual([expect.objectContaining({ phoneNumber: GERMAN_OTHER })]);
    expect(operations(graph)).toEqual([
      'getUser',
      'listPhoneMethods',
      'createPhoneMethod',
      'getUser',
      'listPhoneMethods',
      'updatePhoneMethod',
      'getUser',
    ]);
  });

  it('keeps "before" as the user had it before the run when it corrects its own write', async () => {
    const graph = tenant('0170 1234567', [mobile('+44 7911123456')]);
    graph.beforeNextWrite = () => setAttribute(graph, '0160 9876543');
    expect(await sync(graph)).toMatchObject({
      outcome: 'updated',
      reason: 'attributeChangedDuringSync',
      before: '+44 ********56',
      after: '+49 ********43',
    });
  });

  it('reports the write it made when the new value needs none (emptied, policy keep)', async () => {
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => setAttribute(graph, '');
    const outcome = await sync(graph);
    expect(outcome).toMatchObject({ outcome: 'created', reason: 'attributeChangedDuringSync' });
    expect(outcome.detail).toMatch(/needs no write \(attributeEmptyKeep\)/);
    expect(graph.writes()).toBe(1);
  });

  it('costs one read per write, and nothing for a user that needs no write', async () => {
    const written = tenant('0170 1234567');
    expect(await sync(written)).toMatchObject({ outcome: 'created', reason: 'methodMissing' });
    expect(operations(written)).toEqual(['getUser', 'listPhoneMethods', 'createPhoneMethod', 'getUser']);
    const inSync = tenant('0170 1234567', [mobile(GERMAN)]);
    expect(await sync(inSync)).toMatchObject({ outcome: 'unchanged' });
    expect(operations(inSync)).toEqual(['getUser', 'listPhoneMethods']);
    const dryRun = tenant('0170 1234567');
    expect(await sync(dryRun, {}, { dryRun: true })).toMatchObject({ outcome: 'wouldCreate' });
    expect(operations(dryRun)).toEqual(['getUser', 'listPhoneMethods']);
  });

  it('stops re-checking a value that keeps changing, after three writes', async () => {
    const graph = tenant('0170 1234567');
    const values = ['0160 9876543', '0170 1234567', '0160 9876543', '0170 1234567'];
    const flip = (): void => {
      setAttribute(graph, values.shift() ?? null);
      graph.beforeNextWrite = flip;
    };
    graph.beforeNextWrite = flip;
    expect(await sync(graph)).toMatchObject({ reason: 'attributeChangedDuringSync' });
    expect(graph.writes()).toBe(3);
  });

  it('keeps the outcome of its write when the re-read finds the user gone', async () => {
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => graph.fail('getUser', 'notFound', 1, 'Request_ResourceNotFound');
    expect(await sync(graph)).toMatchObject({ outcome: 'created', reason: 'methodMissing' });
  });

  it('throws on a transient failure of the re-read, so the retried activity re-checks everything', async () => {
    const graph = tenant('0170 1234567');
    graph.beforeNextWrite = () => graph.fail('getUser', 'transient', 1, 'serviceUnavailable');
    await expect(sync(graph)).rejects.toSatisfy(isGraphRequestError);
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged' });
  });
});

/** The gateway calls in flight at once, and the most there ever were, over a MemoryGraph that answers late. */
function concurrencyProbe(graph: MemoryGraph): { gateway: GraphGateway; maxInFlight: () => number } {
  let inFlight = 0;
  let most = 0;
  const late =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return await call(...args);
      } finally {
        inFlight -= 1;
      }
    };
  const gateway: GraphGateway = {
    getUser: late(graph.getUser.bind(graph)),
    listPhoneMethods: late(graph.listPhoneMethods.bind(graph)),
    createPhoneMethod: late(graph.createPhoneMethod.bind(graph)),
    updatePhoneMethod: late(graph.updatePhoneMethod.bind(graph)),
    deletePhoneMethod: late(graph.deletePhoneMethod.bind(graph)),
  };
  return { gateway, maxInFlight: () => most };
}

describe('syncUser: one round trip of latency for a user that needs no write (issue 7 §7)', () => {
  const input = (user: string, dryRun = false): SyncUserInput => ({
    runId: 'run-1',
    user,
    dryRun,
    policy: defaultPolicy,
    priority: 'normal',
  });

  it('reads the attribute and the methods at the same time, by UPN or by object id', async () => {
    for (const key of [UPN, ID, ID.toUpperCase()]) {
      const graph = tenant('0170 1234567', [mobile(GERMAN)]);
      const probe = concurrencyProbe(graph);
      expect(await syncUser(input(key), probe.gateway, log)).toMatchObject({ outcome: 'unchanged' });
      expect(probe.maxInFlight()).toBe(2);
      expect(graph.calls.map((call) => [call.operation, call.user])).toEqual([
        ['getUser', key],
        ['listPhoneMethods', key],
      ]);
    }
    logLines.splice(0);
  });

  it('costs two requests per user in a dry-run, whatever the user needs', async () => {
    const cases = [
      tenant('0170 1234567'),
      tenant('0170 1234567', [mobile(GERMAN_OTHER)]),
      tenant('0170 1234567', [mobile(GERMAN)]),
      tenant('not a number', [mobile(GERMAN)]),
      tenant(null),
    ];
    for (const graph of cases) {
      await syncUser(input(UPN, true), graph, log);
      expect(graph.calls).toHaveLength(2);
    }
    logLines.splice(0);
  });

  it('waits for the object id when the key cannot address the methods ($-prefixed or quoted UPN)', async () => {
    for (const key of ['$adele@contoso.com', "o'neil@contoso.com"]) {
      const graph = new MemoryGraph().add({
        id: ID,
        userPrincipalName: key,
        properties: { onPremisesExtensionAttributes: { extensionAttribute15: '0170 1234567' } },
        methods: [mobile(GERMAN)],
      });
      const probe = concurrencyProbe(graph);
      expect(await syncUser(input(key), probe.gateway, log)).toMatchObject({ outcome: 'unchanged' });
      expect(probe.maxInFlight()).toBe(1);
      expect(graph.calls.map((call) => [call.operation, call.user])).toEqual([
        ['getUser', key],
        ['listPhoneMethods', ID],
      ]);
    }
    logLines.splice(0);
  });

  it('reads the methods again by id when the UPN no longer finds them (renamed between the reads)', async () => {
    const graph = tenant('0170 1234567', [mobile(GERMAN)]).fail(
      'listPhoneMethods',
      'notFound',
      1,
      'Request_ResourceNotFound',
    );
    expect(await sync(graph)).toMatchObject({ outcome: 'unchanged', userId: ID });
    expect(graph.calls.map((call) => [call.operation, call.user])).toEqual([
      ['getUser', UPN],
      ['listPhoneMethods', UPN],
      ['listPhoneMethods', ID],
    ]);
  });

  it('ignores a failed early methods read that the attribute makes unnecessary', async () => {
    const graph = tenant('not a number', [mobile(GERMAN)]).fail('listPhoneMethods', 'transient');
    expect(await sync(graph)).toMatchObject({ outcome: 'invalid' });
  });

  it('still throws a transient failure of the early methods read when the methods are needed', async () => {
    const graph = tenant('0170 1234567').fail('listPhoneMethods', 'transient');
    await expect(sync(graph)).rejects.toSatisfy(isGraphRequestError);
  });
});
