#!/usr/bin/env node
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generateTenantSeed } from '../graph-emulator';
import { PROJECT_ROOT, startLocalStack } from '../localStack';
import { type SyncClient } from '../syncClient';
import { percentile, round, runBenchmark } from './figures';

/**
 * Benchmark (not a test) of the queue door: the real client → local broker → the host's Service Bus trigger →
 * queueStart → a started run. Emulator latency off; every message is a one-user dry run.
 *
 *   npm run build && node dist/dev/bench/serviceBusRun.js [--messages 200] [--samples 30]
 *
 * Throughput: `--messages` messages sent at once; messages per second until every run exists, against the
 * same number of POST /api/sync requests (16 in flight).
 * Added latency: one message at a time, send → the run's status answers (GET /api/sync/{id}), against the
 * same for POST /api/sync; the difference is what the queue path adds per message.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { messages: { type: 'string', default: '200' }, samples: { type: 'string', default: '30' } },
  });
  const messages = Number(values.messages);
  const samples = Number(values.samples);
  const seed = generateTenantSeed({ users: Math.max(messages, samples * 2), seed: 21 });
  const upns = seed.users.map((user) => user.userPrincipalName);
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'bench-servicebus'),
    emulator: { seed, latency: 'off', throttling: false },
    output: 'capture',
    serviceBus: { port: 0 },
  });
  const client = new ServiceBusClient(stack.broker?.connectionString ?? '');
  const sender = client.createSender(stack.settings['SERVICEBUS_QUEUE_NAME'] ?? '');
  try {
    const api = stack.client();
    const body = (upn: string): { users: string[]; dryRun: boolean } => ({ users: [upn], dryRun: true });

    // Warm-up: connections, links, JIT.
    await sender.sendMessages({ body: body(upns[0] ?? ''), messageId: 'warm-sb' });
    await waitForRun(api, 'sb-warm-sb');
    await api.submit(body(upns[0] ?? ''));

    // Throughput.
    const batch: ServiceBusMessage[] = upns
      .slice(0, messages)
      .map((upn, index) => ({ body: body(upn), messageId: `tp-${index}` }));
    const started = performance.now();
    for (let index = 0; index < batch.length; index += 50)
      await sender.sendMessages(batch.slice(index, index + 50));
    const sentMs = performance.now() - started;
    for (let index = 0; index < batch.length; index++) await waitForRun(api, `sb-tp-${index}`);
    const allStartedMs = performance.now() - started;

    // The same number of one-user runs through POST /api/sync, 16 requests in flight (maxConcurrentCalls
    // in host.json is 16 too), for the ratio.
    const httpStarted = performance.now();
    const httpIds: string[] = [];
    const queueOfUpns = upns.slice(0, messages);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let upn = queueOfUpns.shift(); upn !== undefined; upn = queueOfUpns.shift()) {
          const submitted = await api.submit(body(upn), { 'Idempotency-Key': `bench-${upn}` });
          httpIds.push(String(submitted.body['id']));
        }
      }),
    );
    for (const id of httpIds) await waitForRun(api, id);
    const httpAllStartedMs = performance.now() - httpStarted;

    // Added latency per message, queue against HTTP, one at a time.
    const queueMs: number[] = [];
    const httpMs: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      const upn = upns[(sample * 2) % upns.length] ?? '';
      let begin = performance.now();
      await sender.sendMessages({ body: body(upn), messageId: `lat-${sample}` });
      await waitForRun(api, `sb-lat-${sample}`);
      queueMs.push(performance.now() - begin);
      begin = performance.now();
      const submitted = await api.submit(body(upns[(sample * 2 + 1) % upns.length] ?? ''));
      await waitForRun(api, String(submitted.body['id']));
      httpMs.push(performance.now() - begin);
    }
    const figures = {
      messages,
      sendMs: round(sentMs),
      messagesPerSecondIntoStartedRuns: round((messages / allStartedMs) * 1000),
      httpRequestsPerSecondIntoStartedRuns: round((messages / httpAllStartedMs) * 1000),
      queueToHttpThroughputRatio: round(httpAllStartedMs / allStartedMs),
      samples,
      queueToRunP50Ms: round(percentile(queueMs, 0.5)),
      queueToRunP95Ms: round(percentile(queueMs, 0.95)),
      httpToRunP50Ms: round(percentile(httpMs, 0.5)),
      httpToRunP95Ms: round(percentile(httpMs, 0.95)),
      addedLatencyP50Ms: round(percentile(queueMs, 0.5) - percentile(httpMs, 0.5)),
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await sender.close();
    await client.close();
    await stack.stop();
  }
}

/** Until the run's status answers (the run exists); polls tightly so the poll adds little to the figure. */
async function waitForRun(api: SyncClient, runId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { status } = await api.status(runId);
    if (status === 200) return;
    await sleep(5);
  }
  throw new Error(`run ${runId} did not appear`);
}

runBenchmark(main);
