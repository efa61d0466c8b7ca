import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, silentLogger, type RunningHost } from '../../dev/host/index';

/**
 * Idle keep-alive connections stay open as long as Kestrel keeps them (130 s), not Node's 5 s. With 5 s the
 * server and the Durable client's HTTP agent (Node's global agent: 5 s idle timeout) raced to close the same
 * socket; under load the client lost, its status call died with ECONNRESET and GET /api/sync/{id} answered
 * 500 during benchmarks.
 */
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    appDir: join(__dirname, 'apps', 'durable'),
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'host-keepalive-')),
    logger: silentLogger,
  });
});
afterAll(async () => {
  await host?.stop();
});

describe('local host connections', () => {
  it('announces and keeps Kestrel idle timeout of 130 s, longer than the client agent 5 s', async () => {
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(
        `${host.url}/admin/host/status`,
        { headers: { connection: 'keep-alive' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['keep-alive'])));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(keepAlive).toBe('timeout=130');
  });
});
