import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostCli } from './buildHost';
import { eventually } from './hostHttp';

export interface ReadyInfo {
  url: string;
  apiUrl: string;
  port: number;
  pid: number;
  keys: { masterKey: string; systemKeys: Record<string, string>; hostKeys: Record<string, string> };
}

export interface HostProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves once the host wrote its ready file (or rejects if the process exits first). */
  ready(timeoutMs?: number): Promise<ReadyInfo>;
  readonly exited: Promise<number | null>;
}

/** Spawns the compiled CLI; `args` are CLI flags. The ready file lives in the data dir. */
export function spawnHost(args: { appDir: string; dataDir: string; extra?: string[] }): HostProcess {
  const cli = buildHostCli();
  const readyFile = join(args.dataDir, 'ready.json');
  rmSync(readyFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      cli,
      '--app-dir',
      args.appDir,
      '--data-dir',
      args.dataDir,
      '--port',
      '0',
      '--ready-file',
      readyFile,
      ...(args.extra ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    ready: (timeoutMs = 30_000) =>
      eventually(
        () => {
          if (exitCode !== undefined)
            throw new Error(`host exited (${String(exitCode)}) before ready:\n${output}`);
          return existsSync(readyFile)
            ? (JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyInfo)
            : undefined;
        },
        timeoutMs,
        'the host to be ready',
      ),
  };
}
