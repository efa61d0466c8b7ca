import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Compiles dev/host with the project's TypeScript into node_modules/.cache/local-host/<hash>/ so tests can run
 * the real CLI as a child process (kill it, restart it) without depending on `npm run build`. The output lives
 * under node_modules so the compiled files resolve the project's dependencies. Cached by source hash.
 */
const repoRoot = join(__dirname, '..', '..', '..');
const sourceDir = join(repoRoot, 'dev', 'host');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

export function buildHostCli(): string {
  const files = sourceFiles(sourceDir).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(repoRoot, file)).update(readFileSync(file));
  const outDir = join(repoRoot, 'node_modules', '.cache', 'local-host', hash.digest('hex').slice(0, 16));
  const cli = join(outDir, 'dev', 'host', 'cli.js');
  if (existsSync(cli)) return cli;

  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const tsconfig = join(staging, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: { noEmit: false, rootDir: repoRoot, outDir: staging, sourceMap: false },
      include: [join(sourceDir, '**', '*.ts')],
    }),
  );
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig],
    {
      stdio: 'pipe',
    },
  );
  rmSync(tsconfig);
  try {
    renameSync(staging, outDir);
  } catch {
    // Another test file built the same sources first; use theirs.
    rmSync(staging, { recursive: true, force: true });
  }
  return cli;
}
