import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../../lib/graph/errors';
import {
  type DirectoryApi,
  type GraphSubscription,
  type NewSubscription,
} from '../../../lib/graph/directoryApi';
import { keepSubscription } from '../../../lib/directory/subscriptions';
import { createLogger } from '../../../lib/log';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const settings = {
  clientState: 'unit-client-state-0123',
  notificationUrl: 'EventGrid:?azuresubscriptionid=s&resourcegroup=rg&partnertopic=t&location=westeurope',
  lifecycleNotificationUrl:
    'EventGrid:?azuresubscriptionid=s&resourcegroup=rg&partnertopic=t&location=westeurope',
  subscriptionMinutes: 41_759,
  renewWithinHours: 72,
};
const log = createLogger({ debug() {}, info() {}, warn() {}, error() {} });

/** A Graph that, like the real one, refuses a second subscription with the same resource and URL (409). */
class FakeGraph implements Pick<
  DirectoryApi,
  'listSubscriptions' | 'createSubscription' | 'renewSubscription'
> {
  subscriptions: GraphSubscription[] = [];
  creates = 0;
  renewals = 0;
  forgetOnRenew = false;

  async listSubscriptions(): Promise<GraphSubscription[]> {
    await Promise.resolve();
    return this.subscriptions.map((sub) => ({ ...sub }));
  }

  async createSubscription(request: NewSubscription): Promise<GraphSubscription> {
    await Promise.resolve();
    this.creates += 1;
    if (this.subscriptions.some((sub) => sub.notificationUrl === request.notificationUrl)) {
      throw new GraphRequestError('createSubscription failed: Graph answered 409', {
        kind: 'conflict',
        status: 409,
      });
    }
    const created: GraphSubscription = {
      id: `sub-${this.creates}`,
      resource: request.resource,
      changeType: request.changeType,
      notificationUrl: request.notificationUrl,
      lifecycleNotificationUrl: request.lifecycleNotificationUrl,
      expirationDateTime: request.expirationDateTime,
    };
    this.subscriptions.push(created);
    return created;
  }

  async renewSubscription(id: string, expirationDateTime: string): Promise<GraphSubscription> {
    await Promise.resolve();
    this.renewals += 1;
    const found = this.subscriptions.find((sub) => sub.id === id);
    if (found === undefined || this.forgetOnRenew) {
      this.subscriptions = [];
      throw new GraphRequestError('renewSubscription failed: Graph answered 404', {
        kind: 'notFound',
        status: 404,
      });
    }
    found.expirationDateTime = expirationDateTime;
    return { ...found };
  }
}

const api = (graph: FakeGraph): DirectoryApi => graph as unknown as DirectoryApi;

describe('keepSubscription', () => {
  it('creates the subscription with updated,deleted and the longest users lifetime', async () => {
    const graph = new FakeGraph();
    const result = await keepSubscription(api(graph), settings, log, () => NOW);
    expect(result.action).toBe('created');
    expect(result.subscription).toMatchObject({ resource: 'users', changeType: 'updated,deleted' });
    expect(Date.parse(result.subscription.expirationDateTime) - NOW).toBe(41_759 * 60_000);
  });

  it('keeps a subscription far from expiry and renews one that expires within the renewal window', async () => {
    const graph = new FakeGraph();
    await keepSubscription(api(graph), settings, log, () => NOW);
    expect((await keepSubscription(api(graph), settings, log, () => NOW + 24 * HOUR)).action).toBe('kept');
    const late = NOW + (41_759 / 60 - 71) * HOUR;
    const renewed = await keepSubscription(api(graph), settings, log, () => late);
    expect(renewed.action).toBe('renewed');
    expect(Date.parse(renewed.subscription.expirationDateTime)).toBe(late + 41_759 * 60_000);
    expect(graph.subscriptions).toHaveLength(1);
  });

  it('recreates the subscription when Graph removed it', async () => {
    const graph = new FakeGraph();
    await keepSubscription(api(graph), settings, log, () => NOW);
    graph.forgetOnRenew = true;
    const result = await keepSubscription(api(graph), settings, log, () => NOW + 40_000 * 60_000);
    expect(result.action).toBe('recreated');
    expect(graph.subscriptions).toHaveLength(1);
  });

  it('leaves one subscription when two upkeeps run at once', async () => {
    const graph = new FakeGraph();
    const results = await Promise.all([
      keepSubscription(api(graph), settings, log, () => NOW),
      keepSubscription(api(graph), settings, log, () => NOW),
    ]);
    expect(results.map((result) => result.action).sort()).toEqual(['adopted', 'created']);
    expect(graph.subscriptions).toHaveLength(1);
    expect(new Set(results.map((result) => result.subscription.id)).size).toBe(1);
  });
});
