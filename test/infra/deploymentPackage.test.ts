import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPackage,
  findPackageProblems,
  formatBytes,
  type PackageResult,
} from '../../dev/package/buildPackage';

/** Builds the real deployment package from dist/ (npm test builds first) and checks what is in it. */
const ROOT = resolve(__dirname, '..', '..');
let outDir: string;
let result: PackageResult;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'package-'));
  result = buildPackage(ROOT, outDir);
  console.log(
    `deployment package: ${formatBytes(result.zipBytes)} zipped, ${formatBytes(result.unpackedBytes)} unpacked, ${result.files} files`,
  );
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('deployment package', () => {
  it('holds the compiled app and its production dependencies, and nothing dev-only', () => {
    expect(findPackageProblems(result.stagingDir, ROOT)).toEqual([]);
    for (const path of [
      'host.json',
      'package.json',
      'dist/functions/httpStart.js',
      'dist/orchestrations/syncPhoneNumbers.js',
      'dist/activities/syncUserPhone.js',
      'node_modules/@azure/functions/package.json',
      'node_modules/durable-functions/package.json',
      'node_modules/zod/package.json',
    ]) {
      expect(existsSync(join(result.stagingDir, path)), path).toBe(true);
    }
    for (const path of [
      'dist/dev',
      'dist/cli',
      'node_modules/vitest',
      'node_modules/typescript',
      'node_modules/azurite',
    ]) {
      expect(existsSync(join(result.stagingDir, path)), path).toBe(false);
    }
  });

  it('writes a zip that unzip accepts, with every staged file', () => {
    const listing = execFileSync('unzip', ['-Z1', result.zipPath], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(listing.split('\n').filter((line) => line !== '')).toHaveLength(result.files);
    execFileSync('unzip', ['-tq', result.zipPath]);
  });

  it('reports dev tooling, tests and dev dependencies seeded into the package', () => {
    const seeded = join(outDir, 'seeded');
    cpSync(join(result.stagingDir, 'host.json'), join(seeded, 'host.json'));
    mkdirSync(join(seeded, 'dist', 'dev'), { recursive: true });
    writeFileSync(join(seeded, 'dist', 'dev', 'start.js'), '');
    mkdirSync(join(seeded, 'test'), { recursive: true });
    writeFileSync(join(seeded, 'test', 'a.test.ts'), '');
    cpSync(
      join(ROOT, 'node_modules', 'fast-check', 'package.json'),
      join(seeded, 'node_modules', 'fast-check', 'package.json'),
    );
    const problems = findPackageProblems(seeded, ROOT);
    expect(problems).toContain('dist/dev/start.js: dev tooling or tests');
    expect(problems).toContain('test/a.test.ts: dev tooling or tests');
    expect(problems).toContain('node_modules/fast-check: a dev dependency');
  });
});
