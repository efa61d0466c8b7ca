import { startServiceBusBroker, type RunningBroker } from './broker';
import { PRODUCT_QUEUE_DEFAULTS, parseBrokerConfig } from './config';

/**
 * The broker serving the product's one queue with the properties infra gives the real queue (lock 1 min,
 * max delivery 5, duplicate detection 10 min). Used by `npm start`, the Service Bus demo and benchmark.
 */
export function startProductQueueBroker(options: {
  queueName: string;
  dataDir: string;
  port: number;
  /** Shorter locks let a demo show redelivery without waiting a minute. */
  lockDurationMs?: number;
}): Promise<RunningBroker> {
  return startServiceBusBroker({
    queues: parseBrokerConfig({
      queues: [
        {
          name: options.queueName,
          ...PRODUCT_QUEUE_DEFAULTS,
          ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
        },
      ],
    }),
    dataDir: options.dataDir,
    port: options.port,
  });
}
