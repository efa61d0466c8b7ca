import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from './graph-emulator/packageRoot';

/**
 * Azurite, Microsoft's own storage emulator (npm package `azurite`), blob service only: the local stand-in
 * for the app's storage account, where the full run reports live. Not ours to make friendlier: it is the
 * emulator Microsoft ships, run as its own process.
 *
 * `--skipApiVersionCheck`: @azure/storage-blob 12.32 speaks a service version newer than Azurite 3.35 knows.
 * `--disableTelemetry`: Azurite would otherwise send usage data to Application Insights.
 */
export interface RunningAzurite {
  blobEndpoint: string;
  /** The well-known development account and key (public, documented by Microsoft; not a secret). */
  connectionString: string;
  stop(): Promise<void>;
}

const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_BLOB_MAIN = join(
  findPackageRoot(__dirname),
  'node_modules',
  'azurite',
  'dist',
  'src',
  'blob',
  'main.js',
);

export interface AzuriteOptions {
  /** Keep blobs in this directory (survives restarts); in memory when absent. */
  location?: string;
  timeoutMs?: number;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const persistence =
    options.location === undefined
      ? ['--inMemoryPersistence', '--extentMemoryLimit', '512']
      : ['--location', options.location];
  if (options.location !== undefined) mkdirSync(options.location, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      AZURITE_BLOB_MAIN,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
      ...persistence,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await listeningPort(child, options.timeoutMs ?? 30_000);
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
    stop: () => stopChild(child),
  };
}

/** Azurite prints `... successfully listens on http://127.0.0.1:<port>` once it accepts requests. */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code ?? signal}) before listening:\n${output.slice(-2000)}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
