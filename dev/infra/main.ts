#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkInfra, formatReport } from './checkInfra';

/**
 * `npm run check:infra`: the real Bicep CLI's build and lint (warnings fail), then the project rules on the
 * compiled ARM JSON. CHECK_INFRA_REQUIRE_BICEP=1 (set by .ci/run) fails when the CLI cannot be had.
 */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}

async function main(): Promise<void> {
  const report = await checkInfra({ projectRoot: projectRoot(), log: (line) => console.log(line) });
  console.log(formatReport(report));
  const failed = report.diagnostics.length + report.findings.length > 0;
  const missingCli = report.cli === null && process.env.CHECK_INFRA_REQUIRE_BICEP === '1';
  if (missingCli) console.error('CHECK_INFRA_REQUIRE_BICEP=1 and no Bicep CLI: failing.');
  process.exitCode = failed || missingCli ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
