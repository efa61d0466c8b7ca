import { describe, expect, it } from 'vitest';
import { parseTimerSchedule } from '../../../dev/host/triggers/timerSchedule';

const next = (expression: string, after: string): string | undefined =>
  parseTimerSchedule(expression).next(new Date(after))?.toISOString();

describe('timer schedules', () => {
  it('reads six-field NCRONTAB with seconds first', () => {
    expect(next('*/15 * * * * *', '2024-01-01T00:00:01Z')).toBe('2024-01-01T00:00:15.000Z');
    expect(next('0 */5 * * * *', '2024-01-01T00:01:00Z')).toBe('2024-01-01T00:05:00.000Z');
    expect(next('0 0 2 * * *', '2024-01-01T03:00:00Z')).toBe('2024-01-02T02:00:00.000Z');
    expect(next('0 30 9 * * 1-5', '2024-01-05T10:00:00Z')).toBe('2024-01-08T09:30:00.000Z');
  });

  it('accepts five fields (no seconds)', () => {
    expect(next('*/10 * * * *', '2024-01-01T00:01:00Z')).toBe('2024-01-01T00:10:00.000Z');
  });

  it('requires day-of-month AND day-of-week when both are restricted, as NCRONTAB does', () => {
    // 1st of the month that is also a Monday: 2024-04-01.
    expect(next('0 0 12 1 * 1', '2024-01-01T13:00:00Z')).toBe('2024-04-01T12:00:00.000Z');
  });

  it('reads TimeSpan schedules as intervals', () => {
    expect(next('00:00:30', '2024-01-01T00:00:00Z')).toBe('2024-01-01T00:00:30.000Z');
    expect(next('1.00:00:00', '2024-01-01T00:00:00Z')).toBe('2024-01-02T00:00:00.000Z');
  });

  it('rejects what is neither', () => {
    expect(() => parseTimerSchedule('every minute')).toThrow('neither an NCRONTAB expression nor a TimeSpan');
    expect(() => parseTimerSchedule('00:00:00')).toThrow('not a positive interval');
  });
});
