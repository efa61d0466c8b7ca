import { redactPhoneNumbers } from './phone/mask';

/**
 * Structured logging with the privacy rule built in: every message and every property value passes
 * through `redactPhoneNumbers` on its way out, so a number that slips into an error text or a user key is
 * still masked in the log.
 */
export type LogProperties = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, properties?: LogProperties): void;
  info(message: string, properties?: LogProperties): void;
  warn(message: string, properties?: LogProperties): void;
  error(message: string, properties?: LogProperties): void;
}

/** The subset of `InvocationContext` (or `console`) a logger writes to. */
export interface LogSink {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function createLogger(sink: LogSink): Logger {
  const emit =
    (level: keyof LogSink) =>
    (message: string, properties?: LogProperties): void => {
      sink[level](formatLogLine(message, properties));
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** `message key=value key="value with spaces"`, masked. */
export function formatLogLine(message: string, properties?: LogProperties): string {
  const parts = [redactPhoneNumbers(message)];
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (value === undefined) continue;
    const text = redactPhoneNumbers(String(value));
    parts.push(`${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`);
  }
  return parts.join(' ');
}
