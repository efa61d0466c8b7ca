import { beforeEach, describe, expect, it } from 'vitest';
import { type AppConfig, loadConfig } from '../../../lib/config';
import { MAX_LISTED_ERRORS, MAX_PROBLEM_BYTES, problemBody, PROBLEM_TYPES } from '../../../lib/http/problem';
import { readBodyLimited } from '../../../lib/http/readBody';
import { hasLongDigitRun, safeEcho } from '../../../lib/http/safeText';
import { findDuplicateMember } from '../../../lib/input/duplicateMembers';
import { FakeRunClient } from '../../support/fakeRunClient';
import { post } from './support';

let config: AppConfig;
beforeEach(() => {
  config = loadConfig({ SYNC_DEFAULT_COUNTRY: 'DE', SYNC_MAX_USERS_PER_REQUEST: '200' });
});

interface ProblemJson {
  detail: string;
  errors?: { pointer: string; detail: string; value?: string }[];
  moreErrors?: number;
}

const parse = (text: string): ProblemJson => JSON.parse(text) as ProblemJson;

describe('error answers never echo input unmasked or unbounded (issue 7 §1)', () => {
  it('masks a phone number used as a field name in the pointer and the detail', async () => {
    const answer = await post(config, '{"users":["a@contoso.com"],"+491701234567":1}');
    expect(answer.status).toBe(400);
    expect(answer.text).not.toMatch(/1701234/);
    const problem = parse(answer.text);
    expect(problem.errors?.[0]?.pointer).toMatch(/^\/\+49 \*+67$/);
  });

  it('answers a 10 MiB field name with a small body', async () => {
    const name = `+49${'1'.repeat(10 * 1024 * 1024)}`;
    const answer = await post(config, `{"users":["a@contoso.com"],"${name}":1}`);
    expect(answer.status).toBe(400);
    expect(answer.bytes).toBeLessThan(2_000);
    expect(hasLongDigitRun(answer.text)).toBe(false);
  });

  it('does not quote the body in the JSON parser message', async () => {
    const answer = await post(config, '[{"UserPrincipalName": +4917012345678}]');
    expect(answer.status).toBe(400);
    expect(parse(answer.text).detail).toMatch(/not valid JSON \(Unexpected token '\+'\)$/);
    expect(answer.text).not.toMatch(/UserPrincipalName|491701/);
  });

  it('prints parser positions and byte counts with separators', async () => {
    const answer = await post(config, `{"users":[]}${' '.repeat(1_234_567)}x`);
    expect(parse(answer.text).detail).toMatch(/after JSON at position 1,234,579\)$/);
  });

  it('lists the first 20 offending entries, then counts the rest', async () => {
    const users = Array.from({ length: 150 }, (_, i) => `bad ${i}`);
    const answer = await post(config, JSON.stringify({ users }));
    const problem = parse(answer.text);
    expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(problem.moreErrors).toBe(130);
    expect(problem.detail).toMatch(/150 problems .*20 listed, and 130 more/);
  });

  it('holds any problem body under 16 KB, dropping entries it cannot fit', () => {
    const errors = Array.from({ length: 20 }, (_, i) => ({
      pointer: `/${'\u0001'.repeat(500)}${i}`,
      detail: '\u0002'.repeat(500),
      value: '\u0003'.repeat(500),
    }));
    const text = problemBody({
      type: PROBLEM_TYPES.invalidBody,
      title: 't',
      status: 400,
      detail: '\u0004'.repeat(5_000),
      errors,
    });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PROBLEM_BYTES);
    const problem = parse(text);
    expect((problem.errors?.length ?? 0) + (problem.moreErrors ?? 0)).toBe(20);
    expect(problem.moreErrors).toBeGreaterThan(0);
  });

  it('masks digit runs the phone redaction leaves alone (glued to letters)', () => {
    expect(safeEcho('abc4917012345678')).toBe('abc***********78');
    expect(safeEcho('x'.repeat(500)).length).toBeLessThanOrEqual(120);
  });
});

