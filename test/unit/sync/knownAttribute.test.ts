import { describe, expect, it } from 'vitest';
import { PHONE_METHOD_IDS } from '../../../lib/graph/phoneMethods';
import { createLogger } from '../../../lib/log';
import { syncUser } from '../../../lib/sync/syncUser';
import { type SyncPolicy } from '../../../lib/sync/types';
import { MemoryGraph } from '../../support/memoryGraph';
import { registerKnownPhoneNumbers } from '../../support/phoneLeaks';

/** syncUser with the attribute value a delta page already carried (reconciliation). */
const ID = '11111111-2222-4333-8444-555555555555';
const OLD = '+49 1609876543';
const DELTA_VALUE = '+49 1701234567';
const NEWER = '+49 1707654321';
registerKnownPhoneNumbers([OLD, DELTA_VALUE, NEWER]);

const policy: SyncPolicy = {
  sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
  phoneType: 'mobile',
  defaultCountry: 'DE',
  emptyAttribute: 'keep',
  maskedRead: 'skip',
};
const log = createLogger({ debug() {}, info() {}, warn() {}, error() {} });

function graphWith(attribute: string): MemoryGraph {
  return new MemoryGraph().add({
    id: ID,
    userPrincipalName: 'adele@contoso.com',
    properties: { onPremisesExtensionAttributes: { extensionAttribute15: attribute } },
    methods: [{ id: PHONE_METHOD_IDS.mobile, phoneType: 'mobile', phoneNumber: OLD }],
  });
}

const input = { runId: 'reconcile-directory', user: ID, dryRun: false, policy, priority: 'low' as const };

describe('syncUser with a known attribute value', () => {
  it('does not read the attribute before planning, only once after the write', async () => {
    const graph = graphWith(DELTA_VALUE);
    const outcome = await syncUser(input, graph, log, { userId: ID, raw: DELTA_VALUE });
    expect(outcome.outcome).toBe('updated');
    expect(graph.calls.map((call) => call.operation)).toEqual([
      'listPhoneMethods',
      'updatePhoneMethod',
      'getUser',
    ]);
  });

  it('needs no attribute read at all when the method already matches', async () => {
    const graph = graphWith(OLD);
    const outcome = await syncUser(input, graph, log, { userId: ID, raw: OLD });
    expect(outcome.outcome).toBe('unchanged');
    expect(graph.calls.map((call) => call.operation)).toEqual(['listPhoneMethods']);
  });

  it('still writes the newer value when the attribute changed after the delta page was read', async () => {
    // Graph holds NEWER already; the page carried the older DELTA_VALUE.
    const graph = graphWith(NEWER);
    const outcome = await syncUser(input, graph, log, { userId: ID, raw: DELTA_VALUE });
    expect(outcome.reason).toBe('attributeChangedDuringSync');
    const writes = graph.calls.filter((call) => call.operation === 'updatePhoneMethod');
    expect(writes).toHaveLength(2);
    expect(outcome.after).toBe('+49 ********21');
  });
});
