import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/**
 * host.json `extensions.serviceBus`, as the Service Bus extension (v5) reads it. Defaults are the
 * extension's: autoCompleteMessages true, maxConcurrentCalls 16 × cores, maxAutoLockRenewalDuration 5 min,
 * prefetchCount 0.
 */
export interface ServiceBusTriggerOptions {
  readonly autoCompleteMessages: boolean;
  readonly maxConcurrentCalls: number;
  readonly maxAutoLockRenewalDurationMs: number;
  readonly prefetchCount: number;
}

export function defaultServiceBusOptions(): ServiceBusTriggerOptions {
  return {
    autoCompleteMessages: true,
    maxConcurrentCalls: 16 * Math.max(1, cpus().length),
    maxAutoLockRenewalDurationMs: 5 * 60_000,
    prefetchCount: 0,
  };
}

export function readServiceBusOptions(appDir: string): ServiceBusTriggerOptions {
  const defaults = defaultServiceBusOptions();
  const file = join(appDir, 'host.json');
  if (!existsSync(file)) return defaults;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const section = record(record(parsed)?.['extensions'])?.['serviceBus'];
  const options = record(section);
  if (options === undefined) return defaults;
  const concurrent = options['maxConcurrentCalls'];
  const prefetch = options['prefetchCount'];
  const renewal = options['maxAutoLockRenewalDuration'];
  const autoComplete = options['autoCompleteMessages'];
  return {
    autoCompleteMessages: typeof autoComplete === 'boolean' ? autoComplete : defaults.autoCompleteMessages,
    maxConcurrentCalls:
      typeof concurrent === 'number' && Number.isInteger(concurrent) && concurrent > 0
        ? concurrent
        : defaults.maxConcurrentCalls,
    maxAutoLockRenewalDurationMs:
      renewal === undefined ? defaults.maxAutoLockRenewalDurationMs : timeSpanMs(renewal, file),
    prefetchCount:
      typeof prefetch === 'number' && Number.isInteger(prefetch) && prefetch >= 0
        ? prefetch
        : defaults.prefetchCount,
  };
}

/** A .NET TimeSpan `[d.]hh:mm:ss[.fffffff]`; anything else stops the start, naming the file. */
export function timeSpanMs(value: unknown, file: string): number {
  const match =
    typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value) : null;
  if (match === null) {
    throw new Error(
      `${file}: extensions.serviceBus.maxAutoLockRenewalDuration must be a TimeSpan like "00:05:00", got ${JSON.stringify(value)}`,
    );
  }
  const [, days, hours, minutes, seconds, fraction] = match;
  const wholeSeconds =
    Number(days ?? 0) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
  return wholeSeconds * 1000 + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
