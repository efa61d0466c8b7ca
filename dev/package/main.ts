#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildPackage, findPackageProblems, formatBytes } from './buildPackage';

/** `npm run package`: stage .package/app, zip it, and fail if anything dev-only got in. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const root = projectRoot();
const result = buildPackage(root);
const problems = findPackageProblems(result.stagingDir, root);
console.log(
  `Deployment package ${relative(root, result.zipPath)}: ${formatBytes(result.zipBytes)} zipped, ` +
    `${formatBytes(result.unpackedBytes)} unpacked, ${result.files} files, ` +
    `${result.productionPackages} production packages (staged in ${relative(root, result.stagingDir)}).`,
);
if (problems.length > 0) {
  console.error(`The package contains what must not ship:\n  ${problems.slice(0, 50).join('\n  ')}`);
  process.exitCode = 1;
}
