#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type RunStatusView } from '../lib/runs';
import { type SyncSummary } from '../lib/sync/run';
import { compareWithSeed, DEMO_SEED_PATH, expectedDemoUsers } from './demoExpectations';
import { PROJECT_ROOT, startLocalStack } from './localStack';

/**
 * `npm run demo`: one batch over the whole demo tenant, end to end (HTTP → orchestration → emulator →
 * status), with a progress display. Prints the summary and exits non-zero if any user's outcome, or the
 * number Graph holds for it afterwards, differs from what the demo tenant's seed expects.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { latency: { type: 'string', default: 'realistic' } } });
  const seedPath = DEMO_SEED_PATH;
  const users = expectedDemoUsers();

  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'demo'),
    emulator: { seed: seedPath, latency: values.latency === 'off' ? 'off' : 'realistic' },
  });
  try {
    const client = stack.client();
    // The legacy runbook body, exactly as PowerShell would send it.
    const body = JSON.stringify(
      users.map((user) => ({ UserPrincipalName: user.userPrincipalName })),
      null,
      4,
    );
    const submitted = await client.submit(body, { 'content-type': 'application/x-www-form-urlencoded' });
    if (submitted.status !== 202)
      throw new Error(`POST /api/sync answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    const runId = String(submitted.body.id);
    process.stdout.write(
      `Run ${runId}: ${users.length} users submitted (JobIds ${JSON.stringify(submitted.body.JobIds)})\n`,
    );

    const view = await client.waitForRun(runId, { onProgress: showProgress });
    process.stdout.write('\n');
    if (view.runtimeStatus !== 'Completed' || view.summary === null)
      throw new Error(`the run ended ${view.runtimeStatus}: ${view.error ?? ''}`);
    printSummary(view.summary);

    const mismatches = await compareWithSeed(users, [view.summary], stack.emulator.control);
    if (mismatches.length > 0) {
      process.stdout.write(
        `\n${mismatches.length} user(s) differ from the seed's expectations:\n${mismatches.map((line) => `  ${line}`).join('\n')}\n`,
      );
      process.exitCode = 1;
    } else {
      process.stdout.write(
        `\nAll ${users.length} outcomes and resulting phone methods match the demo tenant's expectations.\n`,
      );
    }
  } finally {
    await stack.stop();
  }
}

function showProgress(view: RunStatusView): void {
  const progress = view.progress;
  if (progress === null) return;
  const width = 30;
  const filled = progress.total === 0 ? width : Math.round((progress.done / progress.total) * width);
  const counts = Object.entries(progress.counts)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.done}/${progress.total} ${view.runtimeStatus} ${counts}`;
  process.stdout.write(process.stdout.isTTY ? `\r${line.padEnd(110)}` : `${line}\n`);
}

function printSummary(summary: SyncSummary): void {
  process.stdout.write(`Summary (${summary.durationMs} ms, dry-run ${summary.dryRun}):\n`);
  for (const [outcome, count] of Object.entries(summary.counts))
    if (count > 0) process.stdout.write(`  ${outcome.padEnd(12)} ${count}\n`);
  const rows = [...summary.changes, ...summary.failures, ...summary.skipped];
  for (const row of rows) {
    const numbers = [row.before ?? '', row.after ?? ''].filter((n) => n !== '').join(' -> ');
    process.stdout.write(
      `  ${row.outcome.padEnd(10)} ${row.user.padEnd(55)} ${numbers.padEnd(34)} ${row.reason}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
