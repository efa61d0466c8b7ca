import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { createGraphGateway } from '../../../lib/graph/createGraphGateway';
import { GraphRequestError } from '../../../lib/graph/errors';
import { PHONE_METHOD_IDS } from '../../../lib/graph/phoneMethods';
import { findFullPhoneNumbers } from '../../support/phoneLeaks';
import {
  BASE_URL,
  FakeCredential,
  freshThrottle,
  graphError,
  hangUntilAborted,
  harness,
  json,
  networkError,
  noContent,
  rejectionOf,
  testSettings,
  TOKEN,
} from './support';

const USER_ID = '6e7b768e-07e2-4810-8459-485f84f8f204';
const NUMBER = '+1 2065550100';
const MOBILE = {
  id: PHONE_METHOD_IDS.mobile,
  phoneNumber: NUMBER,
  phoneType: 'mobile',
  smsSignInState: 'ready',
};
const USER = { id: USER_ID, userPrincipalName: 'adele@contoso.com' };

describe('request headers', () => {
  it('sends the bearer token from the credential, for the configured scope', async () => {
    const h = harness([() => json(200, USER)]);
    await h.gateway.getUser('adele@contoso.com', []);
    expect(h.transport.requests[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(h.credential.calls).toEqual([['https://graph.microsoft.com/.default']]);
  });

  it('sends the token to a non-Microsoft https base URL too (the local emulator)', async () => {
    const h = harness([() => json(200, USER)], { settings: { baseUrl: 'https://localhost:8443/v1.0' } });
    await h.gateway.getUser('adele@contoso.com', []);
    expect(h.transport.requests[0]?.url).toMatch(/^https:\/\/localhost:8443\/v1\.0\/users\//);
    expect(h.transport.requests[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it('sends a fresh client-request-id per call, the same one on every retry of a call', async () => {
    const h = harness([() => graphError(503, 'serviceNotAvailable', 'busy'), () => json(200, USER)]);
    await h.gateway.getUser('adele@contoso.com', []);
    await h.gateway.getUser('adele@contoso.com', []);
    const ids = h.transport.requests.map((r) => r.headers.get('client-request-id'));
    expect(ids).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ]);
  });

  it('uses the caller’s client-request-id when given and refuses one that is not a header value', async () => {
    const h = harness([() => json(200, USER)]);
    await h.gateway.getUser('adele@contoso.com', [], { clientRequestId: 'run-42/user-7' });
    expect(h.transport.requests[0]?.headers.get('client-request-id')).toBe('run-42/user-7');
    const error = await rejectionOf(h.gateway.getUser('x@y.com', [], { clientRequestId: 'a\r\nb' }));
    expect(error).toMatchObject({ kind: 'invalid', code: 'InvalidClientRequestId' });
    expect(h.transport.requests).toHaveLength(1);
  });

  it('sends x-ms-throttle-priority only when a priority is given', async () => {
    const h = harness([() => json(200, { value: [] })]);
    await h.gateway.listPhoneMethods(USER_ID, { priority: 'low' });
    await h.gateway.listPhoneMethods(USER_ID, { priority: 'high' });
    await h.gateway.listPhoneMethods(USER_ID, { priority: 'normal' });
    await h.gateway.listPhoneMethods(USER_ID);
    expect(h.transport.requests.map((r) => r.headers.get('x-ms-throttle-priority'))).toEqual([
      'Low',
      'High',
      'Normal',
      null,
    ]);
  });

  it('sends JSON bodies with Content-Type on POST and PATCH, and no body on DELETE or GET', async () => {
    const h = harness([
      () => json(201, MOBILE),
      () => noContent(),
      () => noContent(),
      () => json(200, { value: [] }),
    ]);
    await h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER);
    await h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER);
    await h.gateway.deletePhoneMethod(USER_ID, 'mobile');
    await h.gateway.listPhoneMethods(USER_ID);
    const [post, patch, del, get] = h.transport.requests;
    expect(post?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual({ phoneNumber: NUMBER, phoneType: 'mobile' });
    expect(patch?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(patch?.body ?? '')).toEqual({ phoneNumber: NUMBER, phoneType: 'mobile' });
    expect(del?.body).toBeUndefined();
    expect(get?.body).toBeUndefined();
    expect(get?.headers.get('accept')).toBe('application/json');
  });
});

describe('responses', () => {
  it('getUser returns the selected properties and drops a null UPN', async () => {
    const body = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)/$entity',
      ...USER,
      onPremisesExtensionAttributes: { extensionAttribute15: null },
    };
    const h = harness([() => json(200, body), () => json(200, { id: USER_ID, userPrincipalName: null })]);
    expect(await h.gateway.getUser(USER_ID, ['onPremisesExtensionAttributes'])).toEqual(body);
    expect(await h.gateway.getUser(USER_ID, [])).toEqual({ id: USER_ID });
  });

  it('listPhoneMethods returns typed methods and leaves out types it does not know', async () => {
    const office = {
      id: PHONE_METHOD_IDS.office,
      phoneNumber: '+1 2065550199x12',
      phoneType: 'office',
      smsSignInState: null,
    };
    const future = { id: 'f', phoneNumber: '+1 2065550198', phoneType: 'unknownFutureValue' };
    const h = harness([() => json(200, { value: [MOBILE, office, future] })]);
    expect(await h.gateway.listPhoneMethods(USER_ID)).toEqual([
      MOBILE,
      { id: PHONE_METHOD_IDS.office, phoneNumber: '+1 2065550199x12', phoneType: 'office' },
    ]);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]?.data).toMatchObject({ types: 'unknownFutureValue' });
  });

  it.each([
    ['a value that is not an array', json(200, { value: 'x' }), 'invalid'],
    ['no value at all', json(200, {}), 'invalid'],
    ['a method without id', json(200, { value: [{ phoneNumber: NUMBER, phoneType: 'mobile' }] }), 'invalid'],
    [
      'a method with a numeric phone number',
      json(200, { value: [{ ...MOBILE, phoneNumber: 12065550100 }] }),
      'invalid',
    ],
    ['a truncated body', new Response('{"value":[{"id":"31', { status: 200 }), 'transient'],
    [
      'an HTML page',
      new Response('<html>proxy</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      'transient',
    ],
    ['an empty body', new Response('', { status: 200 }), 'transient'],
  ])('listPhoneMethods rejects %s as %s instead of crashing', async (_name, response, kind) => {
    const h = harness([() => response]);
    const error = await rejectionOf(h.gateway.listPhoneMethods(USER_ID));
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ kind, status: 200, code: 'MalformedResponse' });
    expect(findFullPhoneNumbers((error as Error).message)).toEqual([]);
  });

  it('getUser rejects a user without id', async () => {
    const h = harness([() => json(200, { userPrincipalName: 'x@y.com' })]);
    expect(await rejectionOf(h.gateway.getUser('x@y.com', []))).toMatchObject({
      kind: 'invalid',
      code: 'MalformedResponse',
    });
  });

  it('createPhoneMethod returns the created method', async () => {
    const h = harness([() => json(201, MOBILE)]);
    expect(await h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER)).toEqual(MOBILE);
  });

  it('createPhoneMethod trusts a 201 with an unreadable body and answers from the request', async () => {
    const h = harness([() => new Response('', { status: 201 })]);
    expect(await h.gateway.createPhoneMethod(USER_ID, 'alternateMobile', NUMBER)).toEqual({
      id: PHONE_METHOD_IDS.alternateMobile,
      phoneNumber: NUMBER,
      phoneType: 'alternateMobile',
    });
    expect(h.warnings).toHaveLength(1);
    expect(JSON.stringify(h.warnings)).not.toContain('2065550100');
  });

  it('update and delete accept 204 and 200', async () => {
    const h = harness([() => noContent(), () => json(200, MOBILE), () => noContent(), () => json(200, {})]);
    await expect(h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER)).resolves.toBeUndefined();
    await expect(h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER)).resolves.toBeUndefined();
    await expect(h.gateway.deletePhoneMethod(USER_ID, 'mobile')).resolves.toBeUndefined();
    await expect(h.gateway.deletePhoneMethod(USER_ID, 'mobile')).resolves.toBeUndefined();
  });

  it('does not follow redirects: a 3xx is invalid', async () => {
    const h = harness([
      () => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
    ]);
    expect(await rejectionOf(h.gateway.listPhoneMethods(USER_ID))).toMatchObject({
      kind: 'invalid',
      status: 302,
    });
    expect(h.transport.requests).toHaveLength(1);
  });

  it('refuses bad arguments before sending anything', async () => {
    const h = harness([() => json(201, MOBILE)]);
    expect(
      await rejectionOf(h.gateway.createPhoneMethod(USER_ID, 'pager' as 'mobile', NUMBER)),
    ).toMatchObject({
      kind: 'invalid',
      code: 'InvalidPhoneType',
    });
    expect(await rejectionOf(h.gateway.updatePhoneMethod(USER_ID, 'mobile', ' '))).toMatchObject({
      kind: 'invalid',
      code: 'InvalidPhoneNumberArgument',
    });
    expect(await rejectionOf(h.gateway.deletePhoneMethod('..', 'mobile'))).toMatchObject({ kind: 'invalid' });
    expect(h.transport.requests).toHaveLength(0);
  });
});

