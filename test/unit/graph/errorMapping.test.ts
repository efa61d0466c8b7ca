import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  CredentialFailure,
  errorFromFailure,
  errorFromResponse,
  kindForStatus,
  parseGraphErrorBody,
  parseRetryAfter,
} from '../../../lib/graph/errorMapping';
import { GraphRequestError } from '../../../lib/graph/errors';
import { findFullPhoneNumbers } from '../../support/phoneLeaks';
import { graphError, json, networkError } from './support';

const NOW = Date.parse('2026-03-01T12:00:00Z');

async function mapped(response: Response): Promise<GraphRequestError> {
  return errorFromResponse({
    operation: 'createPhoneMethod',
    status: response.status,
    headers: response.headers,
    bodyText: await response.text(),
    clientRequestId: 'our-id',
    nowMs: NOW,
  });
}

describe('kindForStatus', () => {
  it.each([
    [400, false, 'invalid'],
    [401, false, 'unauthorized'],
    [403, false, 'forbidden'],
    [404, false, 'notFound'],
    [405, false, 'invalid'],
    [408, false, 'transient'],
    [409, false, 'conflict'],
    [410, false, 'invalid'],
    [412, false, 'invalid'],
    [429, false, 'throttled'],
    [429, true, 'throttled'],
    [500, false, 'transient'],
    [502, false, 'transient'],
    [503, false, 'transient'],
    [503, true, 'throttled'],
    [504, false, 'transient'],
    [302, false, 'invalid'],
  ] as const)('%i (Retry-After: %s) → %s', (status, hasRetryAfter, kind) => {
    expect(kindForStatus(status, hasRetryAfter)).toBe(kind);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['10', 10_000],
    ['0', 0],
    [' 3 ', 3_000],
    ['1.5', 1_500],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
    [null, undefined],
    ['', undefined],
    ['-5', undefined],
    ['soon', undefined],
    ['10s', undefined],
    ['Mon, 99 Foo 2026 GMT', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('parseGraphErrorBody', () => {
  it('reads code, message and the request id from innerError', () => {
    const body = JSON.stringify({
      error: {
        code: 'Request_ResourceNotFound',
        message: 'gone',
        innerError: { 'request-id': 'r1', date: 'x' },
      },
    });
    expect(parseGraphErrorBody(body)).toEqual({
      code: 'Request_ResourceNotFound',
      message: 'gone',
      requestId: 'r1',
    });
  });

  it.each(['', '<html>Bad gateway</html>', '{"error":"flat"}', '[]', 'null', '{"error":{"code":42}}'])(
    'tolerates %j',
    (body) => {
      expect(parseGraphErrorBody(body)).toEqual({});
    },
  );
});

describe('errorFromResponse: one real Graph-shaped answer per kind', () => {
  it('400 invalid', async () => {
    const error = await mapped(graphError(400, 'badRequest', 'Invalid phone number format.'));
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ kind: 'invalid', status: 400, code: 'badRequest', requestId: 'req-400' });
    expect(error.isTransient).toBe(false);
  });

  it('401 unauthorized', async () => {
    const error = await mapped(
      graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'),
    );
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, code: 'InvalidAuthenticationToken' });
  });

  it('403 forbidden', async () => {
    const error = await mapped(
      graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
    );
    expect(error).toMatchObject({ kind: 'forbidden', status: 403, code: 'Authorization_RequestDenied' });
    expect(error.message).toContain('Insufficient privileges');
  });

  it('404 notFound', async () => {
    const error = await mapped(
      graphError(
        404,
        'Request_ResourceNotFound',
        "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
      ),
    );
    expect(error).toMatchObject({ kind: 'notFound', status: 404, code: 'Request_ResourceNotFound' });
  });

  it('409 phoneNumberNotUnique → conflict, and the number Graph echoes is masked', async () => {
    const error = await mapped(
      graphError(
        409,
        'phoneNumberNotUnique',
        'The phone number +1 2065555555 is already registered for SMS sign-in.',
      ),
    );
    expect(error).toMatchObject({ kind: 'conflict', status: 409, code: 'phoneNumberNotUnique' });
    expect(error.message).not.toContain('2065555555');
    expect(error.message).toContain('already registered');
    expect(findFullPhoneNumbers(error.message)).toEqual([]);
  });

  it('429 with Retry-After seconds → throttled with retryAfterMs', async () => {
    const response = json(
      429,
      {
        error: {
          code: 'TooManyRequests',
          innerError: {
            code: '429',
            date: '2020-08-18T12:51:51',
            message: 'Please retry after',
            'request-id': '94fb3b52-452a-4535-a601-69e0a90e3aa2',
            status: '429',
          },
          message: 'Please retry again later.',
        },
      },
      { 'Retry-After': '10' },
    );
    const error = await mapped(response);
    expect(error).toMatchObject({
      kind: 'throttled',
      status: 429,
      code: 'TooManyRequests',
      retryAfterMs: 10_000,
    });
    expect(error.isTransient).toBe(true);
  });

  it('429 with an HTTP-date Retry-After', async () => {
    const error = await mapped(
      graphError(429, 'TooManyRequests', 'Please retry again later.', {
        'Retry-After': 'Sun, 01 Mar 2026 12:01:00 GMT',
      }),
    );
    expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 60_000 });
  });

  it('500 → transient', async () => {
    const error = await mapped(graphError(500, 'generalException', 'An unexpected error occurred.'));
    expect(error).toMatchObject({ kind: 'transient', status: 500, code: 'generalException' });
  });

  it('503 with Retry-After → throttled; without → transient', async () => {
    const withWait = await mapped(graphError(503, 'serviceNotAvailable', 'Busy', { 'Retry-After': '5' }));
    expect(withWait).toMatchObject({ kind: 'throttled', status: 503, retryAfterMs: 5_000 });
    const without = await mapped(graphError(503, 'serviceNotAvailable', 'Busy'));
    expect(without).toMatchObject({ kind: 'transient', status: 503 });
    expect(without.retryAfterMs).toBeUndefined();
  });

  it('504 with an HTML body from a gateway → transient, no code', async () => {
    const error = await mapped(new Response('<html><body>Gateway Timeout</body></html>', { status: 504 }));
    expect(error).toMatchObject({ kind: 'transient', status: 504, clientRequestId: 'our-id' });
    expect(error.code).toBeUndefined();
    expect(error.requestId).toBeUndefined();
  });

  it('takes the request id from the body when the header is missing', async () => {
    const body = { error: { code: 'x', message: 'y', innerError: { 'request-id': 'from-body' } } };
    const error = await mapped(new Response(JSON.stringify(body), { status: 400 }));
    expect(error.requestId).toBe('from-body');
  });

  it('always carries our client-request-id', async () => {
    const error = await mapped(graphError(404, 'Request_ResourceNotFound', 'x'));
    expect(error.clientRequestId).toBe('our-id');
  });
});

