import { describe, expect, it } from 'vitest';
import { type RunStatus } from '../../../cli/api';
import { exitCodeOf } from '../../../cli/commands/status';
import { usersFromText } from '../../../cli/commands/sync';
import { CliError, EXIT } from '../../../cli/errors';

const status = (runtimeStatus: string, counts: Record<string, number>): RunStatus => ({
  id: 'run-1',
  runtimeStatus,
  createdTime: '',
  lastUpdatedTime: '',
  progress: null,
  summary: { total: 3, counts, durationMs: 1, dryRun: false },
  error: null,
});

describe('CLI', () => {
  it('exits 1 when any user failed or the run failed, 0 otherwise', () => {
    expect(exitCodeOf(status('Completed', { created: 2, invalid: 1, failed: 0 }))).toBe(EXIT.ok);
    expect(exitCodeOf(status('Completed', { created: 2, failed: 1 }))).toBe(EXIT.usersFailed);
    expect(exitCodeOf(status('Failed', {}))).toBe(EXIT.usersFailed);
    expect(exitCodeOf(status('Terminated', {}))).toBe(EXIT.usersFailed);
  });

  it('reads users from lines, CSV columns and the legacy webhook body', () => {
    expect(usersFromText('a@x.com\n\n# comment\r\nb@x.com\n', undefined)).toEqual(['a@x.com', 'b@x.com']);
    expect(usersFromText('Name,UserPrincipalName\nA,"a@x.com"\nB,b@x.com', undefined)).toEqual([
      'a@x.com',
      'b@x.com',
    ]);
    expect(usersFromText('upn;x\na@x.com;1', 'upn;x')).toEqual(['a@x.com;1']);
    expect(usersFromText('[{"UserPrincipalName":"a@x.com"},"b@x.com"]', undefined)).toEqual([
      'a@x.com',
      'b@x.com',
    ]);
    expect(usersFromText('{"users":["a@x.com"]}', undefined)).toEqual(['a@x.com']);
  });

  it('refuses unreadable input with a usage error that says what is wrong', () => {
    const usage = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exit).toBe(EXIT.usage);
        return (error as CliError).message;
      }
      throw new Error('expected a usage error');
    };
    expect(usage(() => usersFromText('Name,Mail\nA,a@x.com', undefined))).toMatch(
      /no column 'UserPrincipalName'.*Name, Mail/,
    );
    expect(usage(() => usersFromText('[1,2]', undefined))).toMatch(/entry 0/);
    expect(usage(() => usersFromText('[oops', undefined))).toMatch(/does not parse/);
  });
});
