import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostLogger, type RunningHost } from '../../dev/host/index';
import { redactSecrets } from '../../dev/host/logRedaction';
import { rawRequest } from './support/rawHttp';

/**
 * The host's own input handling (issue 7 §2, §3), over raw TCP where fetch would refuse to send the request:
 * malformed Host → 400, long target → 414, a declared body over the host's 100 MiB limit → 413 and a wrong
 * key → 401 before any body byte is read, a stalled body → 408 and close, bodies streamed to a streaming
 * app, and no key in any log line.
 */
const appDir = join(__dirname, 'apps', 'streaming');
const logLines: string[] = [];
const logger: HostLogger = { log: (level, message) => logLines.push(`${level} ${message}`) };
let host: RunningHost;
let key: string;

beforeAll(async () => {
  host = await startHost({
    appDir,
    dataDir: mkdtempSync(join(tmpdir(), 'host-input-')),
    port: 0,
    logger,
    // Kestrel's minimum rate (240 B/s), with a 1 s grace instead of 5 s so the stall test is short.
    bodyLimits: { maxBytes: 100 * 1024 * 1024, minBytesPerSecond: 240, graceMs: 1_000 },
  });
  key = host.keys.masterKey ?? '';
});

afterAll(async () => {
  await host.stop();
});

const post = (target: string, headers: string[], length?: number): string =>
  [
    `POST ${target} HTTP/1.1`,
    ...headers,
    ...(length === undefined ? [] : [`Content-Length: ${length}`]),
    '',
    '',
  ].join('\r\n');

describe('malformed requests get 4xx, never 500', () => {
  it.each([['Host: '], ['Host: [::1'], ['Host: a@evil.example'], ['Host: evil.example/x'], ['Host: a:b:c']])(
    '%s → 400',
    async (hostHeader) => {
      const answer = await rawRequest(host.port, post(`/api/count?code=${key}`, [hostHeader], 2), {
        body: Buffer.from('[]'),
      });
      expect(answer.status).toBe(400);
    },
  );

  it('a request without Host → 400', async () => {
    const answer = await rawRequest(host.port, post(`/api/count?code=${key}`, [], 0));
    expect(answer.status).toBe(400);
  });

  it('a request target over 8 KiB → 414', async () => {
    const answer = await rawRequest(
      host.port,
      post(`/api/count?code=${key}&x=${'a'.repeat(9_000)}`, ['Host: h'], 0),
    );
    expect(answer.status).toBe(414);
  });

  it('never writes a key into a log line, whatever the request looked like', () => {
    expect(logLines.some((line) => line.includes('refused'))).toBe(true);
    expect(logLines.filter((line) => line.includes(key))).toEqual([]);
  });
});

describe('big bodies are refused before they are read', () => {
  it('a declared length over the host limit → 413, without sending a byte of body', async () => {
    const answer = await rawRequest(host.port, post(`/api/count?code=${key}`, ['Host: h'], 200_000_000));
    expect(answer.status).toBe(413);
    expect(answer.head.toLowerCase()).toContain('connection: close');
  });

  it('a wrong key → 401 before any of a declared 100 MB body arrives', async () => {
    const answer = await rawRequest(host.port, post('/api/count?code=wrong', ['Host: h'], 100_000_000));
    expect(answer.status).toBe(401);
    expect(answer.closedByHost).toBe(true);
  });

  it('a body that stalls is cut off with 408 and the connection closed', async () => {
    const answer = await rawRequest(host.port, post(`/api/count?code=${key}`, ['Host: h'], 100_000_000), {
      body: Buffer.from('[1'),
      settleMs: 30_000,
    });
    expect(answer.status).toBe(408);
    expect(answer.closedByHost).toBe(true);
    expect(logLines.some((line) => /408 body slower than 240 bytes\/s/.test(line))).toBe(true);
  });
});

describe('HTTP streaming (enableHttpStream): the body goes to the worker as a stream', () => {
  it('delivers a chunked body whole, with the URL on the host’s own address', async () => {
    const size = 5 * 1024 * 1024;
    const response = await fetch(`${host.url}/api/count?code=${key}`, {
      method: 'POST',
      body: new Blob([Buffer.alloc(size, 0x61)]).stream(),
      duplex: 'half',
      headers: { 'content-type': 'application/octet-stream' },
    } as RequestInit);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { bytes: number; url: string; method: string };
    expect(body).toMatchObject({ bytes: size, method: 'POST' });
    expect(body.url.startsWith(`${host.url}/api/count?`)).toBe(true);
  });

  it('lets the function refuse mid-body; the rest is not read and the connection closes', async () => {
    const answer = await rawRequest(
      host.port,
      post(`/api/count?code=${key}&limit=1000000`, ['Host: evil.example', 'Transfer-Encoding: chunked']),
      { body: Buffer.from(`${(4 * 1024 * 1024).toString(16)}\r\n`), keepSendingBytes: 4 * 1024 * 1024 },
    );
    expect(answer.status).toBe(413);
    expect(answer.head.toLowerCase()).toContain('connection: close');
    expect(answer.body).not.toContain('evil');
  });
});

describe('key redaction in log lines', () => {
  it.each([
    ['GET /api/x?code=abc123&y=1', 'GET /api/x?code=***&y=1'],
    ['url=http://h/api/x?a=1&CODE=abc', 'url=http://h/api/x?a=1&CODE=***'],
    ['headers {"x-functions-key":"abc","a":"b"}', 'headers {"x-functions-key":"***","a":"b"}'],
    ['x-functions-key: abc', 'x-functions-key: ***'],
    ['/api/x%3Fcode%3Dabc', '/api/x%3Fcode%3D***'],
    ['no secrets here', 'no secrets here'],
  ])('%s', (line, expected) => {
    expect(redactSecrets(line)).toBe(expected);
  });
});
