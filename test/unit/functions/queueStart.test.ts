import { InvocationContext } from '@azure/functions';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { type SyncRunInput } from '../../../lib/sync/run';
import { InvalidQueueMessageError, queueStart } from '../../../functions/queueStart';
import { FakeRunClient } from '../../support/fakeRunClient';

const config = loadConfig({ SYNC_MAX_USERS_PER_REQUEST: '5' });
let client: FakeRunClient;
beforeEach(() => {
  client = new FakeRunClient();
});

function context(messageId?: string, deliveryCount = 1): InvocationContext {
  return new InvocationContext({
    functionName: 'queueStart',
    triggerMetadata: { ...(messageId === undefined ? {} : { messageId }), deliveryCount },
  });
}

describe('Service Bus door (DESIGN.md §4)', () => {
  it('starts a run whose id derives from the message id', async () => {
    await queueStart(
      { users: ['a@contoso.com', 'A@contoso.com'], dryRun: true },
      client,
      context('msg-0001'),
      config,
    );
    expect(client.started).toHaveLength(1);
    expect(client.started[0]?.instanceId).toBe('sb-msg-0001');
    const input = client.started[0]?.input as SyncRunInput;
    expect(input).toMatchObject({
      users: ['a@contoso.com'],
      dryRun: true,
      trigger: 'serviceBus',
      requester: 'serviceBus:msg-0001',
    });
  });

  it('starts nothing new when the same message is delivered again, running or finished', async () => {
    await queueStart([{ UserPrincipalName: 'a@contoso.com' }], client, context('msg-0002'), config);
    await queueStart([{ UserPrincipalName: 'a@contoso.com' }], client, context('msg-0002', 2), config);
    client.update('sb-msg-0002', { runtimeStatus: 'Completed' });
    await queueStart([{ UserPrincipalName: 'a@contoso.com' }], client, context('msg-0002', 3), config);
    expect(client.started).toHaveLength(1);
  });

  it('hashes message ids that are not safe as instance ids', async () => {
    await queueStart({ users: ['a@contoso.com'] }, client, context('order/42?#x'), config);
    expect(client.started[0]?.instanceId).toMatch(/^sbh-[0-9a-f]{40}$/);
  });

  it('reads bodies that arrive as JSON text or bytes', async () => {
    await queueStart('{"users":["a@contoso.com"]}', client, context('m-text'), config);
    await queueStart(
      Buffer.from('[{"UserPrincipalName":"b@contoso.com"}]'),
      client,
      context('m-bytes'),
      config,
    );
    expect(client.started.map((run) => (run.input as SyncRunInput).users)).toEqual([
      ['a@contoso.com'],
      ['b@contoso.com'],
    ]);
  });

  it('throws an error naming the problem for an invalid message, so it is retried and then dead-lettered, never dropped', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      [{ users: ['a/b@contoso.com'] }, /\/users\/0 contains '\/'/],
      [{ users: [] }, /empty/],
      [{ users: ['a@contoso.com'], extra: true }, /unknown field 'extra'/],
      [{ users: Array.from({ length: 6 }, (_, i) => `u${i}@contoso.com`) }, /at most 5/],
      [42, /got a number/],
    ];
    for (const [body, why] of cases) {
      const attempt = queueStart(body, client, context('bad-1'), config);
      await expect(attempt).rejects.toBeInstanceOf(InvalidQueueMessageError);
      await expect(queueStart(body, client, context('bad-1'), config)).rejects.toThrow(why);
    }
    expect(client.started).toHaveLength(0);
  });

  it('still starts a run when the host gives no message id', async () => {
    await queueStart({ users: ['a@contoso.com'] }, client, context(undefined), config);
    expect(client.started[0]?.instanceId).toMatch(/^run-/);
  });
});
