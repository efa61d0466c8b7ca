import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  appSettingsFrom,
  type EmulatorOptions,
  type GraphAuthMode,
  type RunningEmulator,
  startGraphEmulator,
} from './graph-emulator';
import { findPackageRoot } from './graph-emulator/packageRoot';
import { startProductQueueBroker } from './servicebus-broker/productQueue';
import type { RunningBroker } from './servicebus-broker';
import { type RunningAzurite, startAzurite } from './azurite';
import { SyncClient } from './syncClient';

/**
 * The whole product on this machine: the Graph + Entra emulator in this process and the local Functions
 * host, running the compiled app, in a child process (so it can be killed and restarted like a real
 * worker, and so `NODE_EXTRA_CA_CERTS` — read by Node only at start — can trust the emulator's CA).
 *
 * Used by `npm start`, `npm run demo`, the end-to-end tests, the crash test and the benchmarks.
 */

/** The repository root, from the sources (tests) and from dist/ alike. */
export const PROJECT_ROOT = findPackageRoot(__dirname);
const HOST_CLI = join(PROJECT_ROOT, 'dist', 'dev', 'host', 'cli.js');

export interface LocalStackOptions {
  /** Where the host keeps its SQLite state and keys. Wiped first unless `keepState`. */
  dataDir: string;
  keepState?: boolean;
  /** 0 (default) picks a free port. */
  hostPort?: number;
  emulator?: EmulatorOptions;
  authMode?: GraphAuthMode;
  /** App settings on top of the emulator's and the defaults below. */
  settings?: Record<string, string>;
  maxActivities?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the host's stdout/stderr go: inherited (interactive) or captured (tests). */
  output?: 'inherit' | 'capture';
  /**
   * Also start the local Service Bus broker (in this process) with the product's queue and hand the host
   * its connection string as `ServiceBusConnection`, so the queue trigger listens. 0 picks a free port.
   */
  serviceBus?: { port?: number; lockDurationMs?: number };
  /** Azurite (blob storage for the run reports): in memory unless `persist` (kept in `<dataDir>/azurite`). */
  azurite?: { persist?: boolean };
}

/** Settings every local run uses unless overridden: the demo tenant's conventions. */
export const LOCAL_DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  TASKHUB_NAME: 'mfaphonesynclocal',
  SERVICEBUS_QUEUE_NAME: 'mfa-phone-sync-requests',
  SYNC_DEFAULT_COUNTRY: 'DE',
  // Locally a retry need not wait long; Azure keeps the defaults.
  SYNC_RETRY_FIRST_INTERVAL_MS: '500',
  SYNC_RETRY_MAX_INTERVAL_MS: '5000',
};

export interface HostReady {
  url: string;
  apiUrl: string;
  port: number;
  pid: number;
  keys: {
    masterKey: string;
    hostKeys: Record<string, string>;
    functionKeys: Record<string, Record<string, string>>;
  };
}