describe('classifyFailure and errorFromFailure', () => {
  it.each([
    ['ECONNREFUSED', 'notSent'],
    ['ENOTFOUND', 'notSent'],
    ['UND_ERR_CONNECT_TIMEOUT', 'notSent'],
    ['ECONNRESET', 'maybeSent'],
    ['UND_ERR_SOCKET', 'maybeSent'],
    ['EPIPE', 'maybeSent'],
  ])('network error %s is %s', (code, sent) => {
    expect(classifyFailure(networkError(code), { timedOut: false, callerAborted: false })).toEqual({
      type: 'network',
      code,
      sent,
    });
  });

  it('finds the code inside an AggregateError (happy-eyeballs connect)', () => {
    const aggregate = Object.assign(
      new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      {},
    );
    const error = new TypeError('fetch failed', { cause: aggregate });
    expect(classifyFailure(error, { timedOut: false, callerAborted: false })).toMatchObject({
      sent: 'notSent',
    });
  });

  it('an error without a code is a network error that may have been sent', () => {
    expect(classifyFailure(new TypeError('fetch failed'), { timedOut: false, callerAborted: false })).toEqual(
      {
        type: 'network',
        code: 'NetworkError',
        sent: 'maybeSent',
      },
    );
  });

  it('our timeout and the caller abort win over the error object', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(classifyFailure(abort, { timedOut: true, callerAborted: false })).toEqual({ type: 'timeout' });
    expect(classifyFailure(abort, { timedOut: false, callerAborted: true })).toEqual({ type: 'aborted' });
  });

  it('a timeout before the attempt reached the transport is a token timeout, known not to be sent', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(
      classifyFailure(abort, { timedOut: true, callerAborted: false, reachedTransport: false }),
    ).toMatchObject({
      type: 'credential',
      kind: 'transient',
      code: 'TokenTimeout',
    });
    expect(classifyFailure(abort, { timedOut: true, callerAborted: false, reachedTransport: true })).toEqual({
      type: 'timeout',
    });
  });

  it('classifies token failures', () => {
    const signals = { timedOut: false, callerAborted: false };
    expect(
      classifyFailure(new CredentialFailure(new CredentialUnavailableError('no MI')), signals),
    ).toMatchObject({
      type: 'credential',
      kind: 'unauthorized',
      code: 'CredentialUnavailable',
    });
    const badSecret = new AuthenticationError(401, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215',
    });
    expect(classifyFailure(new CredentialFailure(badSecret), signals)).toMatchObject({
      kind: 'unauthorized',
    });
    const busy = new AuthenticationError(503, {
      error: 'temporarily_unavailable',
      error_description: 'busy',
    });
    expect(classifyFailure(new CredentialFailure(busy), signals)).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(new CredentialFailure(networkError('ECONNREFUSED')), signals)).toMatchObject({
      kind: 'transient',
      code: 'TokenRequestFailed',
    });
  });

  it.each([
    [{ type: 'timeout' } as const, 'transient', 'Timeout'],
    [{ type: 'aborted' } as const, 'transient', 'Aborted'],
    [{ type: 'network', code: 'ECONNRESET', sent: 'maybeSent' } as const, 'transient', 'ECONNRESET'],
    [
      { type: 'credential', kind: 'unauthorized', code: 'AuthenticationFailed', detail: 'bad' } as const,
      'unauthorized',
      'AuthenticationFailed',
    ],
  ])('%j → %s with status 0', (failure, kind, code) => {
    const error = errorFromFailure({ operation: 'getUser', failure, clientRequestId: 'c1' });
    expect(error).toMatchObject({ kind, code, status: 0, clientRequestId: 'c1' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('masks phone numbers in token error details too', () => {
    const error = errorFromFailure({
      operation: 'getUser',
      failure: { type: 'credential', kind: 'transient', code: 'x', detail: 'user +49 170 1234567 failed' },
    });
    expect(findFullPhoneNumbers(error.message)).toEqual([]);
    expect(error.message).toContain('could not get an access token');
  });
});
