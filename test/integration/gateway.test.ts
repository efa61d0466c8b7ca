import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appSettingsFrom,
  exportManagedIdentityEndpoint,
  type GraphAuthMode,
  type RunningEmulator,
  startGraphEmulator,
} from '../../dev/graph-emulator';
import { loadConfig } from '../../lib/config';
import { createGraphGateway } from '../../lib/graph/createGraphGateway';
import { type GraphRequestError, isGraphRequestError } from '../../lib/graph/errors';
import { type GraphGateway } from '../../lib/graph/gateway';
import { type GraphSettings } from '../../lib/graph/settings';
import { processThrottleState } from '../../lib/graph/throttle';

/**
 * The product's Graph gateway through the REAL @azure/identity credentials and the REAL
 * @microsoft/microsoft-graph-client, against the emulator over HTTPS (its CA trusted through
 * NODE_EXTRA_CA_CERTS, set by the global setup before this worker started). Issue 3, "What it must show".
 */
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startGraphEmulator({ stateDir: process.env.EMULATOR_STATE_DIR, throttling: false });
});
afterAll(async () => {
  await emulator?.stop();
});

let isolation = 0;
/** Settings as the app would read them from the emulator's product settings, with overrides. */
function settingsFor(
  mode: GraphAuthMode,
  overrides: Record<string, string> = {},
  env: Record<string, string> = {},
): GraphSettings {
  const product = appSettingsFrom(emulator.productSettings(mode));
  exportManagedIdentityEndpoint(product);
  const settings = loadConfig({ ...product, ...env }).graph;
  // A distinct base URL path per gateway keeps the process-wide throttle state of one test from another.
  isolation += 1;
  return {
    ...settings,
    ...numeric(overrides),
    baseUrl: settings.baseUrl,
    writeLimit: { writes: 3000, perMs: 150_000 + isolation },
  };
}

function numeric(overrides: Record<string, string>): Partial<GraphSettings> {
  return Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, Number(value)]));
}

function gatewayFor(settings: GraphSettings): GraphGateway {
  return createGraphGateway(settings, {
    throttle: processThrottleState(`test-${isolation}`, settings.writeLimit),
  });
}

