import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { apiFrom } from '../connection';
import { CliError, EXIT } from '../errors';

interface ReportOptions {
  format: string;
  outcome?: string;
  output?: string;
}

/** `report <id> [--format csv|jsonl] [--outcome invalid,failed] [-o file]`: the full per-user report, streamed. */
export function reportCommand(): Command {
  return new Command('report')
    .description("download a run's full per-user report (masked numbers)")
    .argument('<id>', 'the run id')
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--outcome <list>', 'only these outcomes, comma-separated (e.g. invalid,failed)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (runId: string, options: ReportOptions, command: Command) => {
      if (options.format !== 'csv' && options.format !== 'jsonl') {
        throw new CliError('--format must be csv or jsonl', EXIT.usage);
      }
      const body = await apiFrom(command).report(runId, options.format, options.outcome);
      if (options.output === undefined) await pipeline(body, process.stdout, { end: false });
      else await pipeline(body, createWriteStream(options.output));
    });
}
