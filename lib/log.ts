import { redactPhoneNumbers } from './phone/mask';
import { emitLogRecord, structuredLogsEnabled } from './telemetry/structuredLogs';

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
  const invocation = invocationOf(sink);
  const emit =
    (level: keyof LogSink) =>
    (message: string, properties?: LogProperties): void => {
      const line = formatLogLine(message, properties);
      sink[level](line);
      // In Azure the host does not forward the line above (the worker declares it sends its own telemetry):
      // this record is what reaches Application Insights. Its message stays the whole line (the alerts
      // query that text); the properties are also custom dimensions, for queries and charts.
      if (structuredLogsEnabled()) {
        emitLogRecord(level, line, { ...maskedProperties(properties), ...invocation });
      }
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function maskedProperties(properties: LogProperties | undefined): Record<string, string | number | boolean> {
  const masked: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (value === undefined) continue;
    if (typeof value === 'boolean') {
      masked[key] = value;
      continue;
    }
    // A number can be a phone number too (digits only): it is masked like text when it looks like one.
    const text = redactPhoneNumbers(String(value));
    masked[key] = typeof value === 'number' && text === String(value) ? value : text;
  }
  return masked;
}

/** The invocation a context-backed logger writes for, as dimensions (a console sink has none). */
function invocationOf(sink: LogSink): Record<string, string> {
  const candidate = sink as Partial<Record<'invocationId' | 'functionName', unknown>>;
  const ids: Record<string, string> = {};
  if (typeof candidate.invocationId === 'string') ids.InvocationId = candidate.invocationId;
  if (typeof candidate.functionName === 'string') ids.functionName = candidate.functionName;
  return ids;
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
