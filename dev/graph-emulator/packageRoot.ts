import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository root, found by walking up to the nearest package.json. Seeds are data files that are not
 * compiled into dist/, so both `dev/graph-emulator/*.ts` (tests) and `dist/dev/graph-emulator/*.js` (CLI)
 * resolve them from here.
 */
export function findPackageRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json found above ${startDir}`);
    dir = parent;
  }
}

export const SEEDS_DIR_FROM_ROOT = path.join('dev', 'graph-emulator', 'seeds');

export function defaultSeedPath(): string {
  return path.join(findPackageRoot(), SEEDS_DIR_FROM_ROOT, 'demo-tenant.json');
}
