import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * The operator's tools end to end: the compiled CLI (`mfa-phone-sync`, dist/cli/main.js) against the local
 * stack (host + Graph emulator with the demo tenant + Azurite): sync → status --watch → report --format csv,
 * every seeded outcome in the report, exit codes, --json output.
 */
interface SeedUser {
  userPrincipalName: string;
  expect?: { outcome: string };
}
const SEED_PATH = join(PROJECT_ROOT, 'dev', 'graph-emulator', 'seeds', 'demo-tenant.json');
const seedUsers = (JSON.parse(readFileSync(SEED_PATH, 'utf8')) as { users: SeedUser[] }).users.filter(
  (user) => user.expect,
);
const CLI = join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const dataDir = join(PROJECT_ROOT, '.tmp', `e2e-operator-${process.pid}`);

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    dataDir,
    emulator: { seed: SEED_PATH, stateDir: process.env.EMULATOR_STATE_DIR, latency: 'off' },
    settings: { SYNC_CHUNK_SIZE: '5', SYNC_PARALLEL_CHUNKS: '2' },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  recordForPrivacyScan('host output', stack.host.output.splice(0).join(''));
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const hostKey = stack.host.ready.keys.hostKeys['default'] ?? '';
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, MFA_PHONE_SYNC_URL: stack.apiUrl(), MFA_PHONE_SYNC_KEY: hostKey, ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        recordForPrivacyScan(`cli ${args[0] ?? ''}`, `${stdout}\n${stderr}`);
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('mfa-phone-sync CLI through the local stack', () => {
  let runId = '';

  it('sync reads users from a CSV column and prints the run id', async () => {
    mkdirSync(dataDir, { recursive: true });
    const csvPath = join(dataDir, 'users.csv');
    // A CSV export as an administrator would have it, with the users in a column of its own.
    const lines = [
      '"Display","UPN"',
      ...seedUsers.map((u, i) => `"User ${i}","${u.userPrincipalName.replace(/"/g, '""')}"`),
    ];
    writeFileSync(csvPath, `${lines.join('\r\n')}\r\n`);
    const result = await cli(['sync', '--file', csvPath, '--column', 'UPN']);
    expect(result.code, result.stderr).toBe(0);
    runId = result.stdout.trim();
    expect(runId).toMatch(/^run-[0-9a-f]{32}$/);
    expect(result.stderr).toContain(`accepted ${seedUsers.length} user(s)`);
  });

  it('status --watch follows the run to its end and prints the counts table; exit 0 when nobody failed', async () => {
    const result = await cli(['status', runId, '--watch', '--interval', '200']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status   Completed');
    expect(result.stdout).toMatch(new RegExp(`users\\s+${seedUsers.length}/${seedUsers.length}`));
    const table = Object.fromEntries(
      [...result.stdout.matchAll(/^(\w+)\s+(\d+)$/gm)].map((match) => [match[1], Number(match[2])]),
    );
    const expected: Record<string, number> = {};
    for (const user of seedUsers) {
      const outcome = user.expect?.outcome ?? '';
      expected[outcome] = (expected[outcome] ?? 0) + 1;
    }
    expect(table).toEqual(expected);
  });

  it('report --format csv holds one row per user with exactly the seeded outcome, masked', async () => {
    const result = await cli(['report', runId, '--format', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(seedUsers.length);
    const byUser = new Map(rows.map((row) => [row['user'], row]));
    for (const user of seedUsers) {
      expect(byUser.get(user.userPrincipalName)?.['outcome'], user.userPrincipalName).toBe(
        user.expect?.outcome,
      );
    }
    // Masked numbers start with '+': guarded against spreadsheet formulas, never shown in full.
    const afters = rows.map((row) => row['after'] ?? '').filter((after) => after !== '');
    expect(afters.length).toBeGreaterThan(0);
    for (const after of afters) expect(after).toMatch(/^'\+\d{1,3} \*+\d{2}$/);
  });

  it('report --outcome filters, and --format jsonl gives one JSON object per line', async () => {
    const result = await cli(['report', runId, '--format', 'jsonl', '--outcome', 'invalid,conflict']);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { outcome: string });
    const wanted = seedUsers.filter((u) => ['invalid', 'conflict'].includes(u.expect?.outcome ?? ''));
    expect(rows).toHaveLength(wanted.length);
    expect(new Set(rows.map((row) => row.outcome))).toEqual(new Set(['invalid', 'conflict']));
  });

  it('--json output parses: status, runs (the run is listed), sync', async () => {
    const status = await cli(['--json', 'status', runId]);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { runtimeStatus: string }).runtimeStatus).toBe('Completed');

    const dry = await cli(['--json', 'sync', '--dry-run', 'anna.schmidt@contoso.com']);
    expect(dry.code, dry.stderr).toBe(0);
    const submitted = JSON.parse(dry.stdout) as { id: string; dryRun: boolean };
    expect(submitted.dryRun).toBe(true);
    await cli(['status', submitted.id, '--watch', '--interval', '200']);

    const runs = await cli(['--json', 'runs', '--top', '1', '--all']);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { runs: { id: string; trigger: string }[]; nextCursor: null };
    // Newest first; --all followed the cursor one run per page without losing or repeating a run.
    expect(listed.runs.map((run) => run.id)).toEqual([submitted.id, runId]);
    expect(listed.nextCursor).toBeNull();
  });

  it('exit codes: 2 for usage errors and unknown runs, 3 when the service refuses the key or is unreachable', async () => {
    expect((await cli(['sync'])).code).toBe(2);
    expect((await cli(['report', runId, '--format', 'xml'])).code).toBe(2);
    expect((await cli(['status', 'run-00000000000000000000000000000000'])).code).toBe(2);
    expect((await cli(['report', runId, '--outcome', 'nonsense'])).code).toBe(2);
    expect((await cli(['runs'], { MFA_PHONE_SYNC_KEY: '' })).code).toBe(2);
    const refused = await cli(['runs'], { MFA_PHONE_SYNC_KEY: 'not-a-key' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).not.toContain('not-a-key');
    expect((await cli(['runs', '--url', 'http://127.0.0.1:9/api'])).code).toBe(3);
  });
});
