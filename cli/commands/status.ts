import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiClient, type RunStatus } from '../api';
import { apiFrom, wantsJson } from '../connection';
import { CliError, EXIT, type ExitCode } from '../errors';

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

interface StatusOptions {
  watch?: boolean;
  interval: string;
}

/**
 * `status <id> [--watch]`: the run's state and counts by outcome; with --watch a live progress bar (on
 * stderr, so stdout stays clean for the table or --json) until the run ends. Exit code 1 when the run
 * failed or any user failed.
 */
export function statusCommand(onExit: (code: ExitCode) => void): Command {
  return new Command('status')
    .description('show a run: state, progress and counts by outcome')
    .argument('<id>', 'the run id printed by sync')
    .option('-w, --watch', 'follow the run with a progress bar until it ends')
    .option('--interval <ms>', 'poll interval while watching', '1000')
    .action(async (runId: string, options: StatusOptions, command: Command) => {
      const interval = Number(options.interval);
      if (!Number.isInteger(interval) || interval < 100)
        throw new CliError('--interval must be at least 100 ms', EXIT.usage);
      const api = apiFrom(command);
      const status = options.watch === true ? await watch(api, runId, interval) : await api.status(runId);
      if (wantsJson(command)) process.stdout.write(`${JSON.stringify(status)}\n`);
      else process.stdout.write(countsTable(status));
      onExit(exitCodeOf(status));
    });
}

export function exitCodeOf(status: RunStatus): ExitCode {
  if (['Failed', 'Terminated', 'Canceled'].includes(status.runtimeStatus)) return EXIT.usersFailed;
  const counts = status.summary?.counts ?? status.progress?.counts ?? {};
  return (counts['failed'] ?? 0) > 0 ? EXIT.usersFailed : EXIT.ok;
}

async function watch(api: ApiClient, runId: string, intervalMs: number): Promise<RunStatus> {
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {value}/{total} users | {state}',
    stream: process.stderr,
    hideCursor: true,
    // Without a terminal (CI, pipes) print a plain line now and then instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  let started = false;
  try {
    for (;;) {
      const status = await api.status(runId);
      const total = status.summary?.total ?? status.progress?.total ?? 0;
      const done = status.summary?.total ?? status.progress?.done ?? 0;
      if (!started) {
        bar.start(total, done, { state: status.runtimeStatus });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { state: status.runtimeStatus });
      }
      if (TERMINAL.has(status.runtimeStatus)) return status;
      await sleep(intervalMs);
    }
  } finally {
    if (started) bar.stop();
  }
}

/** The run in a few lines: state, totals, one row per outcome that happened. */
export function countsTable(status: RunStatus): string {
  const counts = status.summary?.counts ?? status.progress?.counts ?? {};
  const total = status.summary?.total ?? status.progress?.total ?? 0;
  const done = status.summary?.total ?? status.progress?.done ?? 0;
  const rows = Object.entries(counts).filter(([, count]) => count > 0);
  const width = Math.max(7, ...rows.map(([outcome]) => outcome.length));
  const lines = [
    `run      ${status.id}`,
    `status   ${status.runtimeStatus}${status.summary?.dryRun === true ? ' (dry run)' : ''}`,
    `users    ${done}/${total}`,
    ...(status.summary === null ? [] : [`took     ${(status.summary.durationMs / 1000).toFixed(1)} s`]),
    ...(status.error === null ? [] : [`error    ${status.error}`]),
    '',
    `${'outcome'.padEnd(width)}  count`,
    ...rows.map(([outcome, count]) => `${outcome.padEnd(width)}  ${String(count).padStart(5)}`),
  ];
  return `${lines.join('\n')}\n`;
}
