#!/usr/bin/env node
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandExit } from './commandExit';
import { registerEnqueueCommand } from './commands/enqueue';

/**
 * `mfa-phone-sync`: the operator's command line. Each command lives in its own module under cli/commands/
 * and is registered here; this file only builds the program and maps failures to exit codes.
 *
 * Exit codes scripts can rely on (see README "Command line"):
 *   0 success, 1 the command ran but found users that failed (or the run failed),
 *   2 usage error (bad arguments or input), 3 the service could not be reached or refused us.
 */
export const EXIT = { ok: 0, usersFailed: 1, usage: 2, unavailable: 3 } as const;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('mfa-phone-sync')
    .description("Keeps every Entra ID user's MFA phone method equal to a directory attribute.")
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerEnqueueCommand(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommandExit) {
      process.stderr.write(`mfa-phone-sync: ${error.message}\n`);
      return error.status;
    }
    // commander throws CommanderError (with its own exit code) for --help, --version and usage errors.
    if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`mfa-phone-sync: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unavailable;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
