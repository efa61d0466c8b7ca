import { ServiceBusClient } from '@azure/service-bus';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerHarness } from '../servicebus/brokerHarness';
import { buildHostCli } from './support/buildHost';
import { eventually, field, request } from './support/hostHttp';
import { spawnHost, type HostProcess, type ReadyInfo } from './support/hostProcess';

/**
 * The host's Service Bus trigger on the real client against the local broker: complete on success, abandon on
 * failure until the max delivery count dead-letters, .NET-style metadata, and a host killed with SIGKILL in the
 * middle of a message: the lock expires, the message comes back, and exactly one run exists.
 */
const appDir = join(__dirname, 'apps', 'servicebus');
const QUEUE = 'work';

let broker: BrokerHarness;
let client: ServiceBusClient;
let host: HostProcess | undefined;
let info: ReadyInfo;
let dataDir: string;
let ledger: string;

interface LedgerEntry {
  messageId: string;
  deliveryCount?: number;
  enqueuedTimeUtc?: string;
  sequenceNumber?: number;
  applicationProperties?: Record<string, unknown>;
  body?: unknown;
  started?: boolean;
  hanging?: boolean;
}

function entries(messageId: string): LedgerEntry[] {
  if (!existsSync(ledger)) return [];
  return readFileSync(ledger, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEntry)
    .filter((entry) => entry.messageId === messageId);
}

async function startHostProcess(): Promise<void> {
  host = spawnHost({
    appDir,
    dataDir,
    extra: [
      '--setting',
      `ServiceBusConnection=${broker.connectionString}`,
      '--setting',
      `QUEUE_NAME=${QUEUE}`,
      '--setting',
      `LEDGER_FILE=${ledger}`,
      '--log-level',
      'warn',
    ],
  });
  info = await host.ready();
}

async function runtimeStatus(instanceId: string): Promise<unknown> {
  const systemKey = info.keys.systemKeys['durabletask_extension'] ?? '';
  const response = await request(
    `${info.url}/runtime/webhooks/durabletask/instances/${instanceId}?code=${systemKey}`,
  );
  return response.status === 200 ? field(response.body, 'runtimeStatus') : undefined;
}

async function send(body: unknown, messageId: string): Promise<void> {
  const sender = client.createSender(QUEUE);
  await sender.sendMessages({ body, messageId, applicationProperties: { origin: 'test' } });
  await sender.close();
}

beforeAll(async () => {
  buildHostCli();
  broker = await BrokerHarness.start({
    queues: [{ name: QUEUE, lockDurationMs: 2_000, maxDeliveryCount: 3 }],
  });
  client = new ServiceBusClient(broker.connectionString);
  dataDir = mkdtempSync(join(tmpdir(), 'host-sb-'));
  ledger = join(dataDir, 'ledger.jsonl');
  writeFileSync(ledger, '');
  await startHostProcess();
}, 120_000);

afterAll(async () => {
  host?.child.kill('SIGKILL');
  await client?.close();
  await broker?.stop();
});

describe('Service Bus trigger through the real client', () => {
  it('runs the function once with .NET-style metadata and completes the message', async () => {
    await send({ users: ['a@contoso.com'] }, 'msg-ok');
    await eventually(
      async () => ((await runtimeStatus('sb-msg-ok')) === 'Completed' ? true : undefined),
      30_000,
      'the run to complete',
    );
    const [entry, ...more] = entries('msg-ok');
    expect(more).toEqual([]);
    expect(entry?.deliveryCount).toBe(1);
    expect(entry?.started).toBe(true);
    expect(entry?.body).toEqual({ users: ['a@contoso.com'] });
    expect(entry?.applicationProperties).toEqual({ origin: 'test' });
    expect(entry?.sequenceNumber).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(entry?.enqueuedTimeUtc ?? ''))).toBe(false);
    await eventually(() => (broker.broker!.count(QUEUE) === 0 ? true : undefined), 10_000, 'completion');
  });

  it('abandons a failing message until the max delivery count dead-letters it', async () => {
    await send({ fail: true }, 'msg-poison');
    await eventually(
      () => (broker.broker!.count(QUEUE, 'deadletter') === 1 ? true : undefined),
      30_000,
      'the message in the dead-letter queue',
    );
    expect(entries('msg-poison').map((entry) => entry.deliveryCount)).toEqual([1, 2, 3]);
    const receiver = client.createReceiver(QUEUE, { subQueueType: 'deadLetter' });
    const [dead] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead?.messageId).toBe('msg-poison');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    await receiver.completeMessage(dead!);
    await receiver.close();
  });

  it('after a SIGKILL mid-message, the lock expires, the message is redelivered and there is exactly one run', async () => {
    await send({ hangOnFirst: true }, 'msg-kill');
    await eventually(
      () => (entries('msg-kill').some((entry) => entry.hanging) ? true : undefined),
      30_000,
      'the first delivery to be in the function',
    );
    host!.child.kill('SIGKILL');
    await host!.exited;
    await startHostProcess();
    await eventually(
      async () => ((await runtimeStatus('sb-msg-kill')) === 'Completed' ? true : undefined),
      30_000,
      'the run to complete',
    );
    await eventually(() => (broker.broker!.count(QUEUE) === 0 ? true : undefined), 10_000, 'completion');
    const deliveries = entries('msg-kill').filter((entry) => entry.hanging !== true);
    expect(deliveries.map((entry) => [entry.deliveryCount, entry.started])).toEqual([
      [1, true],
      [2, false],
    ]);
    const systemKey = info.keys.systemKeys['durabletask_extension'] ?? '';
    const all = await request(`${info.url}/runtime/webhooks/durabletask/instances?code=${systemKey}`);
    const ids = (all.body as { instanceId: string }[]).map((instance) => instance.instanceId);
    expect(ids.filter((id) => id.includes('msg-kill'))).toEqual(['sb-msg-kill']);
  });
});
