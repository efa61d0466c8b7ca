import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { listFiles, zipFolder } from './zipFolder';

/**
 * The deployment package: one build mode, chosen on purpose. The app is compiled here and shipped with its
 * production node_modules (Flex Consumption runs it as is, no remote build): exactly what `npm ls
 * --omit=dev` says the product needs, copied from the installed tree, so packaging works offline and
 * ships the same package versions the tests ran against.
 */

/** Compiled folders that run in Azure; dist/dev (emulator, host, benchmarks) and dist/cli stay home. */
export const SHIPPED_DIST_FOLDERS = ['functions', 'orchestrations', 'activities', 'lib'] as const;

export interface PackageResult {
  stagingDir: string;
  zipPath: string;
  files: number;
  unpackedBytes: number;
  zipBytes: number;
  productionPackages: number;
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readPackageJson(projectRoot: string): PackageJson {
  return JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as PackageJson;
}

/** Installed folders of the production dependency tree (absolute paths), from npm itself. */
export function productionPackageDirs(projectRoot: string): string[] {
  let output: string;
  try {
    output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // npm ls exits 1 on extraneous or invalid packages but still lists the tree; a missing one is fatal.
    const failed = error as { stdout?: string; stderr?: string };
    if (failed.stdout === undefined || /missing/i.test(failed.stderr ?? '')) {
      throw new Error(`npm ls --omit=dev failed: ${failed.stderr ?? String(error)}`);
    }
    output = failed.stdout;
  }
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line.includes(`${sep}node_modules${sep}`));
}

function directorySize(dir: string): number {
  return listFiles(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}

export function buildPackage(projectRoot: string, outDir = join(projectRoot, '.package')): PackageResult {
  const stagingDir = join(outDir, 'app');
  rmSync(stagingDir, { recursive: true, force: true });
  mkdirSync(stagingDir, { recursive: true });

  for (const folder of SHIPPED_DIST_FOLDERS) {
    const source = join(projectRoot, 'dist', folder);
    if (!existsSync(source)) throw new Error(`dist/${folder} is missing: run npm run build first`);
    // Source maps are left out: Node ignores them unless started with --enable-source-maps.
    cpSync(source, join(stagingDir, 'dist', folder), {
      recursive: true,
      filter: (path) => !path.endsWith('.map') && !path.endsWith('.test.js'),
    });
  }
  cpSync(join(projectRoot, 'host.json'), join(stagingDir, 'host.json'));

  const pkg = readPackageJson(projectRoot);
  const shippedPackageJson = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    private: true,
    main: pkg.main,
    engines: pkg.engines,
    dependencies: pkg.dependencies,
  };
  writeFileSync(join(stagingDir, 'package.json'), `${JSON.stringify(shippedPackageJson, null, 2)}\n`);

  const packages = productionPackageDirs(projectRoot);
  for (const dir of packages) {
    // Each package's own nested node_modules are listed separately when production needs them.
    cpSync(dir, join(stagingDir, relative(projectRoot, dir)), {
      recursive: true,
      filter: (path) => path === dir || !relative(dir, path).split(sep).includes('node_modules'),
    });
  }

  const zipPath = join(outDir, `${pkg.name}.zip`);
  const zip = zipFolder(stagingDir, zipPath);
  return {
    stagingDir,
    zipPath,
    files: zip.entries,
    unpackedBytes: directorySize(stagingDir),
    zipBytes: zip.bytes,
    productionPackages: packages.length,
  };
}

/**
 * What must never ship: dev tooling, tests, TypeScript sources of the app, local settings, or any
 * package that production does not need. Returns one line per problem.
 */
export function findPackageProblems(stagingDir: string, projectRoot: string): string[] {
  const pkg = readPackageJson(projectRoot);
  const production = new Set(productionPackageDirs(projectRoot).map((dir) => relative(projectRoot, dir)));
  const devOnly = new Set(Object.keys(pkg.devDependencies ?? {}));
  const problems: string[] = [];
  const reportedPackages = new Set<string>();
  for (const file of listFiles(stagingDir)) {
    const path = relative(stagingDir, file).split(sep).join('/');
    if (/^(dev|test|bench|infra|cli)\//.test(path) || /^dist\/(dev|test|cli)\//.test(path)) {
      problems.push(`${path}: dev tooling or tests`);
      continue;
    }
    if (basename(path).startsWith('local.settings')) problems.push(`${path}: local settings`);
    if (!path.startsWith('node_modules/') && /\.ts$/.test(path) && !path.endsWith('.d.ts')) {
      problems.push(`${path}: TypeScript source`);
    }
    const packageDir = /^((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
    if (packageDir === undefined || reportedPackages.has(packageDir)) continue;
    // A devDependency can also be a production package's dependency (@types/node, rhea): npm's
    // production tree decides.
    if (!production.has(packageDir.split('/').join(sep))) {
      reportedPackages.add(packageDir);
      const name = packageDir.replace(/^.*node_modules\//, '');
      problems.push(
        `${packageDir}: ${devOnly.has(name) ? 'a dev dependency' : 'not a production dependency'}`,
      );
    }
  }
  return problems;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
