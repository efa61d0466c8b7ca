import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  UsernamePasswordCredential,
} from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtClaims, requestUrl, startTestGraph, type TestGraph } from './helpers';

/**
 * Contract tests: the Entra side (reference/graph.md §9, §3.4), driven by the REAL @azure/identity
 * credentials. NODE_EXTRA_CA_CERTS is read only at process start, so the CA is passed per credential
 * (`tlsOptions.ca`) instead.
 */
let g: TestGraph;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});

const claims = jwtClaims;

function options() {
  return {
    authorityHost: g.emulator.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: g.emulator.caCertificatePem },
    retryOptions: { maxRetries: 0 },
  };
}

/** A raw form POST to the tenant's v2.0 token endpoint, as MSAL sends it. */
function postToken(tenant: string, form: Record<string, string>): ReturnType<typeof requestUrl> {
  return requestUrl(`${g.emulator.authorityHost}/${tenant}/oauth2/v2.0/token`, 'POST', {
    ca: g.emulator.caCertificatePem,
    rawBody: new URLSearchParams(form).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

async function phoneMethodsWith(token: string): Promise<number> {
  return (await g.call('GET', '/users/ben.mueller@contoso.com/authentication/phoneMethods', { token }))
    .status;
}

describe('§9.2 discovery documents', () => {
  it('§9.2 OpenID configuration over HTTPS carries the four fields MSAL checks, with the tenant id in them', async () => {
    const res = await requestUrl(
      `${g.emulator.authorityHost}/${g.emulator.tenantId}/v2.0/.well-known/openid-configuration`,
      'GET',
      {
        ca: g.emulator.caCertificatePem,
      },
    );
    expect(res.status).toBe(200);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri']) {
      expect(res.body[field]).toContain(g.emulator.tenantId);
      expect(res.body[field]).toMatch(/^https:\/\//);
    }
    const jwks = await requestUrl(res.body.jwks_uri, 'GET', { ca: g.emulator.caCertificatePem });
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
  });

  it('§9.2 an unknown tenant is AADSTS90002', async () => {
    const res = await postToken('not-a-tenant', {
      grant_type: 'client_credentials',
      client_id: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(res.status).toBe(400);
    expect(res.body.error_codes).toEqual([90002]);
    expect(res.body.error_description).toMatch(/^AADSTS90002: .*\r\nTrace ID: .*\r\nCorrelation ID: /s);
  });
});

describe('§3.4 managed identity (App Service 2019-08-01)', () => {
  it('§3.4 ManagedIdentityCredential (user-assigned, ?client_id=) gets a token Graph accepts, with both app roles', async () => {
    const mi = g.emulator.managedIdentity;
    process.env.IDENTITY_ENDPOINT = mi.endpoint;
    process.env.IDENTITY_HEADER = mi.header;
    try {
      const credential = new ManagedIdentityCredential({ clientId: mi.clientId ?? '' });
      const token = await credential.getToken(GRAPH_SCOPE);
      expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
      const c = claims(token.token);
      expect(c.appid).toBe(mi.clientId);
      expect(c.idtyp).toBe('app');
      expect(c.roles.sort()).toEqual(['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All']);
      expect(await phoneMethodsWith(token.token)).toBe(200);
      const log = await g.emulator.control.requests();
      expect(
        log.some((e) => e.channel === 'managedIdentity' && e.path.includes(`client_id=${mi.clientId}`)),
      ).toBe(true);
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });

  it('§3.4 without client_id the system-assigned identity answers; it has no Graph roles, so phone methods are 403', async () => {
    const mi = g.emulator.managedIdentity;
    const res = await requestUrl(
      `${mi.endpoint}?api-version=2019-08-01&resource=https://graph.microsoft.com`,
      'GET',
      {
        headers: { 'X-IDENTITY-HEADER': mi.header },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.client_id).toBe(mi.systemAssignedClientId);
    expect(res.body.token_type).toBe('Bearer');
    expect(Number(res.body.expires_on)).toBeGreaterThan(Date.now() / 1000);
    expect(await phoneMethodsWith(res.body.access_token)).toBe(403);
  });

  it('§3.4 a wrong X-IDENTITY-HEADER is 401; an unknown client_id or api-version is 400', async () => {
    const mi = g.emulator.managedIdentity;
    const base = `${mi.endpoint}?api-version=2019-08-01&resource=https://graph.microsoft.com`;
    expect((await requestUrl(base, 'GET', { headers: { 'X-IDENTITY-HEADER': 'nope' } })).status).toBe(401);
    expect((await requestUrl(base, 'GET')).status).toBe(401);
    const unknown = await requestUrl(`${base}&client_id=00000000-0000-0000-0000-000000000001`, 'GET', {
      headers: { 'X-IDENTITY-HEADER': mi.header },
    });
    expect(unknown.status).toBe(400);
    const version = await requestUrl(base.replace('2019-08-01', '2017-09-01'), 'GET', {
      headers: { 'X-IDENTITY-HEADER': mi.header },
    });
    expect(version.status).toBe(400);
  });
});

describe('§9.1 client credentials', () => {
  it('§9.1 ClientSecretCredential with authorityHost + disableInstanceDiscovery gets an app token', async () => {
    const c = g.emulator.credentials.clientSecret!;
    const credential = new ClientSecretCredential(g.emulator.tenantId, c.clientId, c.clientSecret, options());
    const token = await credential.getToken(GRAPH_SCOPE);
    expect(claims(token.token).appid).toBe(c.clientId);
    expect(await phoneMethodsWith(token.token)).toBe(200);
  });

  it('§9.1 a wrong secret fails with AADSTS7000215', async () => {
    const c = g.emulator.credentials.clientSecret!;
    const credential = new ClientSecretCredential(
      g.emulator.tenantId,
      c.clientId,
      'wrong-secret-value',
      options(),
    );
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS7000215/);
  });

  it('§9.1 a scope without /.default is invalid_scope', async () => {
    const c = g.emulator.credentials.clientSecret!;
    const res = await postToken(g.emulator.tenantId, {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: 'https://graph.microsoft.com/User.Read.All',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('§9.1 the raw response has token_type, expires_in, ext_expires_in and a signed JWT', async () => {
    const c = g.emulator.credentials.readOnly!;
    const res = await postToken('contoso.onmicrosoft.com', {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(claims(res.body.access_token).roles).toEqual(['User.Read.All']);
  });

  it('§9.1 ClientCertificateCredential: a client_assertion signed by the certificate registered on the app', async () => {
    const c = g.emulator.credentials.clientCertificate!;
    const credential = new ClientCertificateCredential(
      g.emulator.tenantId,
      c.clientId,
      { certificatePath: c.certificatePath },
      options(),
    );
    const token = await credential.getToken(GRAPH_SCOPE);
    expect(claims(token.token).appid).toBe(c.clientId);
    expect(claims(token.token).appidacr).toBe('2');
    expect(await phoneMethodsWith(token.token)).toBe(200);
    // A certificate the app does not know is refused.
    const other = g.emulator.credentials.apps.find((a) => a.key === 'reader-app')!;
    const stranger = new ClientCertificateCredential(
      g.emulator.tenantId,
      other.clientId,
      { certificatePath: c.certificatePath },
      options(),
    );
    await expect(stranger.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700027/);
  });
});

describe('§9.1/§9.4 password (ROPC) grant', () => {
  it('§9.1 UsernamePasswordCredential: delegated token with scp and the directory roles in wids', async () => {
    const p = g.emulator.credentials.password!;
    const credential = new UsernamePasswordCredential(
      g.emulator.tenantId,
      p.clientId,
      p.username,
      p.password,
      options(),
    );
    const token = await credential.getToken(GRAPH_SCOPE);
    const c = claims(token.token);
    expect(c.idtyp).toBe('user');
    expect(c.upn).toBe(p.username);
    expect(c.scp.split(' ').sort()).toEqual(['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All']);
    expect(c.wids).toContain('7be44c8a-adaf-4e2a-84d6-ab2649e08a13'); // Privileged Authentication Administrator
    expect(await phoneMethodsWith(token.token)).toBe(200);
  });

  it('§9.1 wrong password is AADSTS50126; §9.4 a user that must do MFA is AADSTS50076', async () => {
    const p = g.emulator.credentials.password!;
    const wrong = new UsernamePasswordCredential(
      g.emulator.tenantId,
      p.clientId,
      p.username,
      'not-the-password',
      options(),
    );
    await expect(wrong.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS50126/);
    const mfa = g.emulator.credentials.passwordUsers.find((u) => u.mfaRequired)!;
    const blocked = new UsernamePasswordCredential(
      g.emulator.tenantId,
      p.clientId,
      mfa.username,
      mfa.password,
      options(),
    );
    await expect(blocked.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS50076/);
  });

  it('§9.1 ROPC on /common is invalid_request; scopes the app was not consented for are consent_required', async () => {
    const p = g.emulator.credentials.password!;
    const post = (tenant: string, scope: string) =>
      postToken(tenant, {
        grant_type: 'password',
        client_id: p.clientId,
        username: p.username,
        password: p.password,
        scope,
      });
    const common = await post('common', 'https://graph.microsoft.com/.default');
    expect(common.status).toBe(400);
    const consent = await post(
      g.emulator.tenantId,
      'https://graph.microsoft.com/Directory.ReadWrite.All openid',
    );
    expect(consent.body.error).toBe('invalid_grant');
    expect(consent.body.error_codes).toEqual([65001]);
    const ok = await post(
      'organizations',
      'https://graph.microsoft.com/.default openid profile offline_access',
    );
    expect(ok.status).toBe(200);
    expect(ok.body.id_token).toBeTruthy();
    const info = JSON.parse(Buffer.from(ok.body.client_info, 'base64url').toString('utf8'));
    expect(info).toEqual({ uid: claims(ok.body.access_token).oid, utid: g.emulator.tenantId });
  });
});

describe('product settings', () => {
  it('productSettings(mode) returns exactly the settings the product reads, per mode', () => {
    const e = g.emulator;
    const common = {
      GRAPH_BASE_URL: e.graphBaseUrl,
      AZURE_TENANT_ID: e.tenantId,
      AZURE_AUTHORITY_HOST: e.authorityHost,
      NODE_EXTRA_CA_CERTS: e.caCertificatePath,
    };
    expect(e.productSettings('managedIdentity')).toEqual({
      ...common,
      GRAPH_AUTH_MODE: 'managedIdentity',
      AZURE_CLIENT_ID: e.managedIdentity.clientId,
      IDENTITY_ENDPOINT: e.managedIdentity.endpoint,
      IDENTITY_HEADER: e.managedIdentity.header,
    });
    expect(e.productSettings('clientSecret')).toEqual({
      ...common,
      GRAPH_AUTH_MODE: 'clientSecret',
      AZURE_CLIENT_ID: e.credentials.clientSecret?.clientId,
      AZURE_CLIENT_SECRET: e.credentials.clientSecret?.clientSecret,
    });
    expect(e.productSettings('clientCertificate').AZURE_CLIENT_CERTIFICATE_PATH).toBe(
      e.credentials.clientCertificate?.certificatePath,
    );
    expect(e.productSettings('password')).toMatchObject({
      GRAPH_AUTH_MODE: 'password',
      GRAPH_LEGACY_USERNAME: 'svc-mfa-sync@contoso.com',
      AZURE_CLIENT_ID: e.credentials.password?.clientId,
    });
    expect(
      e.productSettings('password', { username: 'helpdesk.authadmin@contoso.com' }).GRAPH_LEGACY_USERNAME,
    ).toBe('helpdesk.authadmin@contoso.com');
    expect(e.graphBaseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
  });
});