describe('error mapping through the gateway', () => {
  it.each([
    [graphError(400, 'badRequest', 'Invalid value'), 'invalid', 400],
    [graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'), 'unauthorized', 401],
    [graphError(403, 'accessDenied', 'Request Authorization failed'), 'forbidden', 403],
    [graphError(404, 'Request_ResourceNotFound', "Resource 'x' does not exist"), 'notFound', 404],
    [graphError(409, 'phoneNumberNotUnique', 'Phone number +1 2065550100 is not unique'), 'conflict', 409],
  ])('%#: a %s answer is not retried and maps to %s', async (response, kind, status) => {
    const h = harness([() => response]);
    const error = await rejectionOf(h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER));
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({
      kind,
      status,
      requestId: `req-${status}`,
      clientRequestId: h.transport.requests[0]?.headers.get('client-request-id'),
    });
    expect(h.transport.requests).toHaveLength(1);
    expect(findFullPhoneNumbers((error as Error).message)).toEqual([]);
  });

  it('names the operation in the message', async () => {
    const h = harness([() => graphError(404, 'Request_ResourceNotFound', 'gone')]);
    const error = (await rejectionOf(h.gateway.getUser('x@y.com', []))) as GraphRequestError;
    expect(error.message).toBe('getUser failed: Graph answered 404 Request_ResourceNotFound: gone');
  });

  it('an odd throw from the transport still comes out as GraphRequestError', async () => {
    const h = harness([
      () => {
        throw 'a string, not an Error';
      },
    ]);
    const error = await rejectionOf(h.gateway.getUser('x@y.com', [], {}));
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ kind: 'transient', status: 0 });
  });
});

