import { ServiceBusClient, isServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerHarness } from './brokerHarness';

/** The local broker through the real @azure/service-bus client (UseDevelopmentEmulator=true). */
let harness: BrokerHarness;
let client: ServiceBusClient;

beforeAll(async () => {
  harness = await BrokerHarness.start({
    queues: [
      { name: 'basic', lockDurationMs: 60_000, maxDeliveryCount: 3 },
      { name: 'shortlock', lockDurationMs: 1_000, maxDeliveryCount: 2 },
      { name: 'dedup', requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindowMs: 60_000 },
      { name: 'small', maxMessageSizeBytes: 4096 },
      { name: 'scheduled' },
      { name: 'ttl', defaultMessageTimeToLiveMs: 200, deadLetteringOnMessageExpiration: true },
      { name: 'persist' },
    ],
  });
  client = new ServiceBusClient(harness.connectionString);
});

afterAll(async () => {
  await client?.close();
  await harness?.stop();
});

async function receiveAll(
  queue: string,
  count: number,
  deadLetter = false,
): Promise<ServiceBusReceivedMessage[]> {
  const receiver = client.createReceiver(queue, deadLetter ? { subQueueType: 'deadLetter' } : {});
  const got: ServiceBusReceivedMessage[] = [];
  try {
    for (let attempt = 0; attempt < 50 && got.length < count; attempt++) {
      got.push(...(await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: 500 })));
    }
    for (const message of got) await receiver.completeMessage(message);
  } finally {
    await receiver.close();
  }
  return got;
}