async function failure(promise: Promise<unknown>): Promise<GraphRequestError> {
  try {
    await promise;
  } catch (error) {
    if (isGraphRequestError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  await emulator.control.clearFaults();
});

describe('authentication: every supported credential works unchanged against the emulator (graph.md §9)', () => {
  it.each(['managedIdentity', 'clientSecret', 'clientCertificate', 'password'] as const)(
    '%s',
    async (mode) => {
      const gateway = gatewayFor(settingsFor(mode));
      const user = await gateway.getUser('anna.schmidt@contoso.com', ['onPremisesExtensionAttributes']);
      expect(user.userPrincipalName).toBe('anna.schmidt@contoso.com');
      expect(user.onPremisesExtensionAttributes).toMatchObject({
        extensionAttribute15: expect.any(String) as string,
      });
      expect(Array.isArray(await gateway.listPhoneMethods(user.id))).toBe(true);
    },
  );

  it('app-only calls carry the managed identity; the password flow carries the service account', async () => {
    const since = await emulator.control.lastRequestSeq();
    await gatewayFor(settingsFor('managedIdentity')).getUser('ben.mueller@contoso.com', []);
    await gatewayFor(settingsFor('password')).getUser('ben.mueller@contoso.com', []);
    const graphCalls = (await emulator.control.requests({ since })).filter(
      (entry) => entry.channel === 'graph',
    );
    expect(graphCalls.map((entry) => entry.userPrincipalName ?? 'app-only')).toEqual([
      'app-only',
      'svc-mfa-sync@contoso.com',
    ]);
    expect(graphCalls[0]?.appId).toBe(emulator.credentials.managedIdentity?.clientId);
  });
});

describe('odd user keys reach Graph escaped correctly (graph.md §4.3)', () => {
  const gateway = (): GraphGateway => gatewayFor(settingsFor('managedIdentity'));

  it.each([
    ['$kiosk-frontdesk@contoso.com', "/users('$kiosk-frontdesk@contoso.com')"],
    [
      'karl.klein_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      '/users/karl.klein_fabrikam.com%23EXT%23@contoso.onmicrosoft.com',
    ],
    ["liam.o'connor@contoso.com", '/users/liam.o%27connor@contoso.com'],
  ])('%s', async (key, expectedPath) => {
    const since = await emulator.control.lastRequestSeq();
    const user = await gateway().getUser(key, []);
    expect(user.userPrincipalName?.toLowerCase()).toBe(key.toLowerCase());
    const [entry] = (await emulator.control.requests({ since })).filter((e) => e.channel === 'graph');
    expect(entry?.path).toMatch(new RegExp(`^/v1\\.0${expectedPath.replace(/[$()'.?]/g, '\\$&')}`));
  });

  it('a key with path characters stays one segment: not found, never another resource', async () => {
    for (const key of [
      'anna.schmidt@contoso.com/authentication',
      'x@contoso.com?$select=id',
      'x#@contoso.com',
    ]) {
      expect((await failure(gateway().getUser(key, []))).kind).toBe('notFound');
    }
    const dotDot = await failure(gateway().getUser('..', []));
    expect(dotDot).toMatchObject({ kind: 'invalid', status: 0 });
  });
});

describe('every error kind is mapped (graph.md §2.7, §5.1)', () => {
  it('notFound: an unknown user, with the request id', async () => {
    const error = await failure(gatewayFor(settingsFor('managedIdentity')).getUser('nobody@contoso.com', []));
    expect(error).toMatchObject({ kind: 'notFound', status: 404, code: 'Request_ResourceNotFound' });
    expect(error.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(error.clientRequestId).toMatch(/[0-9a-f-]{36}/);
  });

  it('forbidden: an app with User.Read.All only reads users but not phone methods', async () => {
    const reader = emulator.credentials.readOnly;
    if (reader === undefined) throw new Error('the seed has no read-only app');
    const gateway = gatewayFor(
      settingsFor(
        'clientSecret',
        {},
        { AZURE_CLIENT_ID: reader.clientId, AZURE_CLIENT_SECRET: reader.clientSecret },
      ),
    );
    const user = await gateway.getUser('anna.schmidt@contoso.com', []);
    expect((await failure(gateway.listPhoneMethods(user.id))).kind).toBe('forbidden');
  });

  it('unauthorized: Graph refuses a token the emulator did not sign', async () => {
    const settings = settingsFor('managedIdentity');
    const gateway = createGraphGateway(settings, {
      credential: {
        getToken: async () => ({
          token: 'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.',
          expiresOnTimestamp: Date.now() + 3_600_000,
        }),
      },
    });
    expect(await failure(gateway.getUser('anna.schmidt@contoso.com', []))).toMatchObject({
      kind: 'unauthorized',
      status: 401,
    });
  });

  it('invalid: a second mobile method; conflict: phoneNumberNotUnique, with the write applied', async () => {
    const gateway = gatewayFor(settingsFor('managedIdentity'));
    const clara = await gateway.getUser('clara.weber@contoso.com', []);
    expect(await failure(gateway.createPhoneMethod(clara.id, 'mobile', '+49 1723456788'))).toMatchObject({
      kind: 'invalid',
      status: 400,
    });

    const mia = await gateway.getUser('mia.neumann@contoso.com', []);
    const conflict = await failure(gateway.createPhoneMethod(mia.id, 'mobile', '+49 1761234500'));
    expect(conflict).toMatchObject({ kind: 'conflict', status: 409, code: 'phoneNumberNotUnique' });
    expect(conflict.message).not.toContain('1761234500');
    expect((await gateway.listPhoneMethods(mia.id)).map((method) => method.phoneType)).toEqual(['mobile']);
  });

  it('throttled: a Retry-After longer than the gateway waits comes back with retryAfterMs', async () => {
    await emulator.control.addScriptedFault({
      fault: 'throttle',
      retryAfterSeconds: 120,
      count: 1,
      match: { pathIncludes: 'zoe.bauer' },
    });
    const error = await failure(
      gatewayFor(settingsFor('managedIdentity', { maxRetryAfterWaitMs: '1000' })).getUser(
        'zoe.bauer@contoso.com',
        [],
      ),
    );
    expect(error).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 120_000 });
  });

  it('transient: 503/504 and connection resets that outlast the attempts', async () => {
    for (const fault of ['unavailable', 'gatewayTimeout', 'connectionReset'] as const) {
      await emulator.control.addScriptedFault({
        fault,
        count: 2,
        retryAfterSeconds: 0,
        match: { pathIncludes: 'sara.cloud' },
      });
      const error = await failure(
        gatewayFor(settingsFor('managedIdentity', { maxAttempts: '2' })).getUser(
          'sara.cloud@contoso.com',
          [],
        ),
      );
      // A 503 carrying Retry-After is reported as throttling (graph.md §5.1); the others are transient.
      expect(fault === 'unavailable' ? ['transient', 'throttled'] : ['transient'], fault).toContain(
        error.kind,
      );
      await emulator.control.clearFaults();
    }
  });
});

describe('Retry-After is honoured (graph.md §5.1)', () => {
  it('waits the announced time, then succeeds, with one retry', async () => {
    await emulator.control.addScriptedFault({
      fault: 'throttle',
      retryAfterSeconds: 1,
      count: 1,
      match: { pathIncludes: 'tom.walker' },
    });
    const since = await emulator.control.lastRequestSeq();
    const user = await gatewayFor(settingsFor('managedIdentity', { maxRetryAfterWaitMs: '5000' })).getUser(
      'tom.walker@contoso.com',
      [],
    );
    expect(user.userPrincipalName).toBe('tom.walker@contoso.com');
    const calls = (await emulator.control.requests({ since })).filter((entry) => entry.channel === 'graph');
    expect(calls.map((entry) => entry.status)).toEqual([429, 200]);
    const gapMs = Date.parse(calls[1]?.time ?? '') - Date.parse(calls[0]?.time ?? '');
    expect(gapMs).toBeGreaterThanOrEqual(950);
  });

  it('sends x-ms-throttle-priority for background runs', async () => {
    const since = await emulator.control.lastRequestSeq();
    await gatewayFor(settingsFor('managedIdentity')).getUser('uma.patel@contoso.com', [], {
      priority: 'low',
    });
    const [entry] = (await emulator.control.requests({ since })).filter((e) => e.channel === 'graph');
    expect(entry?.priority?.toLowerCase()).toBe('low');
  });
});
