import { logs, SeverityNumber } from '@opentelemetry/api-logs';

/**
 * Log lines as OpenTelemetry log records whose properties are attributes (App Insights: traces with custom
 * dimensions), once `functions/telemetry.ts` has registered Azure Monitor. Off by default: locally the
 * logger writes its `message key=value` text to the console or the invocation context only.
 */
let enabled = false;

export function enableStructuredLogs(): void {
  enabled = true;
}

export function structuredLogsEnabled(): boolean {
  return enabled;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SEVERITY: Readonly<Record<LogLevel, { number: SeverityNumber; text: string }>> = {
  debug: { number: SeverityNumber.DEBUG, text: 'DEBUG' },
  info: { number: SeverityNumber.INFO, text: 'INFO' },
  warn: { number: SeverityNumber.WARN, text: 'WARN' },
  error: { number: SeverityNumber.ERROR, text: 'ERROR' },
};

/** Callers mask first: `message` and every attribute value are sent as given. */
export function emitLogRecord(
  level: LogLevel,
  message: string,
  attributes: Readonly<Record<string, string | number | boolean>>,
): void {
  logs.getLogger('mfa-phone-sync').emit({
    severityNumber: SEVERITY[level].number,
    severityText: SEVERITY[level].text,
    body: message,
    attributes,
  });
}