describe('retries', () => {
  it('waits the Retry-After of a 429, then succeeds', async () => {
    const h = harness([
      () => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '2' }),
      () => json(200, USER),
    ]);
    expect(await h.gateway.getUser(USER_ID, [])).toEqual(USER);
    expect(h.clock.sleeps).toEqual([2_000]);
    expect(h.transport.requests.map((r) => r.at - (h.transport.requests[0]?.at ?? 0))).toEqual([0, 2_000]);
    expect(h.warnings.map((w) => w.data)).toEqual([
      expect.objectContaining({ operation: 'getUser', attempt: 1, status: 429, delayMs: 2_000 }),
    ]);
  });

  it('backs off exponentially on 5xx without Retry-After and succeeds on the 4th attempt', async () => {
    const h = harness([
      () => graphError(503, 'serviceNotAvailable', 'busy'),
      () => graphError(500, 'generalException', 'oops'),
      () => graphError(504, 'gatewayTimeout', 'slow'),
      () => json(200, { value: [MOBILE] }),
    ]);
    expect(await h.gateway.listPhoneMethods(USER_ID)).toEqual([MOBILE]);
    expect(h.clock.sleeps).toEqual([750, 1_500, 3_000]);
  });

  it('gives up after maxAttempts attempts and surfaces the last error', async () => {
    const h = harness([() => graphError(500, 'generalException', 'oops')], { settings: { maxAttempts: 3 } });
    const error = await rejectionOf(h.gateway.listPhoneMethods(USER_ID));
    expect(error).toMatchObject({ kind: 'transient', status: 500, code: 'generalException' });
    expect(h.transport.requests).toHaveLength(3);
    expect(h.clock.sleeps).toEqual([750, 1_500]);
  });

  it('retries network errors on reads', async () => {
    const h = harness([
      () => {
        throw networkError('ECONNRESET');
      },
      () => json(200, USER),
    ]);
    expect(await h.gateway.getUser(USER_ID, [])).toEqual(USER);
    expect(h.transport.requests).toHaveLength(2);
  });

  it('surfaces a Retry-After longer than maxRetryAfterWaitMs at once, as throttled with the wait', async () => {
    const h = harness([() => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '120' })]);
    const error = await rejectionOf(h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER));
    expect(error).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 120_000 });
    expect(h.transport.requests).toHaveLength(1);
    expect(h.clock.sleeps).toEqual([]);
  });

  describe('a create (POST) is not sent twice when it may have been applied', () => {
    it.each([
      ['a reset connection', () => Promise.reject(networkError('ECONNRESET')), 'ECONNRESET', 0],
      ['a 500', () => graphError(500, 'generalException', 'oops'), 'generalException', 500],
      ['a 504', () => graphError(504, 'GatewayTimeout', 'slow'), 'GatewayTimeout', 504],
    ])('after %s it surfaces transient for the caller to re-read', async (_name, responder, code, status) => {
      const h = harness([responder, () => json(201, MOBILE)]);
      const error = await rejectionOf(h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER));
      expect(error).toMatchObject({ kind: 'transient', code, status });
      expect(h.transport.requests).toHaveLength(1);
      expect(h.warnings.map((w) => w.data)).toEqual([
        expect.objectContaining({ operation: 'createPhoneMethod', reason: 'createMayHaveBeenApplied' }),
      ]);
    });

    it('after a refused connection or a 429 it is retried', async () => {
      const h = harness([
        () => Promise.reject(networkError('ECONNREFUSED')),
        () => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '1' }),
        () => json(201, MOBILE),
      ]);
      expect(await h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER)).toEqual(MOBILE);
      expect(h.transport.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    });

    it('PATCH is retried after a reset connection', async () => {
      const h = harness([() => Promise.reject(networkError('ECONNRESET')), () => noContent()]);
      await h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER);
      expect(h.transport.requests.map((r) => r.method)).toEqual(['PATCH', 'PATCH']);
    });
  });

  it('a DELETE that finds nothing after an unanswered attempt succeeded the first time', async () => {
    const h = harness([
      () => graphError(504, 'GatewayTimeout', 'slow'),
      () => graphError(404, 'NotFound', 'no method'),
    ]);
    await expect(h.gateway.deletePhoneMethod(USER_ID, 'mobile')).resolves.toBeUndefined();
    expect(h.transport.requests).toHaveLength(2);
    expect(h.warnings.at(-1)?.message).toMatch(/already gone/);
  });

  it('a plain DELETE 404 is notFound', async () => {
    const h = harness([() => graphError(404, 'Request_ResourceNotFound', 'no user')]);
    expect(await rejectionOf(h.gateway.deletePhoneMethod(USER_ID, 'mobile'))).toMatchObject({
      kind: 'notFound',
    });
  });
});

