import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AppConfig, loadConfig } from '../../../lib/config';
import { SYNC_ORCHESTRATION } from '../../../lib/functionNames';
import { type SyncRunInput } from '../../../lib/sync/run';
import { httpStart } from '../../../functions/httpStart';
import { FakeRunClient } from '../../support/fakeRunClient';
import { recordForPrivacyScan } from '../../support/privacyGuard';

const SECRET = 'legacy-shared-secret-0123456789';

/** What PowerShell's ConvertTo-Json -InputObject $users sends: pretty-printed, CRLF, two-space gaps. */
const POWERSHELL_BODY =
  '[\r\n    {\r\n        "UserPrincipalName":  "adele.vance@contoso.com"\r\n    },\r\n    {\r\n        "UserPrincipalName":  "AdeleVance_fabrikam.com#EXT#@contoso.onmicrosoft.com"\r\n    }\r\n]';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

let client: FakeRunClient;
let config: AppConfig;

beforeEach(() => {
  client = new FakeRunClient();
  config = loadConfig({ SYNC_DEFAULT_COUNTRY: 'DE', SYNC_MAX_USERS_PER_REQUEST: '50' });
});

function request(
  body: string | Uint8Array | undefined,
  headers: Record<string, string> = {},
  query = '',
): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `https://mfa-sync.example/api/sync?code=function-key${query}`,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? { string: body } : { bytes: body } }),
  });
}

