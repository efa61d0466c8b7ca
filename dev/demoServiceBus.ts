#!/usr/bin/env node
import { ServiceBusClient } from '@azure/service-bus';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { type SyncSummary } from '../lib/sync/run';
import { compareWithSeed, DEMO_SEED_PATH, expectedDemoUsers } from './demoExpectations';
import { PROJECT_ROOT, startLocalStack, type LocalStack } from './localStack';

/**
 * `npm run demo:servicebus`: the queue door end to end through the real client and the local broker. The
 * whole demo tenant goes in with the `mfa-phone-sync enqueue` CLI (split into several messages, so several
 * runs), every outcome and resulting phone method is checked against the seed; the same enqueue again must
 * start nothing; a poison message must end in the dead-letter queue after the max delivery count with its
 * reason readable there. Exits non-zero on any mismatch.
 */
const run = promisify(execFile);
const CLI = join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const USERS_PER_MESSAGE = 10;

interface EnqueueJson {
  messages: { messageId: string; runId: string; users: number }[];
}

async function enqueue(stack: LocalStack, file: string): Promise<EnqueueJson> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'enqueue', '--file', file, '--max-users-per-message', String(USERS_PER_MESSAGE), '--json'],
    {
      env: {
        ...process.env,
        SERVICEBUS_CONNECTION_STRING: stack.broker?.connectionString ?? '',
        SERVICEBUS_QUEUE_NAME: stack.settings['SERVICEBUS_QUEUE_NAME'] ?? '',
      },
    },
  );
  return JSON.parse(stdout) as EnqueueJson;
}

/** Every orchestration instance the host knows (the Durable HTTP API, with the task hub's system key). */
async function instanceIds(stack: LocalStack): Promise<string[]> {
  const keys = stack.host.ready.keys as { masterKey: string; systemKeys?: Record<string, string> };
  const key = keys.systemKeys?.['durabletask_extension'] ?? keys.masterKey;
  const response = await fetch(
    `${stack.host.ready.url}/runtime/webhooks/durabletask/instances?top=1000&code=${encodeURIComponent(key)}`,
  );
  if (!response.ok) throw new Error(`listing instances answered ${response.status}`);
  const body = (await response.json()) as { instanceId: string }[];
  return body.map((instance) => instance.instanceId);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { latency: { type: 'string', default: 'realistic' } } });
  const users = expectedDemoUsers();
  const dataDir = join(PROJECT_ROOT, '.local', 'demo-servicebus');
  const stack = await startLocalStack({
    dataDir,
    emulator: { seed: DEMO_SEED_PATH, latency: values.latency === 'off' ? 'off' : 'realistic' },
    serviceBus: { port: 0 },
  });
  const problems: string[] = [];
  const client = new ServiceBusClient(stack.broker?.connectionString ?? '');
  const queue = stack.settings['SERVICEBUS_QUEUE_NAME'] ?? '';
  try {
    // 1. The whole tenant through the CLI, one UPN per line.
    const file = join(dataDir, 'users.txt');
    writeFileSync(file, `${users.map((user) => user.userPrincipalName).join('\n')}\n`);
    const first = await enqueue(stack, file);
    process.stdout.write(
      `Enqueued ${users.length} users in ${first.messages.length} messages (at most ${USERS_PER_MESSAGE} users each):\n` +
        first.messages.map((message) => `  ${message.runId} (${message.users} users)\n`).join(''),
    );
    const summaries: SyncSummary[] = [];
    const api = stack.client();
    for (const message of first.messages) {
      const view = await api.waitForRun(message.runId);
      if (view.runtimeStatus !== 'Completed' || view.summary === null) {
        problems.push(`run ${message.runId} ended ${view.runtimeStatus}`);
        continue;
      }
      summaries.push(view.summary);
    }
    const counts = new Map<string, number>();
    for (const summary of summaries)
      for (const [outcome, count] of Object.entries(summary.counts))
        counts.set(outcome, (counts.get(outcome) ?? 0) + count);
    process.stdout.write(
      `Outcomes over ${summaries.length} runs: ${[...counts]
        .filter(([, count]) => count > 0)
        .map(([outcome, count]) => `${outcome} ${count}`)
        .join(', ')}\n`,
    );
    const mismatches = await compareWithSeed(users, summaries, stack.emulator.control);
    problems.push(...mismatches);
    if (mismatches.length === 0)
      process.stdout.write(`All ${users.length} outcomes and phone methods match the seed.\n`);

    // 2. The same enqueue again: same MessageIds, dropped by duplicate detection; no new run.
    const before = await instanceIds(stack);
    const second = await enqueue(stack, file);
    await sleep(3_000);
    const after = await instanceIds(stack);
    const sameIds =
      JSON.stringify(second.messages.map((m) => m.messageId)) ===
      JSON.stringify(first.messages.map((m) => m.messageId));
    if (!sameIds) problems.push('the second enqueue produced different MessageIds');
    if (after.length !== before.length)
      problems.push(`the second enqueue started ${after.length - before.length} new instance(s)`);
    else process.stdout.write(`Same enqueue again: same ${second.messages.length} MessageIds, no new run.\n`);

    // 3. A poison message: valid JSON, not a sync request. queueStart refuses it on every delivery; after the
    //    queue's max delivery count (5) Service Bus dead-letters it.
    const sender = client.createSender(queue);
    await sender.sendMessages({
      body: { users: 'everyone' },
      messageId: 'demo-poison',
      contentType: 'application/json',
    });
    await sender.close();
    const receiver = client.createReceiver(queue, { subQueueType: 'deadLetter' });
    const [dead] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 60_000 });
    if (dead === undefined)
      problems.push('the poison message did not reach the dead-letter queue within 60 s');
    else {
      process.stdout.write(
        `Poison message ${String(dead.messageId)} in the dead-letter queue: ${dead.deadLetterReason ?? '(no reason)'}: ${dead.deadLetterErrorDescription ?? ''}\n`,
      );
      if (dead.deadLetterReason !== 'MaxDeliveryCountExceeded')
        problems.push(
          `dead-letter reason ${String(dead.deadLetterReason)}, expected MaxDeliveryCountExceeded`,
        );
      await receiver.completeMessage(dead);
    }
    await receiver.close();
    const refused = stack.host.output
      .join('')
      .split('\n')
      .filter((line) => line.includes('queue message refused'));
    process.stdout.write(
      `The host logged the refusal on ${refused.length} deliveries, e.g.:\n  ${refused[0] ?? ''}\n`,
    );
  } finally {
    await client.close();
    await stack.stop();
  }
  if (problems.length > 0) {
    process.stdout.write(
      `\n${problems.length} problem(s):\n${problems.map((line) => `  ${line}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write('\nService Bus demo: every check passed.\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo:servicebus failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
