import { Cron } from 'croner';

/**
 * Timer trigger schedules as the Functions host reads them: an NCRONTAB expression with a leading seconds field
 * (`0 0/5 * * * *` style; five-field expressions are also accepted) or a TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`) meaning
 * "every interval". NCRONTAB requires day-of-month AND day-of-week to match when both are restricted (unlike
 * Vixie cron's OR), hence croner's `legacyMode: false`. Times are UTC unless WEBSITE_TIME_ZONE names an IANA zone.
 */
export interface TimerSchedule {
  /** The next occurrence strictly after `after`, or undefined if there is none. */
  next(after: Date): Date | undefined;
  readonly description: string;
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

export function parseTimerSchedule(expression: string, timeZone = 'UTC'): TimerSchedule {
  const trimmed = expression.trim();
  const span = TIME_SPAN.exec(trimmed);
  if (span) {
    const [, days, hours, minutes, seconds] = span;
    const intervalMs =
      ((Number(days ?? 0) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000;
    if (intervalMs <= 0) throw new Error(`The timer schedule '${expression}' is not a positive interval.`);
    return {
      description: `every ${intervalMs / 1000}s`,
      next: (after) => new Date(after.getTime() + intervalMs),
    };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new Error(`The timer schedule '${expression}' is neither an NCRONTAB expression nor a TimeSpan.`);
  }
  const cron = new Cron(trimmed, { paused: true, timezone: timeZone, legacyMode: false });
  return {
    description: `'${trimmed}' (${timeZone})`,
    next: (after) => cron.nextRun(after) ?? undefined,
  };
}
