/**
 * The host's own log sink. Everything the host prints goes through one of these, so tests and the benchmark
 * can silence or capture it. The host never hands request or response bodies to a logger.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostLogger {
  log(level: LogLevel, message: string): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVEL_ORDER;
}

/** Console logger with ISO timestamps; drops messages below `minLevel`. */
export function createConsoleLogger(minLevel: LogLevel = 'info'): HostLogger {
  const threshold = LEVEL_ORDER[minLevel];
  return {
    log(level, message) {
      if (LEVEL_ORDER[level] < threshold) return;
      const line = `[${new Date().toISOString()}] ${message}`;
      if (level === 'error') console.error(line);
      else if (level === 'warn') console.warn(line);
      else console.log(line);
    },
  };
}

export const silentLogger: HostLogger = { log: () => undefined };
