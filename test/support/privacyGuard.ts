/**
 * Vitest setup file (every test file): collects everything the suite prints to the console plus every
 * status, summary and response body a test hands to `recordForPrivacyScan`, and fails the test that
 * produced a full phone number. The product's rule: numbers are masked in every log, status and summary.
 */
import { afterEach, expect } from 'vitest';
import { findFullPhoneNumbers } from './phoneLeaks';

interface Recorded {
  source: string;
  text: string;
}

let recorded: Recorded[] = [];

/** Statuses, summaries, response bodies, outcome records: anything a user or an operator could see. */
export function recordForPrivacyScan(source: string, value: unknown): void {
  recorded.push({
    source,
    text: typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)),
  });
}

for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]): void => {
    recorded.push({
      source: `console.${level}`,
      text: args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' '),
    });
    original(...args);
  };
}

afterEach(() => {
  // The report itself must not repeat the number: show where it was, with its digits hidden.
  const hide = (text: string): string => text.replace(/\d/g, '#');
  const leaks = recorded.flatMap(({ source, text }) =>
    findFullPhoneNumbers(text).map(
      (number) => `${source}: '${hide(number)}' in ${JSON.stringify(hide(text.slice(0, 200)))}`,
    ),
  );
  recorded = [];
  expect(leaks, 'a full phone number reached a log line, status or summary').toEqual([]);
});

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