async function send(req: HttpRequest, withConfig: AppConfig = config): Promise<Sent> {
  const result: HttpResponseInit = await httpStart(
    req,
    client,
    new InvocationContext({ functionName: 'httpStart' }),
    withConfig,
  );
  const response = new HttpResponse(result);
  const text = await response.text();
  recordForPrivacyScan('http response', text);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  return {
    status: response.status,
    headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

function startedInput(index = 0): SyncRunInput {
  const started = client.started[index];
  expect(started?.name).toBe(SYNC_ORCHESTRATION);
  return started?.input as SyncRunInput;
}

function expectProblem(sent: Sent, status: number, detail?: RegExp): void {
  expect(sent.status).toBe(status);
  expect(sent.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(sent.body.status).toBe(status);
  expect(typeof sent.body.title).toBe('string');
  expect(String(sent.body.type)).toMatch(/^urn:mfa-phone-sync:problem:/);
  if (detail) expect(JSON.stringify(sent.body)).toMatch(detail);
  expect(client.started).toHaveLength(0);
}

describe('POST /api/sync: legacy runbook callers keep working unchanged (DESIGN.md §4)', () => {
  it('accepts the PowerShell body labelled application/x-www-form-urlencoded and answers like an Automation webhook', async () => {
    const legacyConfig = loadConfig({
      SYNC_LEGACY_SECRET_HEADER: 'Message',
      SYNC_LEGACY_SECRET: SECRET,
      WEBSITE_HOSTNAME: 'mfa-sync.example',
    });
    const sent = await send(
      request(POWERSHELL_BODY, { 'content-type': 'application/x-www-form-urlencoded', Message: SECRET }),
      legacyConfig,
    );
    expect(sent.status).toBe(202);
    const runId = client.started[0]?.instanceId;
    expect(sent.body.JobIds).toEqual([runId]);
    expect(sent.body).toMatchObject({ id: runId, status: 'accepted', users: 2, dryRun: false });
    expect(sent.headers.location).toBe(`https://mfa-sync.example/api/sync/${runId}`);
    expect(sent.body.statusUrl).toBe(sent.headers.location);
    expect(sent.headers.location).not.toContain('code=');
    expect(startedInput()).toMatchObject({
      users: ['adele.vance@contoso.com', 'AdeleVance_fabrikam.com#EXT#@contoso.onmicrosoft.com'],
      trigger: 'http',
      requester: 'http:legacy-webhook',
      dryRun: false,
    });
  });

  it('accepts the single object PowerShell emits for a one-element pipeline, with a byte-order mark', async () => {
    const sent = await send(
      request('\uFEFF{\r\n    "UserPrincipalName":  "megan@contoso.com"\r\n}', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    expect(sent.status).toBe(202);
    expect(startedInput().users).toEqual(['megan@contoso.com']);
  });

  it('reads UserPrincipalName case-insensitively and ignores extra properties, as the runbook did', async () => {
    const sent = await send(request(JSON.stringify([{ userPrincipalName: 'a@contoso.com', Name: 'A' }])));
    expect(sent.status).toBe(202);
    expect(startedInput().users).toEqual(['a@contoso.com']);
  });

  it('takes dryRun from the query string for legacy bodies', async () => {
    const sent = await send(request(POWERSHELL_BODY, {}, '&dryRun=true'));
    expect(sent.status).toBe(202);
    expect(sent.body.dryRun).toBe(true);
    expect(startedInput().dryRun).toBe(true);
  });
});

describe('POST /api/sync: the users shape', () => {
  it('starts one run with the settings captured in its input', async () => {
    const sent = await send(
      request(
        JSON.stringify({ users: ['b@contoso.com', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'], dryRun: true }),
      ),
    );
    expect(sent.status).toBe(202);
    const input = startedInput();
    expect(input.users).toEqual(['b@contoso.com', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d']);
    expect(input.dryRun).toBe(true);
    expect(input.requester).toBe('http');
    expect(input.policy).toEqual(config.policy);
    expect(input.options).toMatchObject({
      chunkSize: config.limits.chunkSize,
      parallelChunks: config.limits.parallelChunks,
      priority: 'normal',
    });
  });

  it('deduplicates repeated users instead of rejecting them (UPNs and object ids are case-insensitive)', async () => {
    const sent = await send(
      request(
        JSON.stringify({
          users: [
            'b@contoso.com',
            'B@Contoso.com',
            'c@contoso.com',
            '0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D',
            '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
          ],
        }),
      ),
    );
    expect(sent.status).toBe(202);
    // Mixed object ids and UPNs: the run checks for one person named both ways when it starts.
    expect(sent.body).toMatchObject({ users: 3, duplicatesRemoved: 2, identityCheck: 'atRunStart' });
    expect(startedInput().users).toEqual([
      'b@contoso.com',
      'c@contoso.com',
      '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    ]);
  });

  it('uses the configured dry-run default when the request does not say', async () => {
    await send(
      request(JSON.stringify({ users: ['b@contoso.com'] })),
      loadConfig({ SYNC_DRY_RUN_DEFAULT: 'true' }),
    );
    expect(startedInput().dryRun).toBe(true);
  });

  it('accepts $-prefixed, apostrophe and guest UPNs', async () => {
    const users = [
      '$admin@contoso.com',
      "o'brien@contoso.com",
      'ext_user_gmail.com#EXT#@contoso.onmicrosoft.com',
    ];
    const sent = await send(request(JSON.stringify({ users })));
    expect(sent.status).toBe(202);
    expect(startedInput().users).toEqual(users);
  });
});

describe('POST /api/sync: bad input answers 4xx application/problem+json naming the problem', () => {
  it('refuses a body that is not JSON', async () => {
    expectProblem(
      await send(
        request('UserPrincipalName=a@contoso.com', { 'content-type': 'application/x-www-form-urlencoded' }),
      ),
      400,
      /not valid JSON/,
    );
  });

  it('refuses bytes that are not UTF-8', async () => {
    expectProblem(await send(request(new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]))), 400, /UTF-8/);
  });

  it.each(['text/xml', 'multipart/form-data; boundary=x', 'text/plain'])(
    'refuses content type %s with 415',
    async (type) => {
      expectProblem(await send(request('["a@contoso.com"]', { 'content-type': type })), 415, /not accepted/);
    },
  );

  it('refuses an empty body, an empty list and an empty users array', async () => {
    expectProblem(await send(request('')), 400, /empty/);
    expectProblem(await send(request('[]')), 400, /empty list/);
    expectProblem(await send(request('{"users": []}')), 400, /"pointer":"\/users".*empty/);
  });

  it('refuses more users than allowed with 413', async () => {
    const users = Array.from({ length: 51 }, (_, i) => `u${i}@contoso.com`);
    expectProblem(await send(request(JSON.stringify({ users }))), 413, /51 users; at most 50/);
    expectProblem(
      await send(request(JSON.stringify(users.map((u) => ({ UserPrincipalName: u }))))),
      413,
      /at most 50/,
    );
  });

  it('refuses a body larger than allowed with 413, before reading it', async () => {
    const small = loadConfig({ SYNC_MAX_REQUEST_BYTES: '1024' });
    const big = JSON.stringify({
      users: Array.from({ length: 40 }, (_, i) => `user-number-${i}@contoso.com`),
    });
    expectProblem(await send(request(big), small), 413, /at most 1,024 bytes/);
    expectProblem(
      await send(request(big, { 'content-length': String(10_000_000) }), small),
      413,
      /at most 1,024 bytes/,
    );
  });

  it('names every non-string entry by its JSON pointer', async () => {
    const sent = await send(
      request(JSON.stringify({ users: ['ok@contoso.com', 42, null, { upn: 'x' }, ['y']] })),
    );
    expectProblem(sent, 400);
    const errors = sent.body.errors as { pointer: string; detail: string }[];
    expect(errors.map((error) => error.pointer)).toEqual(['/users/1', '/users/2', '/users/3', '/users/4']);
    expect(errors[0]?.detail).toMatch(/expected a string, got a number/);
  });

  it('names legacy entries that are not objects or lack UserPrincipalName', async () => {
    const sent = await send(
      request(
        JSON.stringify([
          { UserPrincipalName: 'a@contoso.com' },
          'b@contoso.com',
          { Mail: 'c@contoso.com' },
          { UserPrincipalName: 7 },
        ]),
      ),
    );
    expectProblem(sent, 400);
    const errors = sent.body.errors as { pointer: string; detail: string }[];
    expect(errors.map((error) => error.pointer)).toEqual(['/1', '/2', '/3/UserPrincipalName']);
  });

  it.each([
    ['a/b@contoso.com', /'\/'/],
    ['a@contoso.com/../../users', /'\/'/],
    ['a?x=1@contoso.com', /'\?'/],
    ['a..b@contoso.com', /doubled '\.'/],
    ['a#b@contoso.com', /'#' outside/],
    ['a@contoso.com#', /invalid domain/],
    ['#EXT#@contoso.com', /nothing before '@'/],
    ['a b@contoso.com', /whitespace/],
    ['no-at-sign', /neither an object id/],
    ['a@b@contoso.com', /more than one '@'/],
    ['a@localhost', /invalid domain/],
    ['üser@contoso.com', /non-ASCII/],
    ['%2e%2e@contoso.com', /'%'/],
    ['a\\b@contoso.com', /'\\'/],
    ['x'.repeat(300) + '@contoso.com', /longer than 256/],
  ])('refuses the user key %j and says why', async (key, why) => {
    const sent = await send(request(JSON.stringify({ users: ['fine@contoso.com', key] })));
    expectProblem(sent, 400);
    const errors = sent.body.errors as { pointer: string; detail: string; value?: string }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.pointer).toBe('/users/1');
    expect(errors[0]?.detail).toMatch(why);
  });

  it('refuses unknown fields and a non-boolean dryRun', async () => {
    const sent = await send(
      request(JSON.stringify({ users: ['a@contoso.com'], dryrun: true, dryRun: 'yes', extra: 1 })),
    );
    expectProblem(sent, 400);
    const pointers = (sent.body.errors as { pointer: string }[]).map((error) => error.pointer);
    expect(pointers).toEqual(['/dryrun', '/extra', '/dryRun']);
  });

  it('refuses a body whose dryRun contradicts the query string', async () => {
    expectProblem(
      await send(request('{"users":["a@contoso.com"],"dryRun":false}', {}, '&dryRun=true')),
      400,
      /disagree/,
    );
  });

  it('refuses an invalid dryRun query value', async () => {
    expectProblem(await send(request(POWERSHELL_BODY, {}, '&dryRun=maybe')), 400, /true or false/);
  });

  it('masks a phone number a caller puts where a user key belongs', async () => {
    const sent = await send(request(JSON.stringify({ users: ['+49 170 1234567'] })));
    expectProblem(sent, 400);
    expect(JSON.stringify(sent.body)).not.toContain('1234567');
  });

  it('never answers 5xx to malformed input', async () => {
    const bodies = [
      'null',
      'true',
      '42',
      '"a@contoso.com"',
      '{}',
      '{"users": null}',
      '{"users": {}}',
      '{"users": "a@contoso.com"}',
      '[null]',
      '[[]]',
      '[{}]',
      '{"UserPrincipalName": null}',
      '{"users": ["a@contoso.com"], "__proto__": {"x": 1}}',
      '{"users": [' + '"a@contoso.com",'.repeat(10) + ']',
      '\u0000',
      '['.repeat(5000) + ']'.repeat(5000),
      '{"users": ["\\u0000@contoso.com"]}',
      '{"users": ["a@contoso.com"]} trailing',
    ];
    for (const body of bodies) {
      const sent = await send(request(body));
      expect(sent.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(sent.status, body.slice(0, 40)).toBeLessThan(500);
    }
    expect(client.started).toHaveLength(0);
  });
});

describe('POST /api/sync: the legacy shared secret, when configured', () => {
  const legacy = (): AppConfig =>
    loadConfig({ SYNC_LEGACY_SECRET_HEADER: 'Message', SYNC_LEGACY_SECRET: SECRET });

  it('refuses a missing secret with 401', async () => {
    expectProblem(await send(request(POWERSHELL_BODY), legacy()), 401, /'Message' header/);
  });

  it('refuses a wrong secret with 401, including one that differs only at the end or in length', async () => {
    for (const wrong of [SECRET.slice(0, -1) + 'X', SECRET + 'X', '', SECRET.toUpperCase()]) {
      expectProblem(await send(request(POWERSHELL_BODY, { Message: wrong }), legacy()), 401);
    }
  });

  it('does not echo the secret in its answer', async () => {
    const sent = await send(request(POWERSHELL_BODY, { Message: 'nope' }), legacy());
    expect(JSON.stringify(sent)).not.toContain(SECRET);
  });
});

describe('POST /api/sync: Idempotency-Key', () => {
  it('starts one run for a retried submission and answers it like the first', async () => {
    const body = JSON.stringify({ users: ['a@contoso.com', 'b@contoso.com'] });
    const first = await send(request(body, { 'Idempotency-Key': 'batch-2026-02-01' }));
    const second = await send(request(body, { 'Idempotency-Key': 'batch-2026-02-01' }));
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.status).toBe('alreadyAccepted');
    expect(client.started).toHaveLength(1);
  });

  it('recognises the retry after the first run completed too (Durable would restart a completed id)', async () => {
    const body = JSON.stringify({ users: ['a@contoso.com'] });
    const first = await send(request(body, { 'Idempotency-Key': 'k1' }));
    client.update(String(first.body.id), { runtimeStatus: 'Completed' });
    const again = await send(request(body, { 'Idempotency-Key': 'k1' }));
    expect(again.status).toBe(202);
    expect(client.started).toHaveLength(1);
  });

  it('refuses the same key with a different request with 422', async () => {
    await send(request(JSON.stringify({ users: ['a@contoso.com'] }), { 'Idempotency-Key': 'k2' }));
    const sent = await send(
      request(JSON.stringify({ users: ['b@contoso.com'] }), { 'Idempotency-Key': 'k2' }),
    );
    expect(sent.status).toBe(422);
    expect(sent.headers['content-type']).toMatch(/problem\+json/);
    expect(client.started).toHaveLength(1);
  });

  it('refuses a malformed key', async () => {
    expectProblem(
      await send(request('["a@contoso.com"]', { 'Idempotency-Key': 'has space' })),
      400,
      /Idempotency-Key/,
    );
  });

  it('gives different keys different runs and never uses the key text in the run id', async () => {
    const a = await send(request('{"users":["a@contoso.com"]}', { 'Idempotency-Key': 'alpha' }));
    const b = await send(request('{"users":["a@contoso.com"]}', { 'Idempotency-Key': 'beta' }));
    expect(a.body.id).not.toBe(b.body.id);
    expect(String(a.body.id)).not.toContain('alpha');
  });
});
