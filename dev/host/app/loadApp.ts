import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { globSync } from 'tinyglobby';
import type { CoreRegistry } from '../core/coreModule';
import { isRecord } from './settings';

/**
 * Loads the app the way the Node worker does: `package.json` `main` is a glob (globby semantics, relative to the
 * app directory) and every matching file is loaded in turn. Unlike the worker, which logs a warning and carries
 * on with whatever registered, the local host fails loudly: a half-loaded app is a bug you want to see at once.
 */
export async function loadAppEntryPoints(appDir: string, registry: CoreRegistry): Promise<string[]> {
  const packagePath = join(appDir, 'package.json');
  if (!existsSync(packagePath)) throw new Error(`No package.json in ${appDir}`);
  const packageJson: unknown = JSON.parse(readFileSync(packagePath, 'utf8'));
  const main = isRecord(packageJson) ? packageJson['main'] : undefined;
  if (typeof main !== 'string' || main.length === 0)
    throw new Error(`${packagePath} has no "main" entry point`);
  const files = globSync(main, { cwd: appDir, onlyFiles: true, expandDirectories: false }).sort();
  if (files.length === 0)
    throw new Error(`Found zero files matching the "main" pattern "${main}" in ${appDir}`);

  // Native require, never a bundler's: the app must share Node's module cache with the core-module hook.
  const appRequire = createRequire(packagePath);
  const isEsmPackage = isRecord(packageJson) && packageJson['type'] === 'module';
  for (const file of files) {
    const fullPath = resolve(appDir, file);
    if (file.endsWith('.mjs') || (isEsmPackage && file.endsWith('.js'))) {
      await import(pathToFileURL(fullPath).href);
    } else {
      appRequire(fullPath);
    }
  }
  if (registry.functions.size === 0) {
    throw new Error(
      'The app registered no functions. If @azure/functions was loaded before the host started, it cached ' +
        '"no core module" and skipped every registration: start the host before anything imports the app.',
    );
  }
  return files;
}
