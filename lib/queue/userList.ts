import { parse as parseCsv } from 'csv-parse/sync';
import { redactPhoneNumbers } from '../phone/mask';
import { checkUserKey } from '../input/userKey';
import { parseSyncRequest } from '../input/syncRequest';

/**
 * Reads the users an operator hands the `enqueue` command: one per line, a CSV column, or a legacy
 * webhook / `{"users": [...]}` JSON body. Every entry is checked as the doors check it, so a bad entry is
 * named (line or JSON pointer) before anything is sent.
 */
export type UserListFormat = 'auto' | 'lines' | 'csv' | 'json';

export interface UserListProblem {
  /** `line 12`, `row 4`, `/users/3`. */
  where: string;
  detail: string;
  /** The offending text, shortened and with phone numbers masked. */
  value?: string;
}

export interface UserList {
  users: string[];
  duplicatesRemoved: number;
  /** A JSON body may say `dryRun`; undefined when it does not (or is not JSON). */
  dryRun: boolean | undefined;
  problems: UserListProblem[];
}

export interface UserListOptions {
  format: UserListFormat;
  /** CSV column holding the user (header name, case-insensitive). */
  column?: string;
  /** Used by `auto` to recognise `.csv` and `.json` files. */
  fileName?: string;
}

export function detectFormat(text: string, options: UserListOptions): Exclude<UserListFormat, 'auto'> {
  if (options.format !== 'auto') return options.format;
  const name = options.fileName?.toLowerCase() ?? '';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv') || options.column !== undefined) return 'csv';
  const start = text.replace(/^\uFEFF/, '').trimStart()[0];
  return start === '[' || start === '{' ? 'json' : 'lines';
}

export function readUserList(text: string, options: UserListOptions): UserList {
  const format = detectFormat(text, options);
  if (format === 'json') return fromJson(text);
  const entries = format === 'csv' ? csvEntries(text, options.column) : lineEntries(text);
  if ('problem' in entries)
    return { users: [], duplicatesRemoved: 0, dryRun: undefined, problems: [entries.problem] };
  return collect(entries.list, undefined);
}

/** Users given as command arguments. */
export function userListFromArguments(values: readonly string[]): UserList {
  return collect(
    values.map((value, index) => ({ where: `argument ${index + 1}`, value })),
    undefined,
  );
}

interface Entry {
  where: string;
  value: string;
}

function lineEntries(text: string): { list: Entry[] } {
  const list: Entry[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, index) => {
      const value = line.trim();
      if (value === '' || value.startsWith('#')) return;
      list.push({ where: `line ${index + 1}`, value });
    });
  return { list };
}

function csvEntries(
  text: string,
  column: string | undefined,
): { list: Entry[] } | { problem: UserListProblem } {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv<Record<string, string>>(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    return { problem: { where: 'CSV', detail: error instanceof Error ? error.message : String(error) } };
  }
  const header = Object.keys(rows[0] ?? {});
  const wanted = (column ?? 'UserPrincipalName').toLowerCase();
  const key = header.find((name) => name.toLowerCase() === wanted);
  if (key === undefined) {
    return {
      problem: {
        where: 'CSV header',
        detail: `has no column '${column ?? 'UserPrincipalName'}' (columns: ${header.map((name) => safe(name)).join(', ') || 'none'}); name it with --column`,
      },
    };
  }
  // Row 1 is the header, so data rows start at 2.
  return { list: rows.map((row, index) => ({ where: `row ${index + 2}`, value: row[key] ?? '' })) };
}

function fromJson(text: string): UserList {
  let body: unknown;
  try {
    body = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    return {
      users: [],
      duplicatesRemoved: 0,
      dryRun: undefined,
      problems: [{ where: 'JSON', detail: error instanceof Error ? error.message : String(error) }],
    };
  }
  const parsed = parseSyncRequest(body, Number.MAX_SAFE_INTEGER);
  if (!parsed.ok) {
    const problems = parsed.problems.map((problem) => ({
      where: problem.pointer || '(body)',
      detail: problem.detail,
      ...(problem.value === undefined ? {} : { value: problem.value }),
    }));
    return {
      users: [],
      duplicatesRemoved: 0,
      dryRun: undefined,
      problems: problems.length > 0 ? problems : [{ where: '(body)', detail: parsed.detail }],
    };
  }
  return {
    users: parsed.request.users,
    duplicatesRemoved: parsed.request.duplicatesRemoved,
    dryRun: parsed.request.dryRun,
    problems: [],
  };
}

function collect(entries: readonly Entry[], dryRun: boolean | undefined): UserList {
  const seen = new Set<string>();
  const users: string[] = [];
  const problems: UserListProblem[] = [];
  for (const entry of entries) {
    const check = checkUserKey(entry.value);
    if (!check.ok) {
      problems.push({ where: entry.where, detail: check.problem, value: safe(entry.value) });
      continue;
    }
    if (seen.has(check.dedupeKey)) continue;
    seen.add(check.dedupeKey);
    users.push(check.key);
  }
  return { users, duplicatesRemoved: entries.length - problems.length - users.length, dryRun, problems };
}

function safe(value: string): string {
  return redactPhoneNumbers(value.length > 120 ? `${value.slice(0, 117)}...` : value);
}
