import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../dev/graph-emulator/cli';
import { ensureCertificateAuthority, startGraphEmulator } from '../../dev/graph-emulator/index';
import { requestUrl } from './helpers';

/** Start/stop, certificates shared through a state directory, NODE_EXTRA_CA_CERTS, and the CLI. */
const run = promisify(execFile);

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('lifecycle', () => {
  it('stop() closes every listener (even with keep-alive connections open) and is idempotent', async () => {
    const emulator = await startGraphEmulator();
    const ports = [
      portOf(emulator.graphBaseUrl),
      portOf(emulator.authorityHost),
      portOf(emulator.controlUrl),
    ];
    await emulator.control.info(); // leaves a keep-alive connection behind
    for (const port of ports) expect(await connects(port)).toBe(true);
    await emulator.stop();
    await emulator.stop();
    for (const port of ports) expect(await connects(port)).toBe(false);
  });

  it('a state directory keeps one CA across emulators, even when they start at the same time', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-state-'));
    try {
      const [a, b] = await Promise.all([
        startGraphEmulator({ stateDir: dir }),
        startGraphEmulator({ stateDir: dir }),
      ]);
      try {
        expect(a.caCertificatePem).toBe(b.caCertificatePem);
        expect(await readFile(a.caCertificatePath, 'utf8')).toBe(a.caCertificatePem);
        // Each emulator's certificate chains to the shared CA file.
        for (const e of [a, b]) {
          const res = await requestUrl(`${e.graphBaseUrl}/users/x`, 'GET', {
            ca: await readFile(a.caCertificatePath, 'utf8'),
          });
          expect(res.status).toBe(401);
        }
        expect(a.credentials.clientCertificate?.thumbprintSha256).toBe(
          b.credentials.clientCertificate?.thumbprintSha256,
        );
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
      const ca = await ensureCertificateAuthority(dir);
      expect(ca.caCertPem).toBe(await readFile(path.join(dir, 'emulator-ca.pem'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a temporary state directory is removed on stop', async () => {
    const emulator = await startGraphEmulator();
    const dir = path.dirname(emulator.caCertificatePath);
    await emulator.stop();
    await expect(readFile(emulator.caCertificatePath)).rejects.toThrow();
    expect(dir.startsWith(os.tmpdir())).toBe(true);
  });

  it('NODE_EXTRA_CA_CERTS from productSettings lets a fresh process (global fetch) call Graph over HTTPS', async () => {
    const emulator = await startGraphEmulator();
    try {
      const settings = emulator.productSettings('managedIdentity');
      const script = `
        const s = JSON.parse(process.env.SETTINGS);
        const mi = await fetch(s.IDENTITY_ENDPOINT + '?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=' + s.AZURE_CLIENT_ID, { headers: { 'X-IDENTITY-HEADER': s.IDENTITY_HEADER } });
        const { access_token } = await mi.json();
        const res = await fetch(s.GRAPH_BASE_URL + '/users/anna.schmidt@contoso.com?$select=id', { headers: { Authorization: 'Bearer ' + access_token } });
        console.log(res.status);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: settings.NODE_EXTRA_CA_CERTS,
          SETTINGS: JSON.stringify(settings),
        },
      });
      expect(stdout.trim()).toBe('200');
    } finally {
      await emulator.stop();
    }
  });
});

describe('CLI', () => {
  function io(): CliIo & { lines: string[]; errors: string[] } {
    const lines: string[] = [];
    const errors: string[] = [];
    return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
  }

  it('starts from one command, prints URLs and settings, and stops when told to', async () => {
    const out = io();
    const stop = new AbortController();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    try {
      const running = runCli(['--json', '--state-dir', dir], out, stop.signal);
      for (let i = 0; i < 100 && out.lines.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const info = JSON.parse(out.lines[0] ?? '{}');
      expect(info.graphBaseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
      expect(Object.keys(info.settings).sort()).toEqual([
        'clientCertificate',
        'clientSecret',
        'managedIdentity',
        'password',
      ]);
      expect(info.settings.managedIdentity.NODE_EXTRA_CA_CERTS).toBe(path.join(dir, 'emulator-ca.pem'));
      expect(await connects(portOf(info.controlUrl))).toBe(true);
      stop.abort();
      expect(await running).toBe(0);
      expect(await connects(portOf(info.controlUrl))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--help, bad options and --write-seed', async () => {
    const help = io();
    expect(await runCli(['--help'], help, new AbortController().signal)).toBe(0);
    expect(help.lines.join('\n')).toContain('--time-scale');
    const bad = io();
    expect(await runCli(['--bogus'], bad, new AbortController().signal)).toBe(2);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    try {
      const file = path.join(dir, 'big.json');
      const write = io();
      expect(
        await runCli(['--users', '500', '--write-seed', file], write, new AbortController().signal),
      ).toBe(0);
      expect(JSON.parse(await readFile(file, 'utf8')).users).toHaveLength(500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