describe('timeouts and cancellation', () => {
  it('aborts an attempt after requestTimeoutMs and retries a read', async () => {
    const h = harness([hangUntilAborted(), hangUntilAborted()], {
      settings: { requestTimeoutMs: 20, maxAttempts: 2 },
    });
    const error = await rejectionOf(h.gateway.listPhoneMethods(USER_ID));
    expect(error).toMatchObject({ kind: 'transient', status: 0, code: 'Timeout' });
    expect(h.transport.requests).toHaveLength(2);
  });

  it('a timed-out create is not retried', async () => {
    const h = harness([hangUntilAborted()], { settings: { requestTimeoutMs: 20 } });
    const error = await rejectionOf(h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER));
    expect(error).toMatchObject({ kind: 'transient', code: 'Timeout' });
    expect(h.transport.requests).toHaveLength(1);
  });

  it('a stalled body counts as a timeout too', async () => {
    const stalled = (): Response =>
      new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"value":[')) }), {
        status: 200,
      });
    const h = harness([stalled], { settings: { requestTimeoutMs: 20, maxAttempts: 1 } });
    expect(await rejectionOf(h.gateway.listPhoneMethods(USER_ID))).toMatchObject({ code: 'Timeout' });
  });

  it('the caller’s signal cancels without retries', async () => {
    const controller = new AbortController();
    const h = harness([
      (request, signal) => {
        setTimeout(() => controller.abort(), 5);
        return hangUntilAborted()(request, signal);
      },
    ]);
    const error = await rejectionOf(h.gateway.listPhoneMethods(USER_ID, { signal: controller.signal }));
    expect(error).toMatchObject({ kind: 'transient', code: 'Aborted' });
    expect(h.transport.requests).toHaveLength(1);
  });

  it('an already-aborted signal cancels a write waiting for its turn', async () => {
    const h = harness([() => noContent()], { settings: { writeLimit: { writes: 1, perMs: 60_000 } } });
    await h.gateway.deletePhoneMethod(USER_ID, 'mobile', {}); // spends the only token
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(
      h.gateway.deletePhoneMethod(USER_ID, 'office', { signal: controller.signal }),
    );
    expect(error).toMatchObject({ code: 'Aborted' });
    expect(h.transport.requests).toHaveLength(1);
  });
});

