import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, silentLogger, type RunningHost } from '../../dev/host/index';
import { field, request, waitForTerminal } from './support/hostHttp';

const appDir = join(__dirname, 'apps', 'durable');
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    appDir,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-durable-')),
    logger: silentLogger,
  });
});
afterAll(async () => {
  await host?.stop();
});

async function start(name: string, input?: unknown, instanceId?: string): Promise<Record<string, string>> {
  const response = await request(
    `${host.apiUrl}/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`,
    {
      method: 'POST',
      rawBody: input === undefined ? '' : JSON.stringify(input),
    },
  );
  expect(response.status).toBe(202);
  return response.body as Record<string, string>;
}

describe('durable orchestration patterns', () => {
  it('fans out and in', async () => {
    const started = await start('fanOut', ['a', 'b', 'c']);
    const final = await waitForTerminal(started['statusQueryGetUri'] ?? '');
    expect(final['runtimeStatus']).toBe('Completed');
    expect(final['output']).toEqual(['Hello a', 'Hello b', 'Hello c']);
    expect(final['customStatus']).toEqual({ stage: 'done', n: 3 });
    expect(field(final, 'input')).toEqual(['a', 'b', 'c']);
  });
});
