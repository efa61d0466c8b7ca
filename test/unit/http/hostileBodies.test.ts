import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { MAX_PROBLEM_BYTES } from '../../../lib/http/problem';
import { hasLongDigitRun } from '../../../lib/http/safeText';
import { post } from './support';

/**
 * Property (issue 7 §1): whatever hostile body arrives, the answer is a 4xx application/problem+json under
 * the size cap, and holds no digit run the privacy guard would flag. Every generated body is invalid by
 * construction, so a 2xx is a failure too.
 */
const config = loadConfig({ SYNC_DEFAULT_COUNTRY: 'DE', SYNC_MAX_USERS_PER_REQUEST: '200' });

const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
const separator = fc.constantFrom('', ' ', '-', '.', '/', '(', ')', '\u00a0', '\u200b', '%20');
const phoneLike: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom('+49', '+1', '+46', '0049', '00', '', 'tel:+44'), digits(6, 16))
    .map(([p, d]) => p + d),
  fc
    .tuple(
      fc.constantFrom('+49 ', '+1 ', '0'),
      fc.array(fc.tuple(digits(2, 4), separator), { minLength: 2, maxLength: 5 }),
    )
    .map(([p, groups]) => p + groups.map(([g, s]) => g + s).join('')),
  fc
    .tuple(fc.string({ maxLength: 5 }), digits(6, 20), fc.string({ maxLength: 5 }))
    .map(([a, d, b]) => a + d + b),
);
const hugeName = fc
  .tuple(
    phoneLike,
    fc.integer({ min: 1_000, max: 200_000 }),
    fc.constantFrom('a', '1', '\u00e9', '"', '\\u0031'),
  )
  .map(([phone, n, ch]) => phone + ch.repeat(n));
const junk: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });
const upnSpelling = fc.constantFrom(
  'UserPrincipalName',
  'USERPRINCIPALNAME',
  'userprincipalname',
  'userPrincipalName',
);

const usersShape = fc
  .record({
    users: fc.array(fc.oneof(phoneLike, fc.string(), junk), { maxLength: 60 }),
    extra: fc.dictionary(fc.oneof(phoneLike, hugeName), junk, { minKeys: 1, maxKeys: 5 }),
  })
  .map(({ users, extra }) => JSON.stringify({ users, ...extra }));

const legacyShape = fc
  .array(
    fc.oneof(
      fc.tuple(upnSpelling, fc.oneof(phoneLike, junk)).map(([k, v]) => ({ [k]: v })),
      fc.tuple(upnSpelling, upnSpelling, phoneLike, phoneLike).map(([a, b, x, y]) => ({ [a]: x, [b]: y })),
      fc.dictionary(fc.oneof(phoneLike, fc.string()), junk, { maxKeys: 3 }),
      junk,
    ),
    { minLength: 1, maxLength: 250 },
  )
  .map((entries) => JSON.stringify([{ UserPrincipalName: 'not a upn' }, ...entries]));

/** Invalid JSON with numbers in it: unquoted phone numbers, cut-off bodies, stray text. */
const badJson = fc.oneof(
  fc.tuple(upnSpelling, phoneLike).map(([k, p]) => `[{"${k}": ${p}}]`),
  fc
    .tuple(phoneLike, fc.integer({ min: 1, max: 40 }))
    .map(([p, cut]) => `{"users":["${p}", "${p}"]}`.slice(0, cut)),
  fc.tuple(phoneLike, phoneLike).map(([a, b]) => `{"users":[${a}],${b}}`),
  fc.tuple(phoneLike, fc.integer({ min: 0, max: 100_000 })).map(([p, n]) => `${' '.repeat(n)}${p}"${p}`),
  fc.tuple(hugeName).map(([n]) => `{"${n}":}`),
);

const bodies: fc.Arbitrary<string> = fc.oneof(usersShape, legacyShape, badJson);

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=utf-16le',
  'application/json; charset=+4917012345678',
  'application/json; charset="x-4917012345678"',
  'text/+4917012345678',
  'application/vnd.a+json; charset=latin1',
);
const encodings = fc.constantFrom('utf8', 'utf16le', 'latin1') as fc.Arbitrary<BufferEncoding>;

describe('hostile bodies (property)', () => {
  it('always answer 4xx problem+json, under the cap, with no flagged digit run', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, encodings, async (body, contentType, encoding) => {
        const answer = await post(config, new Uint8Array(Buffer.from(body, encoding)), {
          'content-type': contentType,
        });
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(answer.bytes).toBeLessThanOrEqual(MAX_PROBLEM_BYTES);
        expect(hasLongDigitRun(answer.text), answer.text.slice(0, 300)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
