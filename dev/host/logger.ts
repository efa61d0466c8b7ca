/**
 * The host's own log sink. Everything the host prints goes through one of these, so tests and the benchmark
 * can silence or capture it. The host never hands request or response bodies to a logger.
 */
import { redactSecrets } from './logRedaction';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostLogger {
  log(level: LogLevel, message: string): void;
  /** Writes out anything held back (a logger that batches its output). */
  flush?(): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVEL_ORDER;
}

/**
 * Console logger with ISO timestamps; drops messages below `minLevel`.
 *
 * Lines are gathered and written once per turn of the event loop rather than one `console.log` each: Node
 * writes to pipes and files synchronously, and at thousands of invocations a second the per-line write
 * was measured at 5% of the host's CPU (`bench:product` profile). Order across stdout and stderr is kept;
 * anything still pending is written when the process exits normally, and at most one turn's lines are lost
 * to a SIGKILL.
 */
export function createConsoleLogger(minLevel: LogLevel = 'info'): HostLogger {
  const threshold = LEVEL_ORDER[minLevel];
  let pending: { stream: NodeJS.WriteStream; text: string }[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const lines = pending;
    pending = [];
    let start = 0;
    // One write per run of lines bound for the same stream.
    for (let index = 1; index <= lines.length; index++) {
      const stream = lines[start]?.stream;
      if (stream === undefined) break;
      if (index === lines.length || lines[index]?.stream !== stream) {
        stream.write(
          lines
            .slice(start, index)
            .map((line) => line.text)
            .join(''),
        );
        start = index;
      }
    }
  };
  process.on('exit', flush);
  return {
    log(level, message) {
      if (LEVEL_ORDER[level] < threshold) return;
      const stream = level === 'error' || level === 'warn' ? process.stderr : process.stdout;
      pending.push({ stream, text: `[${new Date().toISOString()}] ${redactSecrets(message)}\n` });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

export const silentLogger: HostLogger = { log: () => undefined };

/** Wraps any logger (a test's capture, a benchmark's) so that it, too, never receives a key. */
export function redactingLogger(inner: HostLogger): HostLogger {
  return {
    log: (level, message) => inner.log(level, redactSecrets(message)),
    ...(inner.flush ? { flush: () => inner.flush?.() } : {}),
  };
}
