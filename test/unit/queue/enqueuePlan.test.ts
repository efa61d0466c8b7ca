import { describe, expect, it } from 'vitest';
import { MESSAGE_OVERHEAD_BYTES, MessageTooLargeError, planEnqueue } from '../../../lib/queue/enqueuePlan';
import { readUserList, userListFromArguments } from '../../../lib/queue/userList';

const users = (count: number): string[] => Array.from({ length: count }, (_, i) => `user${i}@contoso.com`);

describe('planEnqueue', () => {
  it('keeps every body under the size limit and every user exactly once, in order', () => {
    const all = users(3_000);
    const plan = planEnqueue(all, { dryRun: false, maxMessageBytes: 8_192, maxUsersPerMessage: 10_000 });
    expect(plan.length).toBeGreaterThan(1);
    for (const message of plan) {
      expect(Buffer.byteLength(JSON.stringify(message.body))).toBe(message.bodyBytes);
      expect(message.bodyBytes).toBeLessThanOrEqual(8_192 - MESSAGE_OVERHEAD_BYTES);
    }
    expect(plan.flatMap((message) => message.body.users)).toEqual(all);
  });

  it('splits at the per-request user limit', () => {
    const plan = planEnqueue(users(25), { dryRun: true, maxMessageBytes: 262_144, maxUsersPerMessage: 10 });
    expect(plan.map((message) => message.body.users.length)).toEqual([10, 10, 5]);
    expect(plan.every((message) => message.body.dryRun)).toBe(true);
  });

  it('derives MessageId from content: same users same id (any case), dry-run or batch id change it', () => {
    const options = { dryRun: false, maxMessageBytes: 262_144, maxUsersPerMessage: 10_000 };
    const [a] = planEnqueue(['A@contoso.com', 'b@contoso.com'], options);
    const [b] = planEnqueue(['a@contoso.com', 'B@contoso.com'], options);
    const [dry] = planEnqueue(['a@contoso.com', 'b@contoso.com'], { ...options, dryRun: true });
    const [batch] = planEnqueue(['a@contoso.com', 'b@contoso.com'], { ...options, batchId: 'again' });
    expect(a?.messageId).toBe(b?.messageId);
    expect(a?.messageId).toMatch(/^q-[0-9a-f]{40}$/);
    expect(a?.runId).toBe(`sb-${a?.messageId}`);
    expect(new Set([a?.messageId, dry?.messageId, batch?.messageId]).size).toBe(3);
  });

  it('refuses a limit no user fits with a clear error', () => {
    expect(() =>
      planEnqueue(['a@contoso.com'], { dryRun: false, maxMessageBytes: 1_050, maxUsersPerMessage: 10 }),
    ).toThrow(MessageTooLargeError);
    expect(() =>
      planEnqueue(['a@contoso.com'], { dryRun: false, maxMessageBytes: 512, maxUsersPerMessage: 10 }),
    ).toThrow(/leaves no room/);
  });
});

describe('readUserList', () => {
  it('reads one user per line, skipping blanks and comments, deduplicating case-insensitively', () => {
    const list = readUserList('\uFEFF# pilot\r\na@contoso.com\r\n\r\nA@CONTOSO.COM\nb@contoso.com\n', {
      format: 'auto',
    });
    expect(list).toMatchObject({
      users: ['a@contoso.com', 'b@contoso.com'],
      duplicatesRemoved: 1,
      problems: [],
    });
  });

  it('reads a CSV column by header name and names a missing column', () => {
    const csv = 'DisplayName,UPN\nAnn,ann@contoso.com\n"Lee, Bo",bo@contoso.com\n';
    expect(readUserList(csv, { format: 'csv', column: 'upn' }).users).toEqual([
      'ann@contoso.com',
      'bo@contoso.com',
    ]);
    expect(readUserList(csv, { format: 'auto', fileName: 'x.csv' }).problems[0]?.detail).toMatch(
      /no column 'UserPrincipalName'/,
    );
  });

  it('reads the legacy webhook body and the users shape with its dryRun', () => {
    const legacy = JSON.stringify(
      [{ UserPrincipalName: 'a@contoso.com' }, { userprincipalname: 'b@contoso.com' }],
      null,
      4,
    );
    expect(readUserList(legacy, { format: 'auto' }).users).toEqual(['a@contoso.com', 'b@contoso.com']);
    const shaped = readUserList('{"users":["c@contoso.com"],"dryRun":true}', { format: 'json' });
    expect(shaped).toMatchObject({ users: ['c@contoso.com'], dryRun: true });
  });

  it('names each bad entry by line with phone numbers masked', () => {
    const list = readUserList('a@contoso.com\n+49 171 1234567\nno-at-sign\n', { format: 'lines' });
    expect(list.problems.map((problem) => problem.where)).toEqual(['line 2', 'line 3']);
    expect(JSON.stringify(list.problems)).not.toContain('1234567');
    expect(userListFromArguments(['ok@contoso.com', 'bad user']).problems[0]?.where).toBe('argument 2');
  });
});
