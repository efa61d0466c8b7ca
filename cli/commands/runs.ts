import { Command } from 'commander';
import { type RunsPage } from '../api';
import { apiFrom, wantsJson } from '../connection';
import { CliError, EXIT } from '../errors';

interface RunsOptions {
  top: string;
  cursor?: string;
  all?: boolean;
}

/** `runs [--top n] [--cursor c] [--all]`: recent runs, newest first. */
export function runsCommand(): Command {
  return new Command('runs')
    .description('list recent runs, newest first')
    .option('--top <n>', 'runs per page (1-100)', '20')
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .option('--all', 'follow every page')
    .action(async (options: RunsOptions, command: Command) => {
      const top = Number(options.top);
      if (!Number.isInteger(top) || top < 1 || top > 100)
        throw new CliError('--top must be 1 to 100', EXIT.usage);
      const api = apiFrom(command);
      const page: RunsPage = await api.runs(top, options.cursor);
      const runs = [...page.runs];
      let cursor = page.nextCursor;
      while (options.all === true && cursor !== null) {
        const next = await api.runs(top, cursor);
        runs.push(...next.runs);
        cursor = next.nextCursor;
      }
      if (wantsJson(command)) {
        process.stdout.write(`${JSON.stringify({ runs, nextCursor: cursor })}\n`);
        return;
      }
      const lines = runs.map((run) =>
        [
          run.createdTime.replace('T', ' ').slice(0, 19),
          run.runtimeStatus.padEnd(10),
          `${run.done}/${run.total}`.padStart(11),
          `${run.trigger}${run.dryRun ? ' dry' : ''}`.padEnd(14),
          run.id,
        ].join('  '),
      );
      process.stdout.write(
        `${['created (UTC)       ', 'status    ', '      users', 'trigger       ', 'id'].join('  ')}\n${lines.join('\n')}\n`,
      );
      if (cursor !== null) process.stderr.write(`more: mfa-phone-sync runs --cursor ${cursor}\n`);
    });
}
