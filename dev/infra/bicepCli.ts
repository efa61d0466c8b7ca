import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One diagnostic as the Bicep CLI prints it: `file(line,col) : Level code: message`. */
export interface BicepDiagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

/** Where the real Bicep CLI comes from, so the report can say what ran. */
export interface BicepCli {
  path: string;
  source: 'nuget' | 'path';
  version: string;
}

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w.-]+): (.*)$/;

export function parseDiagnostics(output: string): BicepDiagnostic[] {
  const diagnostics: BicepDiagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = DIAGNOSTIC.exec(line.trim());
    if (match === null) continue;
    const [, file = '', lineNo = '0', column = '0', level = 'Error', code = '', message = ''] = match;
    diagnostics.push({
      file,
      line: Number(lineNo),
      column: Number(column),
      level: level as BicepDiagnostic['level'],
      code,
      message,
    });
  }
  return diagnostics;
}

/** The pinned CLI version, read from the restore project so there is one place to change it. */
export function pinnedBicepVersion(projectRoot: string): string {
  const csproj = readFileSync(join(projectRoot, 'tools', 'bicep', 'restore.csproj'), 'utf8');
  const match = /Include="Azure\.Bicep\.CommandLine\.linux-x64"\s+Version="\[([\d.]+)\]"/.exec(csproj);
  if (match?.[1] === undefined)
    throw new Error('tools/bicep/restore.csproj does not pin Azure.Bicep.CommandLine');
  return match[1];
}

function nugetBicepPath(projectRoot: string, version: string): string {
  return join(projectRoot, '.tools', 'nuget', 'azure.bicep.commandline.linux-x64', version, 'tools', 'bicep');
}

async function commandWorks(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run(command, args, { timeout: 120_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/**
 * Finds the real Bicep CLI: the pinned NuGet package (restored on demand with `dotnet restore`, offline
 * from this machine's NuGet copy), else a `bicep` on PATH. Null when neither exists: the caller says so.
 */
export async function findBicepCli(
  projectRoot: string,
  log: (line: string) => void,
): Promise<BicepCli | null> {
  const version = pinnedBicepVersion(projectRoot);
  const restored = nugetBicepPath(projectRoot, version);
  const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
  if (onLinuxX64 && !existsSync(restored) && (await commandWorks('dotnet', ['--version'])) !== null) {
    log(`restoring Bicep CLI ${version} from NuGet into .tools/ ...`);
    await run('dotnet', ['restore', join(projectRoot, 'tools', 'bicep', 'restore.csproj')], {
      timeout: 600_000,
    });
  }
  if (onLinuxX64 && existsSync(restored)) return { path: restored, source: 'nuget', version };
  const onPath = await commandWorks('bicep', ['--version']);
  if (onPath !== null) {
    return { path: 'bicep', source: 'path', version: /(\d+\.\d+\.\d+)/.exec(onPath)?.[1] ?? onPath };
  }
  return null;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function invoke(cli: BicepCli, args: string[], cwd?: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(cli.path, args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * `bicep lint --pattern` (one process for every file: the CLI's start-up is most of its cost), every
 * diagnostic, warnings included. A module's problem is reported once per file that uses it: deduplicated.
 */
export async function lintPattern(cli: BicepCli, cwd: string, pattern: string): Promise<BicepDiagnostic[]> {
  const result = await invoke(cli, ['lint', '--pattern', pattern], cwd);
  const diagnostics = parseDiagnostics(`${result.stdout}\n${result.stderr}`);
  if (result.code !== 0 && diagnostics.length === 0) {
    throw new Error(
      `bicep lint --pattern ${pattern} failed: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}|${d.line}|${d.column}|${d.code}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface BuildResult {
  diagnostics: BicepDiagnostic[];
  /** The compiled ARM template (or parameters file); null when compilation failed. */
  json: unknown;
}

/** `bicep build` (or `build-params` for .bicepparam) to stdout: the ARM JSON the rules inspect. */
export async function buildFile(cli: BicepCli, file: string): Promise<BuildResult> {
  const verb = file.endsWith('.bicepparam') ? 'build-params' : 'build';
  const result = await invoke(cli, [verb, file, '--stdout']);
  const diagnostics = parseDiagnostics(result.stderr);
  if (result.code !== 0) {
    if (diagnostics.length === 0) throw new Error(`bicep ${verb} ${file} failed: ${result.stderr.trim()}`);
    return { diagnostics, json: null };
  }
  const parsed: unknown = JSON.parse(result.stdout);
  // build-params prints {"parametersJson": "...", "templateJson": "..."}; keep the template.
  if (verb === 'build-params' && isRecord(parsed) && typeof parsed.templateJson === 'string') {
    return { diagnostics, json: JSON.parse(parsed.templateJson) as unknown };
  }
  return { diagnostics, json: parsed };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
