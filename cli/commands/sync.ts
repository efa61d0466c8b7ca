import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { apiFrom, wantsJson } from '../connection';
import { CliError, EXIT } from '../errors';

interface SyncOptions {
  file?: string;
  column?: string;
  dryRun?: boolean;
}

/**
 * `sync [users...] [--file path|-] [--column name] [--dry-run]`: submits one batch and prints the run id.
 * Users come from the arguments, a file (`-` is stdin) with one user per line, a CSV file (the column
 * named by --column, default UserPrincipalName) or the legacy webhook's JSON body.
 */
export function syncCommand(): Command {
  return new Command('sync')
    .description('submit users (UPNs or object ids) for a sync run; prints the run id')
    .argument('[users...]', 'user principal names or object ids')
    .option('-f, --file <path>', "read users from a file ('-' for stdin): lines, CSV or the legacy JSON body")
    .option('-c, --column <name>', 'CSV column holding the user (default UserPrincipalName)')
    .option('-n, --dry-run', 'read and plan only: report would* outcomes, write nothing')
    .action(async (args: string[], options: SyncOptions, command: Command) => {
      const users = [
        ...args,
        ...(options.file === undefined ? [] : await readUsers(options.file, options.column)),
      ];
      if (users.length === 0)
        throw new CliError('no users: pass them as arguments or with --file', EXIT.usage);
      const answer = await apiFrom(command).submit(users, options.dryRun === true ? true : undefined);
      if (wantsJson(command)) {
        process.stdout.write(`${JSON.stringify(answer)}\n`);
      } else {
        process.stdout.write(`${String(answer['id'])}\n`);
        const dryRun = answer['dryRun'] === true ? ' (dry run)' : '';
        process.stderr.write(
          `accepted ${String(answer['users'])} user(s)${dryRun}; follow with: mfa-phone-sync status ${String(answer['id'])} --watch\n`,
        );
      }
    });
}

async function readUsers(path: string, column: string | undefined): Promise<string[]> {
  let content: string;
  try {
    content = path === '-' ? await text(process.stdin) : readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.usage,
    );
  }
  return usersFromText(content.replace(/^\uFEFF/, ''), column, path);
}

/** Exported for tests: lines, CSV (when a column is named or the first line has a comma) or JSON. */
export function usersFromText(content: string, column: string | undefined, source = 'input'): string[] {
  const trimmed = content.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return usersFromJson(trimmed, source);
  const firstLine = trimmed.split(/\r?\n/, 1)[0] ?? '';
  if (column !== undefined || firstLine.includes(','))
    return usersFromCsv(trimmed, column ?? 'UserPrincipalName', source);
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function usersFromCsv(content: string, column: string, source: string): string[] {
  let records: Record<string, string>[];
  try {
    records = parse<Record<string, string>>(content, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (error) {
    throw new CliError(
      `${source} is not valid CSV: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.usage,
    );
  }
  const header = Object.keys(records[0] ?? {});
  const match = header.find((name) => name.toLowerCase() === column.toLowerCase());
  if (match === undefined) {
    throw new CliError(
      `${source} has no column '${column}' (columns: ${header.join(', ')}); use --column`,
      EXIT.usage,
    );
  }
  return records.map((record) => record[match] ?? '').filter((user) => user !== '');
}

function usersFromJson(content: string, source: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new CliError(`${source} starts like JSON but does not parse`, EXIT.usage);
  }
  const list = Array.isArray(value) ? value : (value as { users?: unknown }).users;
  if (!Array.isArray(list))
    throw new CliError(`${source}: expected an array of users or {"users": [...]}`, EXIT.usage);
  return list.map((entry, index) => {
    if (typeof entry === 'string') return entry;
    const upn = (entry as { UserPrincipalName?: unknown } | null)?.UserPrincipalName;
    if (typeof upn === 'string') return upn;
    throw new CliError(
      `${source}: entry ${index} is neither a string nor {"UserPrincipalName": ...}`,
      EXIT.usage,
    );
  });
}
