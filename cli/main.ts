#!/usr/bin/env node
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerEnqueueCommand } from './commands/enqueue';
import { reportCommand } from './commands/report';
import { runsCommand } from './commands/runs';
import { statusCommand } from './commands/status';
import { syncCommand } from './commands/sync';
import { CliError, EXIT, type ExitCode } from './errors';

/**
 * `mfa-phone-sync`: the operator's command line. Each command lives in its own module under cli/commands/
 * and is registered here; this file only builds the program and maps failures to exit codes.
 *
 * Exit codes scripts can rely on (see README "Command line"):
 *   0 success, 1 the command ran but found users that failed (or the run failed),
 *   2 usage error (bad arguments or input), 3 the service could not be reached or refused us.
 */
export { EXIT } from './errors';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/** `onExit` receives the exit code a command decided on (e.g. `status` when users failed). */
export function buildProgram(onExit: (code: ExitCode) => void = () => undefined): Command {
  const program = new Command('mfa-phone-sync')
    .description("Keeps every Entra ID user's MFA phone method equal to a directory attribute.")
    .version(packageVersion())
    .option(
      '--url <url>',
      'base URL of the functions (default: MFA_PHONE_SYNC_URL), e.g. https://<app>.azurewebsites.net/api',
    )
    .option('--key <key>', 'host or function key (default: MFA_PHONE_SYNC_KEY)')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [syncCommand(), statusCommand(onExit), runsCommand(), reportCommand()]) {
    program.addCommand(command.exitOverride());
  }
  registerEnqueueCommand(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let decided: ExitCode = EXIT.ok;
  const program = buildProgram((code) => {
    decided = code;
  });
  try {
    await program.parseAsync([...argv]);
    return decided;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`mfa-phone-sync: ${error.message}\n`);
      return error.exit;
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
