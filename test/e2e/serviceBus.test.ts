import { ServiceBusClient } from '@azure/service-bus';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEnqueue, type EnqueueIo, type EnqueueOptions } from '../../cli/commands/enqueue';
import { DEMO_SEED_PATH } from '../../dev/demoExpectations';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * The queue door end to end: `enqueue` → local broker → the host's Service Bus trigger (real client) →
 * queueStart → orchestration → emulator → status; an invalid message dead-lettered after 5 deliveries.
 */
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-servicebus-${process.pid}`);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    dataDir,
    emulator: { seed: DEMO_SEED_PATH, stateDir: process.env.EMULATOR_STATE_DIR, latency: 'off' },
    serviceBus: { port: 0 },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  recordForPrivacyScan('host output', stack.host.output.splice(0).join(''));
});

function options(overrides: Partial<EnqueueOptions> = {}): EnqueueOptions {
  return {
    format: 'auto',
    planOnly: false,
    queue: stack.settings['SERVICEBUS_QUEUE_NAME'] ?? '',
    connectionString: stack.broker?.connectionString ?? '',
    maxMessageBytes: 262_144,
    maxUsersPerMessage: 10_000,
    json: true,
    ...overrides,
  };
}

const io: EnqueueIo = {
  out: () => undefined,
  readStdin: () => Promise.resolve(''),
  stdinIsTTY: true,
  env: {},
};

describe('Service Bus door end to end', () => {
  it('an enqueued batch becomes one completed dry run of its users; the same enqueue again starts nothing', async () => {
    const users = ['anna.schmidt@contoso.com', 'ben.mueller@contoso.com'];
    const result = await runEnqueue(users, options({ dryRun: true }), io);
    expect(result.messages).toHaveLength(1);
    const runId = result.messages[0]?.runId ?? '';
    const view = await stack.client().waitForRun(runId, { timeoutMs: 60_000 });
    expect(view.runtimeStatus).toBe('Completed');
    expect(view.summary?.dryRun).toBe(true);
    expect(view.summary?.trigger).toBe('serviceBus');
    expect(view.progress?.total).toBe(2);
    const created = view.createdTime;

    const again = await runEnqueue(users, options({ dryRun: true }), io);
    expect(again.messages[0]?.runId).toBe(runId);
    // Nothing was queued (duplicate detection), so nothing can restart the run.
    expect(stack.broker?.count(options().queue)).toBe(0);
    const later = await stack.client().status(runId);
    expect(later.view?.createdTime).toBe(created);
  });

  it('an invalid message is refused on every delivery and dead-lettered after the max delivery count', async () => {
    const client = new ServiceBusClient(stack.broker?.connectionString ?? '');
    const sender = client.createSender(options().queue);
    await sender.sendMessages({ body: { users: 'everyone' }, messageId: 'e2e-poison' });
    await sender.close();
    const receiver = client.createReceiver(options().queue, { subQueueType: 'deadLetter' });
    const [dead] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 30_000 });
    expect(dead?.messageId).toBe('e2e-poison');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead?.deadLetterErrorDescription).toContain('5 delivery attempts');
    await receiver.completeMessage(dead!);
    await receiver.close();
    await client.close();
    const refusals = stack.host.output
      .join('')
      .split('\n')
      .filter((line) => line.includes('queue message refused') && line.includes('e2e-poison'));
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toContain('/users expected an array');
  });
});