describe('input semantics (issue 7 §4)', () => {
  it('refuses a legacy entry with two spellings of UserPrincipalName, naming it', async () => {
    const client = new FakeRunClient();
    const body =
      '[{"UserPrincipalName":"a@contoso.com"},{"USERPRINCIPALNAME":"b@contoso.com","UserPrincipalName":"c@contoso.com"}]';
    const answer = await post(config, body, undefined, client);
    expect(answer.status).toBe(400);
    const problem = parse(answer.text);
    expect(problem.errors).toEqual([
      {
        pointer: '/1',
        detail: expect.stringMatching(/ambiguous.*'USERPRINCIPALNAME' and 'UserPrincipalName'/) as string,
      },
    ]);
    expect(client.started).toHaveLength(0);
  });

  it('refuses the same member name twice in one object (JSON.parse would keep the last silently)', async () => {
    const answer = await post(
      config,
      '[{"UserPrincipalName":"a@contoso.com","UserPrincipalName":"b@contoso.com"}]',
    );
    expect(answer.status).toBe(400);
    expect(parse(answer.text).errors?.[0]?.pointer).toBe('/0');
    expect(findDuplicateMember('{"users":["a"],"x":{"a\\"b":1,"a\\u0022b":2}}')).toEqual({
      objectPointer: '/x',
      name: 'a"b',
    });
    expect(findDuplicateMember('{"a":[{"b":1},{"b":2}],"b":{"a":1}}')).toBeUndefined();
  });

  const utf16le = (text: string, bom: boolean): Uint8Array =>
    new Uint8Array([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(text, 'utf16le')]);
  const utf16be = (text: string, bom: boolean): Uint8Array => {
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) {
      be[i] = le[i + 1] ?? 0;
      be[i + 1] = le[i] ?? 0;
    }
    return new Uint8Array([...(bom ? [0xfe, 0xff] : []), ...be]);
  };
  const body = '{"users":["a@contoso.com"]}';

  it.each([
    ['utf-16', utf16le(body, true)],
    ['utf-16', utf16be(body, true)],
    ['utf-16', utf16be(body, false)],
    ['UTF-16LE', utf16le(body, false)],
    ['"utf-16be"', utf16be(body, false)],
    ['us-ascii', new TextEncoder().encode(body)],
    ['iso-8859-1', new TextEncoder().encode(body)],
  ])('decodes the declared charset %s', async (charset, bytes) => {
    const client = new FakeRunClient();
    const answer = await post(
      config,
      bytes,
      { 'content-type': `application/json; charset=${charset}` },
      client,
    );
    expect(answer.status).toBe(202);
    expect(client.started).toHaveLength(1);
  });

  it('answers 415 for a charset it does not decode, and 400 for bytes invalid in the declared one', async () => {
    const shiftJis = await post(config, body, { 'content-type': 'application/json; charset=shift_jis' });
    expect(shiftJis.status).toBe(415);
    expect(shiftJis.text).toMatch(/charset 'shift_jis' is not decoded/);
    // UTF-16 without a BOM is big-endian (RFC 2781): a little-endian body without one is not read as such.
    const guessed = await post(config, utf16le(body, false), {
      'content-type': 'application/json; charset=utf-16',
    });
    expect(guessed.status).toBe(400);
    const oddLength = await post(config, new Uint8Array([0x00, 0x5b, 0x00]), {
      'content-type': 'application/json; charset=utf-16be',
    });
    expect(oddLength.status).toBe(400);
    expect(oddLength.text).toMatch(/not valid utf-16be/);
    const notAscii = await post(config, new Uint8Array([0x5b, 0xe9, 0x5d]), {
      'content-type': 'application/json; charset=us-ascii',
    });
    expect(notAscii.status).toBe(400);
  });
});

describe('URLs and big bodies (issue 7 §2, §3)', () => {
  it('builds Location from WEBSITE_HOSTNAME, never from the Host header', async () => {
    const withHost = loadConfig({ WEBSITE_HOSTNAME: 'mfa-sync.azurewebsites.net' });
    const headers = { 'content-type': 'application/json', host: 'evil.example' };
    const answer = await post(withHost, body(), headers);
    expect(answer.status).toBe(202);
    expect(answer.headers['location']).toMatch(/^https:\/\/mfa-sync\.azurewebsites\.net\/api\/sync\/run-/);
    const local = await post(loadConfig({ WEBSITE_HOSTNAME: '127.0.0.1:7071' }), body(), headers);
    expect(local.headers['location']).toMatch(/^http:\/\/127\.0\.0\.1:7071\/api\/sync\/run-/);
    const unset = await post(loadConfig({ WEBSITE_HOSTNAME: 'bad host/x' }), body(), headers);
    expect(unset.headers['location']).toMatch(/^\/api\/sync\/run-/);
    expect(JSON.stringify(unset)).not.toContain('evil');
  });

  it('stops reading a body without a declared length as soon as it passes the limit', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const read = await readBodyLimited(endless, 10_000);
    expect(read).toEqual({ ok: false, tooLarge: true, seenBytes: 10_240 });
    expect(pulled).toBeLessThan(15);
    expect(cancelled).toBe(true);
  });
});

function body(): string {
  return '{"users":["a@contoso.com"]}';
}
