import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalStack } from '../localStack';

/**
 * `npm run bench:bigbodies`: how much memory a 100 MB request body costs the local host (issue 7 §2).
 *
 * The product runs on the local host (a child process); each scenario POSTs 100,000,000 bytes to
 * /api/sync over raw TCP — with a declared Content-Length or chunked, with the function key or without —
 * once and eight at once, stopping when the host answers. The host's RSS is sampled every 10 ms from
 * /proc; the figure is the peak over the baseline taken just before the scenario.
 * Bars: < 50 MB for one request, < 150 MB for eight at once.
 */
const BODY_BYTES = 100_000_000;
const SINGLE_BAR_MB = 50;
const EIGHT_BAR_MB = 150;
const CHUNK = Buffer.alloc(256 * 1024, 0x20);

interface Scenario {
  name: string;
  chunked: boolean;
  withKey: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'declared length, with key', chunked: false, withKey: true },
  { name: 'declared length, no key', chunked: false, withKey: false },
  { name: 'chunked, with key', chunked: true, withKey: true },
  { name: 'chunked, no key', chunked: true, withKey: false },
];

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Sends up to BODY_BYTES and stops at the host's answer; resolves with the status code. */
function send(port: number, key: string | undefined, chunked: boolean): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answered = false;
    let received = '';
    const head = [
      `POST /api/sync${key === undefined ? '' : `?code=${key}`} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${BODY_BYTES}`,
      '',
      '',
    ].join('\r\n');
    socket.on('connect', () => {
      socket.write(head);
      let left = BODY_BYTES;
      const pump = (): void => {
        while (left > 0 && !answered && !socket.destroyed) {
          const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= piece.length;
          const framed = chunked
            ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
            : piece;
          if (!socket.write(framed)) return void socket.once('drain', pump);
        }
        if (left === 0 && chunked && !answered) socket.write('0\r\n\r\n');
      };
      pump();
    });
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const status = /HTTP\/1\.1 (\d{3}) /.exec(received.replace(/HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
      if (status && !answered) {
        answered = true;
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    // A host that closes while we still send makes our next write fail (EPIPE/ECONNRESET); the answer may
    // still have arrived. 0 = closed without an answer.
    const settle = (): void => {
      if (answered) return;
      answered = true;
      socket.destroy();
      resolve(Number(/HTTP\/1\.1 ([2-9]\d\d) /.exec(received)?.[1] ?? 0));
    };
    socket.on('error', settle);
    socket.on('close', settle);
  });
}

async function measure(
  pid: number,
  run: () => Promise<number[]>,
): Promise<{ peakMb: number; statuses: number[] }> {
  // Let the previous scenario's garbage go before the baseline is read.
  await sleep(1_500);
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 10);
  const statuses = await run();
  await sleep(200);
  clearInterval(sampler);
  return { peakMb: (peak - baseline) / 1e6, statuses };
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ dataDir: join(tmpdir(), 'mfa-bench-bigbodies'), logLevel: 'error' });
  try {
    const pid = stack.host.pid;
    if (pid === undefined) throw new Error('no host pid');
    const port = stack.host.ready.port;
    const key = stack.functionKey('httpStart');
    // Warm-up: the first request loads code paths the baseline should already include.
    await send(port, key, false);
    await send(port, undefined, true);
    const rows: string[] = [];
    let pass = true;
    for (const scenario of SCENARIOS) {
      for (const parallel of [1, 8]) {
        const { peakMb, statuses } = await measure(pid, () =>
          Promise.all(
            Array.from({ length: parallel }, () =>
              send(port, scenario.withKey ? key : undefined, scenario.chunked),
            ),
          ),
        );
        const bar = parallel === 1 ? SINGLE_BAR_MB : EIGHT_BAR_MB;
        pass &&= peakMb < bar;
        rows.push(
          `| ${scenario.name} | ${parallel} | ${[...new Set(statuses)].join(',')} | ${peakMb.toFixed(1)} MB | < ${bar} MB ${peakMb < bar ? 'ok' : 'MISSED'} |`,
        );
      }
    }
    process.stdout.write(
      [
        `Host peak RSS increase for ${BODY_BYTES.toLocaleString('en-US')}-byte POST /api/sync bodies (SYNC_MAX_REQUEST_BYTES default 16 MiB)`,
        '',
        '| body | at once | answer | peak RSS increase | bar |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
        '',
        pass ? 'All bars met.' : 'A bar was MISSED.',
        '',
      ].join('\n'),
    );
    process.exitCode = pass ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

void main();