describe('local Service Bus broker with the real client', () => {
  it('sends, receives with peek-lock and completes; broker-assigned fields are present', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages({ body: { hello: 'world' }, applicationProperties: { kind: 'test' } });
    await sender.close();
    const receiver = client.createReceiver('basic');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message?.body).toEqual({ hello: 'world' });
    expect(message?.applicationProperties).toEqual({ kind: 'test' });
    expect(message?.deliveryCount).toBe(0);
    expect(typeof message?.messageId).toBe('string');
    expect(message?.sequenceNumber?.toNumber()).toBeGreaterThan(0);
    expect(message?.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(message?.lockedUntilUtc?.getTime()).toBeGreaterThan(Date.now());
    await receiver.completeMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
    expect(harness.broker!.count('basic')).toBe(0);
  });

  it('delivers every message of a batch', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await sender.close();
    const got = await receiveAll('basic', 3);
    expect(got.map((message) => message.body as string).sort()).toEqual(['a', 'b', 'c']);
  });

  it('redelivers after abandon, then dead-letters at the max delivery count with the reason', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages({ body: 'poison', messageId: 'poison-1' });
    await sender.close();
    const receiver = client.createReceiver('basic');
    const counts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      expect(message?.messageId).toBe('poison-1');
      counts.push(message!.deliveryCount!);
      await receiver.abandonMessage(message!, { lastError: `attempt ${attempt}` });
    }
    expect(counts).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
    const [dead] = await receiveAll('basic', 1, true);
    expect(dead?.messageId).toBe('poison-1');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead?.deadLetterErrorDescription).toContain('3 delivery attempts');
    expect(dead?.applicationProperties?.['lastError']).toBe('attempt 2');
  });

  it('dead-letters with the reason and description the receiver gives', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages({ body: 'bad', messageId: 'bad-1' });
    await sender.close();
    const receiver = client.createReceiver('basic');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'InvalidBody',
      deadLetterErrorDescription: 'users must be an array',
    });
    await receiver.close();
    const [dead] = await receiveAll('basic', 1, true);
    expect(dead?.deadLetterReason).toBe('InvalidBody');
    expect(dead?.deadLetterErrorDescription).toBe('users must be an array');
  });

  it('redelivers when a lock expires; a late complete fails with MessageLockLost', async () => {
    const sender = client.createSender('shortlock');
    await sender.sendMessages({ body: 'slow', messageId: 'slow-1' });
    await sender.close();
    const receiver = client.createReceiver('shortlock', { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await sleep(1_300);
    const error = await receiver.completeMessage(first!).catch((caught: unknown) => caught);
    expect(isServiceBusError(error) && error.code).toBe('MessageLockLost');
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(second?.messageId).toBe('slow-1');
    expect(second?.deliveryCount).toBe(1);
    await receiver.completeMessage(second!);
    await receiver.close();
  });

  it('renews a lock through $management', async () => {
    const sender = client.createSender('shortlock');
    await sender.sendMessages({ body: 'renew' });
    await sender.close();
    const receiver = client.createReceiver('shortlock', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    const before = message!.lockedUntilUtc!.getTime();
    await sleep(600);
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBeGreaterThan(before);
    await sleep(600);
    await receiver.completeMessage(message!); // would be lost without the renewal
    await receiver.close();
  });

  it('peeks without locking', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages([{ body: 'p1' }, { body: 'p2' }]);
    await sender.close();
    const receiver = client.createReceiver('basic');
    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((message) => message.body as string)).toEqual(['p1', 'p2']);
    await receiver.close();
    await receiveAll('basic', 2);
  });

  it('holds scheduled messages until their time and cancels them on request', async () => {
    const sender = client.createSender('scheduled');
    const [kept] = await sender.scheduleMessages({ body: 'later' }, new Date(Date.now() + 1_000));
    const [cancelled] = await sender.scheduleMessages({ body: 'never' }, new Date(Date.now() + 1_000));
    await sender.cancelScheduledMessages(cancelled!);
    expect(kept!.toNumber()).toBeGreaterThan(0);
    const receiver = client.createReceiver('scheduled');
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await receiver.close();
    await sleep(1_000);
    const got = await receiveAll('scheduled', 1);
    expect(got.map((message) => message.body as string)).toEqual(['later']);
    expect(harness.broker!.count('scheduled')).toBe(0);
  });

  it('drops a duplicate MessageId within the detection window', async () => {
    const sender = client.createSender('dedup');
    await sender.sendMessages({ body: 'one', messageId: 'same-id' });
    await sender.sendMessages({ body: 'two', messageId: 'same-id' });
    await sender.sendMessages({ body: 'three', messageId: 'other-id' });
    await sender.close();
    expect(harness.broker!.count('dedup')).toBe(2);
    const got = await receiveAll('dedup', 2);
    expect(got.map((message) => message.body as string).sort()).toEqual(['one', 'three']);
  });

  it('refuses a message over the size limit with MessageSizeExceeded', async () => {
    const sender = client.createSender('small');
    const error = await sender.sendMessages({ body: 'x'.repeat(5_000) }).catch((caught: unknown) => caught);
    expect(isServiceBusError(error) && error.code).toBe('MessageSizeExceeded');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(4096);
    expect(batch.tryAddMessage({ body: 'x'.repeat(5_000) })).toBe(false);
    await sender.close();
    expect(harness.broker!.count('small')).toBe(0);
  });

  it('dead-letters an expired message with TTLExpiredException', async () => {
    const sender = client.createSender('ttl');
    await sender.sendMessages({ body: 'stale' });
    await sender.close();
    await sleep(500);
    const [dead] = await receiveAll('ttl', 1, true);
    expect(dead?.deadLetterReason).toBe('TTLExpiredException');
  });

  it('receive-and-delete removes the message as it is sent', async () => {
    const sender = client.createSender('basic');
    await sender.sendMessages({ body: 'once' });
    await sender.close();
    const receiver = client.createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message?.body).toBe('once');
    await receiver.close();
    expect(harness.broker!.count('basic')).toBe(0);
  });

  it('answers an unknown queue with MessagingEntityNotFound', async () => {
    const sender = client.createSender('no-such-queue');
    const error = await sender.sendMessages({ body: 'x' }).catch((caught: unknown) => caught);
    expect(isServiceBusError(error) && error.code).toBe('MessagingEntityNotFound');
    await sender.close();
  });

  it('keeps queued and scheduled messages across a broker restart', async () => {
    const sender = client.createSender('persist');
    await sender.sendMessages({ body: 'queued', messageId: 'q-1' });
    await sender.scheduleMessages({ body: 'scheduled', messageId: 's-1' }, new Date(Date.now() + 1_500));
    await sender.close();
    await client.close();
    await harness.restart();
    client = new ServiceBusClient(harness.connectionString);
    expect(harness.broker!.count('persist')).toBe(2);
    await sleep(1_500);
    const got = await receiveAll('persist', 2);
    expect(got.map((message) => message.messageId).sort()).toEqual(['q-1', 's-1']);
  });
});
