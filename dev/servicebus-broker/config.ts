import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Queue properties the broker honours, named as in the Service Bus management API. Defaults are the
 * Standard tier's own (lock 1 min, max delivery 10, duplicate detection window 10 min when enabled,
 * 256 KB messages); the product's queue (infra) uses lock 1 min, max delivery 5, duplicate detection 10 min.
 */
export interface QueueConfig {
  readonly name: string;
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly requiresDuplicateDetection: boolean;
  readonly duplicateDetectionHistoryTimeWindowMs: number;
  /** Undefined: messages live until received (Service Bus' default TTL is "forever" in practice). */
  readonly defaultMessageTimeToLiveMs: number | undefined;
  readonly deadLetteringOnMessageExpiration: boolean;
  readonly maxMessageSizeBytes: number;
}

export const STANDARD_MAX_MESSAGE_SIZE_BYTES = 256 * 1024;

/** The product's queue as infra declares it; `npm start`, the demo and the tests use it. */
export const PRODUCT_QUEUE_DEFAULTS = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 5,
  requiresDuplicateDetection: true,
  duplicateDetectionHistoryTimeWindowMs: 10 * 60_000,
} as const;

const durationMs = z.number().int().positive();

const queueSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'a queue name: letters, digits, ".", "_", "-"'),
    // Service Bus allows 5 s .. 5 min; shorter locks are allowed here so tests need not wait (documented).
    lockDurationMs: durationMs.max(5 * 60_000).default(60_000),
    maxDeliveryCount: z.number().int().min(1).max(2000).default(10),
    requiresDuplicateDetection: z.boolean().default(false),
    // Service Bus allows 20 s .. 7 days.
    duplicateDetectionHistoryTimeWindowMs: durationMs.max(7 * 24 * 3_600_000).default(10 * 60_000),
    defaultMessageTimeToLiveMs: durationMs.optional(),
    deadLetteringOnMessageExpiration: z.boolean().default(false),
    // Standard: 256 KB; Premium: up to 100 MB.
    maxMessageSizeBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(STANDARD_MAX_MESSAGE_SIZE_BYTES),
  })
  .strict();

export const brokerConfigSchema = z
  .object({ queues: z.array(queueSchema).min(1, 'name at least one queue') })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    for (const queue of config.queues) {
      const key = queue.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `queue '${queue.name}' is declared twice` });
      seen.add(key);
    }
  });

export type BrokerConfigInput = z.input<typeof brokerConfigSchema>;

export function parseBrokerConfig(input: unknown): QueueConfig[] {
  const parsed = brokerConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
    );
    throw new Error(`invalid broker config: ${problems.join('; ')}`);
  }
  return parsed.data.queues.map((queue) => ({
    ...queue,
    defaultMessageTimeToLiveMs: queue.defaultMessageTimeToLiveMs,
  }));
}

export function readBrokerConfigFile(path: string): QueueConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(
      `cannot read broker config ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseBrokerConfig(json);
}
