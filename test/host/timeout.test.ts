import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType, startHost, type RunningHost } from '../../dev/host/index';
import { parseFunctionTimeout } from '../../dev/host/app/settings';
import { field, request, waitForTerminal } from './support/hostHttp';

/**
 * host.json `functionTimeout` (here one second), enforced as the real host does: the invocation fails with
 * "Timeout value of ... was exceeded by function: Functions.<name>", so an activity's failure reaches the
 * orchestrator (and its retry policy) and an HTTP call answers 500.
 */
const lines: string[] = [];
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    appDir: join(__dirname, 'apps', 'timeout'),
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-timeout-')),
    logger: { log: (level, message) => lines.push(`${level} ${message}`) },
  });
});
afterAll(async () => {
  await host?.stop();
});

describe('functionTimeout', () => {
  it('fails an activity that outlives it, and the orchestrator retries it', async () => {
    const started = await request(`${host.apiUrl}/orchestrators/callsSlow`, { body: 'k1' });
    expect(started.status).toBe(202);
    const id = String(field(started.body, 'id'));
    const final = await waitForTerminal(String(field(started.body, 'statusQueryGetUri')));
    expect(final['runtimeStatus']).toBe('Completed');
    expect(final['output']).toBe('ok:k1:2');
    const failures = host.durable.getHistory(id).filter((event) => event.EventType === EventType.TaskFailed);
    expect(failures).toHaveLength(1);
    expect(String(failures[0]?.['Reason'])).toContain(
      'Timeout value of 00:00:01 was exceeded by function: Functions.slowOnce',
    );
    expect(
      lines.some((line) =>
        /^error Timeout value of 00:00:01 exceeded by function 'Functions\.slowOnce'/.test(line),
      ),
    ).toBe(true);
  });

  it('answers 500 for an HTTP call that outlives it, and leaves quick calls alone', async () => {
    expect((await request(`${host.apiUrl}/hang`)).status).toBe(500);
    expect(lines.some((line) => line.includes("exceeded by function 'Functions.hang'"))).toBe(true);
    const quick = await request(`${host.apiUrl}/quick`);
    expect(quick.status).toBe(200);
    expect(quick.text).toBe('in time');
  });
});

describe('parseFunctionTimeout (host.json TimeSpan)', () => {
  it.each([
    ['00:05:00', 300_000],
    ['00:00:01.5', 1_500],
    ['1.02:00:00', 26 * 3_600_000],
    ['10:00:00', 36_000_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseFunctionTimeout(text)).toBe(ms);
  });

  it('-1 and absence mean no limit', () => {
    expect(parseFunctionTimeout('-1')).toBeUndefined();
    expect(parseFunctionTimeout(-1)).toBeUndefined();
    expect(parseFunctionTimeout(undefined)).toBeUndefined();
  });

  it.each(['5 minutes', '00:61:00', '00:00:00', 300, ''])('refuses %j, naming the setting', (value) => {
    expect(() => parseFunctionTimeout(value)).toThrow(/functionTimeout/);
  });
});