describe('process-wide throttle gate', () => {
  it('after a 429 with Retry-After, the next call of any kind waits until that instant', async () => {
    const throttle = freshThrottle();
    const h = harness(
      [() => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '5' }), () => json(200, USER)],
      { settings: { maxAttempts: 1 }, deps: { throttle } },
    );
    const start = h.clock.now();
    expect(await rejectionOf(h.gateway.listPhoneMethods(USER_ID))).toMatchObject({
      kind: 'throttled',
      retryAfterMs: 5_000,
    });
    await h.gateway.getUser(USER_ID, []);
    expect(h.transport.requests.map((r) => r.at - start)).toEqual([0, 5_000]);
    expect(h.clock.sleeps).toEqual([5_000]);
  });

  it('is shared by gateways that share the throttle state', async () => {
    const throttle = freshThrottle();
    const first = harness([() => graphError(503, 'serviceNotAvailable', 'busy', { 'Retry-After': '3' })], {
      settings: { maxAttempts: 1 },
      deps: { throttle },
    });
    const second = harness([() => json(200, USER)], { deps: { throttle } });
    second.clock.time = first.clock.time;
    await rejectionOf(first.gateway.getUser(USER_ID, []));
    await second.gateway.getUser(USER_ID, []);
    expect(second.clock.sleeps).toEqual([3_000]);
  });

  it('a pause longer than maxRetryAfterWaitMs fails calls fast, without sending, until it ends', async () => {
    const h = harness([
      () => graphError(429, 'TooManyRequests', 'later', { 'Retry-After': '300' }),
      () => json(200, { value: [] }),
    ]);
    await rejectionOf(h.gateway.listPhoneMethods(USER_ID));
    h.clock.time += 100_000;
    const error = await rejectionOf(h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER));
    expect(error).toMatchObject({
      kind: 'throttled',
      status: 0,
      code: 'ClientThrottleGate',
      retryAfterMs: 200_000,
    });
    expect(h.transport.requests).toHaveLength(1);
    // The refused write gave its token back.
    expect(h.throttle.writeLimiter.available(h.clock.now())).toBe(h.throttle.writeLimiter.capacity);
    h.clock.time += 200_000;
    await expect(h.gateway.listPhoneMethods(USER_ID)).resolves.toEqual([]);
  });
});

describe('client-side write limiter', () => {
  it('spaces writes at the configured rate and lets reads through', async () => {
    // 10 writes per second, burst 1: one write every 100 ms.
    const h = harness(
      [() => noContent(), () => noContent(), () => json(200, { value: [] }), () => noContent()],
      {
        settings: { writeLimit: { writes: 10, perMs: 1_000 } },
        deps: { throttle: freshThrottle({ writes: 10, perMs: 1_000 }) },
      },
    );
    const start = h.clock.now();
    await h.gateway.deletePhoneMethod(USER_ID, 'office');
    await h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER);
    await h.gateway.listPhoneMethods(USER_ID);
    await h.gateway.deletePhoneMethod(USER_ID, 'alternateMobile');
    expect(h.transport.requests.map((r) => `${r.method}@${r.at - start}`)).toEqual([
      'DELETE@0',
      'PATCH@100',
      'GET@100',
      'DELETE@200',
    ]);
  });

  it('every retry of a write takes a token too', async () => {
    const h = harness(
      [() => graphError(503, 'serviceNotAvailable', 'busy', { 'Retry-After': '0' }), () => noContent()],
      {
        deps: { throttle: freshThrottle({ writes: 10, perMs: 1_000 }) },
      },
    );
    const start = h.clock.now();
    await h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER);
    expect(h.transport.requests.map((r) => r.at - start)).toEqual([0, 100]);
  });
});

