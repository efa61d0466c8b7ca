#!/usr/bin/env node
import { renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startHost, type RunningHost } from './index';
import { describeError } from './invoke/invoker';
import { createConsoleLogger, isLogLevel } from './logger';

/**
 * `node dist/dev/host/cli.js --app-dir . [options]`: runs a Functions app on this machine (see dev/host/README.md).
 * Prints the URLs and keys, logs one line per invocation (never bodies), stops gracefully on SIGINT/SIGTERM and
 * resumes unfinished orchestrations from its data directory on the next start.
 */

const USAGE = `Usage: local-functions-host [options]

  --app-dir <dir>            function app directory (package.json "main", host.json, local.settings.json); default: cwd
  --port <n>                 HTTP port; default 7071, 0 picks a free one
  --hostname <address>       interface to bind; default 127.0.0.1
  --data-dir <dir>           SQLite state and generated keys; default <app-dir>/.local/host
  --no-enforce-keys          accept requests without function/admin/system keys (like Core Tools)
  --max-activities <n>       maxConcurrentActivityFunctions (default: host.json, else 10 x CPUs)
  --max-orchestrations <n>   maxConcurrentOrchestratorFunctions (default: host.json, else 10 x CPUs)
  --setting NAME=VALUE       app setting override, wins over local.settings.json and the environment (repeatable)
  --log-level <level>        debug | info | warn | error; default info (info logs every invocation)
  --ready-file <path>        write {"url","port","pid","keys"} as JSON to this file once the host is ready
  --help                     show this text
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1))
    fail(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return parsed;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'app-dir': { type: 'string' },
        port: { type: 'string' },
        hostname: { type: 'string' },
        'data-dir': { type: 'string' },
        'no-enforce-keys': { type: 'boolean' },
        'max-activities': { type: 'string' },
        'max-orchestrations': { type: 'string' },
        setting: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'ready-file': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    fail(describeError(error));
  }
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level)) fail(`--log-level must be one of debug, info, warn, error`);
  const settings: Record<string, string> = {};
  for (const entry of values.setting ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) fail(`--setting expects NAME=VALUE, got '${entry}'`);
    settings[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const logger = createConsoleLogger(level);
  const appDir = resolve(values['app-dir'] ?? process.cwd());

  let host: RunningHost;
  try {
    host = await startHost({
      appDir,
      port: positiveInt('port', values.port, true),
      hostname: values.hostname,
      dataDir: values['data-dir'],
      settings,
      enforceKeys: values['no-enforce-keys'] !== true,
      maxConcurrentActivityFunctions: positiveInt('max-activities', values['max-activities']),
      maxConcurrentOrchestratorFunctions: positiveInt('max-orchestrations', values['max-orchestrations']),
      logger,
    });
  } catch (error) {
    logger.flush?.();
    process.stderr.write(
      `The host failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  }

  printBanner(host);
  if (values['ready-file']) {
    // Written then renamed, so a watcher never reads half a file.
    const readyFile = resolve(values['ready-file']);
    writeFileSync(
      `${readyFile}.tmp`,
      JSON.stringify({
        url: host.url,
        apiUrl: host.apiUrl,
        port: host.port,
        pid: process.pid,
        keys: host.keys,
      }),
    );
    renameSync(`${readyFile}.tmp`, readyFile);
  }

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`${signal} again: exiting without waiting.\n`);
      process.exit(1);
    }
    logger.log(
      'info',
      `${signal} received: stopping (running invocations may finish; unfinished work resumes on the next start)`,
    );
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stop failed: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

function printBanner(host: RunningHost): void {
  const lines: string[] = [];
  lines.push(
    `Local Functions host listening on ${host.url} (task hub '${host.hubName}', data ${host.dataDir})`,
  );
  if (host.enforceKeys) {
    // Terminal scrollback and CI logs outlive the session: show which key, and where to read it in full.
    lines.push(
      'Keys are enforced (pass ?code=<key> or the x-functions-key header; --no-enforce-keys relaxes this).',
    );
    lines.push(`Full keys: ${join(host.dataDir, 'host-keys.json')} (and the --ready-file, when given)`);
    lines.push(`  master key:       ${keyHint(host.keys.masterKey)}`);
    for (const [name, key] of Object.entries(host.keys.hostKeys))
      lines.push(`  host key ${name}: ${keyHint(key)}`);
  } else {
    lines.push('Keys are NOT enforced (--no-enforce-keys).');
  }
  lines.push('Functions:');
  for (const fn of host.functions) {
    if (fn.error) {
      lines.push(`  ${fn.name}: in error, not running: ${fn.error}`);
      continue;
    }
    if (fn.disabled) {
      lines.push(
        `  ${fn.name}: ${fn.triggerType}, disabled (AzureWebJobs.${fn.name}.Disabled); admin API only`,
      );
      continue;
    }
    if (fn.kind === 'http') {
      const route = typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name;
      const methods = Array.isArray(fn.trigger['methods']) ? fn.trigger['methods'].join(',') : 'ANY';
      const level = typeof fn.trigger['authLevel'] === 'string' ? fn.trigger['authLevel'] : 'function';
      const key = host.enforceKeys && level === 'function' ? '?code=<function key>' : '';
      lines.push(`  ${fn.name}: [${methods}] ${host.apiUrl}/${route}${key}  (authLevel ${level})`);
    } else if (fn.kind === 'orchestration' || fn.kind === 'activity' || fn.kind === 'entity') {
      lines.push(`  ${fn.name}: ${fn.triggerType}`);
    } else {
      const detail = ['queueName', 'topicName', 'subscriptionName', 'schedule']
        .filter((key) => typeof fn.trigger[key] === 'string')
        .map((key) => `${key} '${String(fn.trigger[key])}'`)
        .join(', ');
      lines.push(
        `  ${fn.name}: ${fn.triggerType}${detail ? ` (${detail})` : ''}; fire with POST ${host.url}/admin/functions/${fn.name}`,
      );
    }
  }
  lines.push(
    `Durable management API: ${host.url}/runtime/webhooks/durabletask/instances (system key required when enforced)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `abcd…` (40 chars): enough to tell keys apart, not enough to use one. */
function keyHint(key: string | undefined): string {
  if (key === undefined || key === '') return '(none)';
  return `${key.slice(0, 4)}… (${key.length} chars)`;
}

void main();
