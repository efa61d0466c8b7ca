import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionInfo } from '../../../dev/host/app/functionCatalog';
import type { LogLevel } from '../../../dev/host/logger';
import { readServiceBusOptions } from '../../../dev/host/triggers/serviceBusOptions';
import { createServiceBusSource } from '../../../dev/host/triggers/serviceBusSource';

function queueFunction(connection: string): FunctionInfo {
  return {
    name: 'queueStart',
    kind: 'serviceBus',
    triggerType: 'serviceBusTrigger',
    triggerBindingName: 'message',
    trigger: { type: 'serviceBusTrigger', queueName: 'q', connection },
    bindings: {},
    durableClientBindingName: undefined,
    error: undefined,
    disabled: false,
  } as unknown as FunctionInfo;
}

async function startWith(settings: NodeJS.ProcessEnv): Promise<{ level: LogLevel; message: string }[]> {
  const lines: { level: LogLevel; message: string }[] = [];
  const source = createServiceBusSource({
    autoCompleteMessages: true,
    maxConcurrentCalls: 1,
    maxAutoLockRenewalDurationMs: 0,
    prefetchCount: 0,
  });
  await source.start({
    functions: [queueFunction('ServiceBusConnection')],
    settings,
    logger: { log: (level, message) => lines.push({ level, message }) },
    dispatch: () => Promise.reject(new Error('not expected')),
  });
  await source.stop();
  return lines;
}

describe('Service Bus source', () => {
  it('does not listen without a connection setting and says so', async () => {
    const lines = await startWith({});
    expect(lines.some((line) => line.message.includes('not listening'))).toBe(true);
  });

  it('logs a malformed connection string instead of failing the host start', async () => {
    const lines = await startWith({ ServiceBusConnection: 'not a connection string' });
    expect(lines.some((line) => line.level === 'error' && line.message.includes('could not start'))).toBe(
      true,
    );
  });

  it('reads host.json extensions.serviceBus, with the extension defaults otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-options-'));
    writeFileSync(
      join(dir, 'host.json'),
      JSON.stringify({
        extensions: {
          serviceBus: {
            autoCompleteMessages: false,
            maxConcurrentCalls: 3,
            maxAutoLockRenewalDuration: '00:01:30',
          },
        },
      }),
    );
    expect(readServiceBusOptions(dir)).toMatchObject({
      autoCompleteMessages: false,
      maxConcurrentCalls: 3,
      maxAutoLockRenewalDurationMs: 90_000,
    });
    writeFileSync(
      join(dir, 'host.json'),
      JSON.stringify({ extensions: { serviceBus: { maxAutoLockRenewalDuration: '5 min' } } }),
    );
    expect(() => readServiceBusOptions(dir)).toThrow(/maxAutoLockRenewalDuration must be a TimeSpan/);
    writeFileSync(join(dir, 'host.json'), '{}');
    expect(readServiceBusOptions(dir)).toMatchObject({
      autoCompleteMessages: true,
      maxAutoLockRenewalDurationMs: 300_000,
    });
  });
});