describe('token failures', () => {
  it('an unavailable credential is unauthorized and nothing is sent', async () => {
    const credential = new FakeCredential(() =>
      Promise.reject(new CredentialUnavailableError('no managed identity')),
    );
    const h = harness([() => json(200, USER)], { credential });
    const error = await rejectionOf(h.gateway.getUser(USER_ID, []));
    expect(error).toMatchObject({ kind: 'unauthorized', status: 0, code: 'CredentialUnavailable' });
    expect(h.transport.requests).toHaveLength(0);
    expect(credential.calls).toHaveLength(1);
  });

  it('a token endpoint hiccup is retried', async () => {
    let calls = 0;
    const credential = new FakeCredential(async () => {
      calls += 1;
      if (calls === 1)
        throw new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'x' });
      return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
    });
    const h = harness([() => json(201, MOBILE)], { credential });
    expect(await h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER)).toEqual(MOBILE);
    expect(h.transport.requests).toHaveLength(1);
    expect(h.transport.requests[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it('a token request that hangs times out like a request, but a create is retried: nothing was sent', async () => {
    const credential = new FakeCredential(() => new Promise(() => undefined));
    const h = harness([() => json(201, MOBILE)], {
      credential,
      settings: { requestTimeoutMs: 20, maxAttempts: 2 },
    });
    const error = await rejectionOf(h.gateway.createPhoneMethod(USER_ID, 'mobile', NUMBER));
    expect(error).toMatchObject({ kind: 'transient', status: 0, code: 'TokenTimeout' });
    expect(credential.calls).toHaveLength(2);
    expect(h.transport.requests).toHaveLength(0);
  });

  it('a credential that returns no token is a failure, not an anonymous request', async () => {
    const credential = new FakeCredential(async () => null);
    const h = harness([() => json(200, USER)], { credential, settings: { maxAttempts: 2 } });
    expect(await rejectionOf(h.gateway.getUser(USER_ID, []))).toMatchObject({ kind: 'transient', status: 0 });
    expect(h.transport.requests).toHaveLength(0);
  });
});

describe('no error message contains a phone number', () => {
  it('whatever Graph puts in its error bodies', async () => {
    const bodies = [
      graphError(400, 'badRequest', 'Invalid phone number: +49 170 1234567'),
      graphError(409, 'phoneNumberNotUnique', 'The phone number +12065550100 is used by another user'),
      graphError(400, 'badRequest', "Value '0049-170-1234567' is not in the format +{cc} {number}"),
      graphError(403, 'accessDenied', 'Cannot change (206) 555-0100 x123 for this user'),
      new Response('phone=+441632960123', { status: 400 }),
    ];
    const messages: string[] = [];
    for (const body of bodies) {
      const h = harness([() => body]);
      const error = (await rejectionOf(
        h.gateway.updatePhoneMethod(USER_ID, 'mobile', NUMBER),
      )) as GraphRequestError;
      messages.push(error.message);
    }
    for (const message of messages) expect(findFullPhoneNumbers(message)).toEqual([]);
    expect(messages.join('\n')).not.toMatch(/1234567|2065550100|5550100|1632960123/);
  });
});

describe('settings', () => {
  it.each([
    [{ baseUrl: 'http://graph.test/v1.0' }, /https/],
    [{ baseUrl: 'not a url' }, /not a URL/],
    [{ baseUrl: 'https://graph.test/v1.0?x=1' }, /query/],
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ requestTimeoutMs: 0 }, /requestTimeoutMs/],
    [{ writeLimit: { writes: 0, perMs: 150_000 } }, /writeLimit/],
  ])('refuses %j', (override, message) => {
    expect(() => createGraphGateway(testSettings(override), { credential: new FakeCredential() })).toThrow(
      message,
    );
  });

  it('builds a working gateway from settings alone (managed identity credential by default)', () => {
    expect(() => createGraphGateway(testSettings({ baseUrl: BASE_URL }))).not.toThrow();
  });
});
