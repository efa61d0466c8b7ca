import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startGraphEmulator } from './index';
import { type EmulatorOptions, type FaultProfile } from './options';
import { findPackageRoot } from './packageRoot';
import { writeGeneratedSeed } from './seed/generate';
import { type GraphAuthMode, type RunningEmulator } from './types';

/**
 * One command for the Graph + Entra emulator:
 *
 *   node dist/dev/graph-emulator/cli.js [--seed file.json | --users 100000] [--latency realistic] ...
 *
 * Prints the URLs and the product settings, then runs until SIGINT/SIGTERM and stops cleanly.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const MODES: GraphAuthMode[] = ['managedIdentity', 'clientSecret', 'clientCertificate', 'password'];

const USAGE = `Usage: graph-emulator [options]

  --seed <file>          tenant seed (default: dev/graph-emulator/seeds/demo-tenant.json)
  --users <n>            serve a generated tenant of n users instead of a seed file
  --write-seed <file>    with --users: write the generated seed to <file> and exit
  --host <addr>          interface to bind (default 127.0.0.1)
  --graph-port <n>       Graph over HTTPS (default 0 = random)
  --login-port <n>       Entra login host, HTTPS (default 0)
  --local-port <n>       plain HTTP: managed identity, control API, Graph (default 0)
  --latency <profile>    off | realistic (default off)
  --faults <file>        JSON fault profile (see README)
  --random-seed <n>      seed for latency, faults and batch order (default 1)
  --time-scale <x>       compress throttling windows and token lifetimes (default 1)
  --no-throttling        disable Graph throttling
  --event-sink <url>     where CloudEvents for EventGrid subscriptions are POSTed
  --state-dir <dir>      CA and client certificates (default .local/graph-emulator/state)
  --settings <mode>      print settings for one mode: ${MODES.join(' | ')}
  --json                 print one JSON line instead of text
  --help`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got '${value}'`);
  return n;
}

export function describe(
  emulator: RunningEmulator,
  modes: readonly GraphAuthMode[],
): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const mode of modes) {
    try {
      settings[mode] = emulator.productSettings(mode);
    } catch {
      // The seed has no identity for this mode.
    }
  }
  return {
    tenantId: emulator.tenantId,
    graphBaseUrl: emulator.graphBaseUrl,
    plainGraphBaseUrl: emulator.plainGraphBaseUrl,
    authorityHost: emulator.authorityHost,
    managedIdentityEndpoint: emulator.managedIdentity.endpoint,
    controlUrl: emulator.controlUrl,
    caCertificatePath: emulator.caCertificatePath,
    settings,
  };
}

/** Runs the CLI until `stop` aborts (the entry point wires it to SIGINT/SIGTERM). Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, stop: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        seed: { type: 'string' },
        users: { type: 'string' },
        'write-seed': { type: 'string' },
        host: { type: 'string' },
        'graph-port': { type: 'string' },
        'login-port': { type: 'string' },
        'local-port': { type: 'string' },
        latency: { type: 'string' },
        faults: { type: 'string' },
        'random-seed': { type: 'string' },
        'time-scale': { type: 'string' },
        'no-throttling': { type: 'boolean' },
        'event-sink': { type: 'string' },
        'state-dir': { type: 'string' },
        settings: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const users = numberOption(values.users, 'users');
    if (values['write-seed']) {
      if (users === undefined) throw new Error('--write-seed needs --users');
      await writeGeneratedSeed(values['write-seed'], { users });
      io.out(`Wrote a generated tenant of ${users} users to ${values['write-seed']}`);
      return 0;
    }
    const latency = values.latency;
    if (latency !== undefined && latency !== 'off' && latency !== 'realistic') {
      throw new Error(`--latency must be off or realistic, got '${latency}'`);
    }
    const modes = values.settings ? [values.settings as GraphAuthMode] : MODES;
    if (!modes.every((m) => MODES.includes(m)))
      throw new Error(`--settings must be one of ${MODES.join(', ')}`);
    const options: EmulatorOptions = {
      ...(users !== undefined ? { seed: { generate: { users } } } : values.seed ? { seed: values.seed } : {}),
      ...(values.host ? { host: values.host } : {}),
      ports: {
        graph: numberOption(values['graph-port'], 'graph-port') ?? 0,
        login: numberOption(values['login-port'], 'login-port') ?? 0,
        local: numberOption(values['local-port'], 'local-port') ?? 0,
      },
      ...(latency ? { latency: latency } : {}),
      ...(values.faults ? { faults: JSON.parse(await readFile(values.faults, 'utf8')) as FaultProfile } : {}),
      ...(values['random-seed'] ? { randomSeed: numberOption(values['random-seed'], 'random-seed') } : {}),
      ...(values['time-scale'] ? { timeScale: numberOption(values['time-scale'], 'time-scale') } : {}),
      ...(values['no-throttling'] ? { throttling: false as const } : {}),
      ...(values['event-sink'] ? { eventSink: { url: values['event-sink'] } } : {}),
      stateDir: values['state-dir'] ?? path.join(findPackageRoot(), '.local', 'graph-emulator', 'state'),
    };
    const emulator = await startGraphEmulator(options);
    const info = describe(emulator, modes);
    if (values.json) io.out(JSON.stringify(info));
    else {
      const summary = await emulator.control.info();
      io.out(
        `Graph + Entra emulator: ${summary.displayName} (${summary.userCount} users, tenant ${summary.tenantId})`,
      );
      io.out(`  Graph (HTTPS)       ${emulator.graphBaseUrl}`);
      io.out(`  Graph (plain HTTP)  ${emulator.plainGraphBaseUrl}`);
      io.out(`  Login host (HTTPS)  ${emulator.authorityHost}`);
      io.out(`  Managed identity    ${emulator.managedIdentity.endpoint}`);
      io.out(`  Control API         ${emulator.controlUrl}`);
      io.out(`  CA certificate      ${emulator.caCertificatePath}`);
      for (const [mode, settings] of Object.entries(
        info.settings as Record<string, Record<string, string>>,
      )) {
        io.out(`Product settings (${mode}):`);
        for (const [name, value] of Object.entries(settings)) io.out(`  ${name}=${value}`);
      }
      io.out('Press Ctrl+C to stop.');
    }
    if (!stop.aborted)
      await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
    await emulator.stop();
    if (!values.json) io.out('Emulator stopped.');
    return 0;
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (require.main === module) {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  void runCli(
    process.argv.slice(2),
    { out: (l) => console.log(l), err: (l) => console.error(l) },
    controller.signal,
  ).then((code) => {
    process.exitCode = code;
  });
}
