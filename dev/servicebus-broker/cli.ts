#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRODUCT_QUEUE_DEFAULTS, parseBrokerConfig, readBrokerConfigFile } from './config';
import { startServiceBusBroker } from './broker';

/**
 * `node dist/dev/servicebus-broker/cli.js [--port 5672] [--config queues.json] [--data-dir dir]`: the local
 * Service Bus broker on its own. Without --config it serves the product's queue as infra declares it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5672' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      queue: { type: 'string', default: process.env['SERVICEBUS_QUEUE_NAME'] ?? 'mfa-phone-sync-requests' },
      'data-dir': { type: 'string', default: resolve('.local', 'servicebus') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: servicebus-broker [--port 5672] [--host 127.0.0.1] [--config queues.json | --queue name] [--data-dir dir]\n',
    );
    return;
  }
  const queues =
    values.config === undefined
      ? parseBrokerConfig({ queues: [{ name: values.queue, ...PRODUCT_QUEUE_DEFAULTS }] })
      : readBrokerConfigFile(values.config);
  const broker = await startServiceBusBroker({
    queues,
    dataDir: values['data-dir'],
    port: Number(values.port),
    host: values.host,
    log: (message) => process.stderr.write(`[servicebus-broker] ${message}\n`),
  });
  process.stdout.write(
    `Local Service Bus broker on ${broker.host}:${broker.port} (dev tooling, never deployed)\n` +
      `queues: ${broker.queues.map((queue) => queue.name).join(', ')}\n` +
      `ServiceBusConnection=${broker.connectionString}\n`,
  );
  const stop = (): void => {
    void broker.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`servicebus-broker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