/** The host child process: start, kill (any signal), restart on the same data directory. */
export class HostProcess {
  private child: ChildProcess | undefined;
  private readyInfo: HostReady | undefined;
  /** Everything the host printed, when captured (tests read it; it never contains request bodies). */
  readonly output: string[] = [];

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly readyFile: string,
    private readonly mode: 'inherit' | 'capture',
  ) {}

  get ready(): HostReady {
    if (this.readyInfo === undefined) throw new Error('the host has not started');
    return this.readyInfo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 60_000): Promise<HostReady> {
    if (!existsSync(HOST_CLI)) throw new Error(`${HOST_CLI} is missing: run "npm run build" first`);
    rmSync(this.readyFile, { force: true });
    // LOCAL_HOST_NODE_ARGS passes flags to the host's Node (e.g. "--cpu-prof" when profiling a benchmark).
    const nodeArgs = (process.env.LOCAL_HOST_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    const child = spawn(process.execPath, [...nodeArgs, HOST_CLI, ...this.args], {
      env: this.env,
      stdio: this.mode === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (this.mode === 'capture') {
      const keep = (chunk: Buffer): void => {
        this.output.push(chunk.toString('utf8'));
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    }
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(this.readyFile)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `the host exited before it was ready (${child.exitCode ?? child.signalCode}):\n${this.output.join('').slice(-4000)}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`the host was not ready within ${timeoutMs} ms`);
      await sleep(50);
    }
    this.readyInfo = JSON.parse(readFileSync(this.readyFile, 'utf8')) as HostReady;
    return this.readyInfo;
  }

  /** SIGKILL simulates a crashed worker: no cleanup, no draining. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface LocalStack {
  emulator: RunningEmulator;
  /** The local Service Bus broker, when `serviceBus` was asked for. */
  broker: RunningBroker | undefined;
  /** Blob storage of the run reports. */
  azurite: RunningAzurite;
  host: HostProcess;
  /** The app settings the host was started with (product + emulator). */
  settings: Record<string, string>;
  /** The default function key, for `?code=`. */
  functionKey(functionName: string): string;
  /** Base URL of the HTTP functions, e.g. `http://127.0.0.1:7071/api`. */
  apiUrl(): string;
  /** A client of the product's HTTP API on the host as it runs now (its port changes on restart). */
  client(): SyncClient;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  if (options.keepState !== true) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const azurite = await startAzurite({
    location: options.azurite?.persist === true ? join(dataDir, 'azurite') : undefined,
  });
  let emulator: RunningEmulator;
  try {
    emulator = await startGraphEmulator({ stateDir: join(dataDir, 'emulator'), ...options.emulator });
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  let broker: RunningBroker | undefined;
  try {
    const productSettings = appSettingsFrom(emulator.productSettings(options.authMode ?? 'managedIdentity'));
    const settings: Record<string, string> = {
      ...LOCAL_DEFAULT_SETTINGS,
      // The app's storage account, as Core Tools' local.settings.json names it; the reports live there.
      AzureWebJobsStorage: azurite.connectionString,
      ...productSettings,
      ...options.settings,
    };
    if (options.serviceBus !== undefined) {
      broker = await startProductQueueBroker({
        queueName: settings['SERVICEBUS_QUEUE_NAME'] ?? 'mfa-phone-sync-requests',
        dataDir: join(dataDir, 'servicebus'),
        port: options.serviceBus.port ?? 0,
        ...(options.serviceBus.lockDurationMs === undefined
          ? {}
          : { lockDurationMs: options.serviceBus.lockDurationMs }),
      });
      settings['ServiceBusConnection'] = broker.connectionString;
    }
    const readyFile = join(dataDir, 'host-ready.json');
    const args = [
      '--app-dir',
      PROJECT_ROOT,
      '--port',
      String(options.hostPort ?? 0),
      '--data-dir',
      join(dataDir, 'host'),
      '--ready-file',
      readyFile,
      '--log-level',
      options.logLevel ?? 'warn',
      ...(options.maxActivities === undefined ? [] : ['--max-activities', String(options.maxActivities)]),
      ...Object.entries(settings).flatMap(([name, value]) => ['--setting', `${name}=${value}`]),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: emulator.caCertificatePath,
      NO_PROXY: '127.0.0.1,localhost',
    };
    const host = new HostProcess(args, env, readyFile, options.output ?? 'capture');
    await host.start();
    const functionKey = (name: string): string =>
      host.ready.keys.functionKeys[name]?.['default'] ?? host.ready.keys.hostKeys['default'] ?? '';
    return {
      emulator,
      broker,
      azurite,
      host,
      settings,
      functionKey: (name) =>
        host.ready.keys.functionKeys[name]?.['default'] ?? host.ready.keys.hostKeys['default'] ?? '',
      apiUrl: () => host.ready.apiUrl,
      client: () =>
        new SyncClient({
          apiUrl: host.ready.apiUrl,
          startKey: functionKey('httpStart'),
          statusKey: functionKey('httpStatus'),
        }),
      stop: async () => {
        await host.stop();
        await broker?.stop();
        await emulator.stop();
        await azurite.stop();
      },
    };
  } catch (error) {
    await broker?.stop();
    await emulator.stop();
    await azurite.stop();
    throw error;
  }
}
