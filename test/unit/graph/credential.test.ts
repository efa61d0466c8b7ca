import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  UsernamePasswordCredential,
} from '@azure/identity';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorityOptions, createCredential, isMicrosoftLoginHost } from '../../../lib/graph/credential';
import { createGraphGateway } from '../../../lib/graph/createGraphGateway';
import { FakeClock, freshThrottle, json, ScriptedFetch, testSettings } from './support';

const SCOPE = 'https://graph.microsoft.com/.default';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3d2a1f1e-1111-4c5e-9a5e-0a1b2c3d4e5f';

describe('createCredential', () => {
  it('uses the right credential per auth mode', () => {
    expect(createCredential({ mode: 'managedIdentity' })).toBeInstanceOf(ManagedIdentityCredential);
    expect(createCredential({ mode: 'managedIdentity', clientId: CLIENT })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(
      createCredential({ mode: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cret' }),
    ).toBeInstanceOf(ClientSecretCredential);
    expect(
      createCredential({
        mode: 'clientCertificate',
        tenantId: TENANT,
        clientId: CLIENT,
        certificatePath: '/x.pem',
      }),
    ).toBeInstanceOf(ClientCertificateCredential);
    expect(
      createCredential({
        mode: 'password',
        tenantId: TENANT,
        clientId: CLIENT,
        username: 'svc@x',
        password: 'pw',
      }),
    ).toBeInstanceOf(UsernamePasswordCredential);
  });

  it('refuses an unknown mode', () => {
    expect(() => createCredential({ mode: 'kerberos' } as never)).toThrow(/Unknown Graph auth mode/);
  });
});

describe('authorityOptions', () => {
  it.each([
    ['https://login.microsoftonline.com', false],
    ['https://login.microsoftonline.com/', false],
    ['https://LOGIN.microsoftonline.us', false],
    ['https://login.chinacloudapi.cn', false],
    ['https://localhost:8443', true],
    ['https://127.0.0.1:44300/', true],
    ['https://login.microsoftonline.com.evil.example', true],
  ])('%s → disableInstanceDiscovery %s', (host, disabled) => {
    expect(isMicrosoftLoginHost(host)).toBe(!disabled);
    expect(authorityOptions(host)).toEqual(
      disabled ? { authorityHost: host, disableInstanceDiscovery: true } : { authorityHost: host },
    );
  });

  it('adds nothing when no authority host is set', () => {
    expect(authorityOptions(undefined)).toEqual({});
  });
});

/** An @azure/identity HTTP client that plays a private Entra authority without TLS or network. */
class FakeAuthority implements HttpClient {
  readonly requests: { method: string; url: string; body: string }[] = [];

  constructor(private readonly host: string) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const body = typeof request.body === 'string' ? request.body : '';
    this.requests.push({ method: request.method, url: request.url, body });
    const url = new URL(request.url);
    const reply = (status: number, payload: unknown): PipelineResponse => ({
      request,
      status,
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      bodyAsText: JSON.stringify(payload),
    });
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      return reply(200, {
        issuer: `${this.host}/${TENANT}/v2.0`,
        authorization_endpoint: `${this.host}/${TENANT}/oauth2/v2.0/authorize`,
        token_endpoint: `${this.host}/${TENANT}/oauth2/v2.0/token`,
        jwks_uri: `${this.host}/${TENANT}/discovery/v2.0/keys`,
      });
    }
    if (url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
      return reply(200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: 'from-private-authority',
      });
    }
    return reply(404, { error: 'not_found' });
  }
}

describe('client secret against a private authority host', () => {
  it('never asks login.microsoftonline.com and gets its token from the configured host', async () => {
    const host = 'https://localhost:8443';
    const authority = new FakeAuthority(host);
    const credential = createCredential(
      {
        mode: 'clientSecret',
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: 'not-a-real-secret',
        authorityHost: host,
      },
      { httpClient: authority },
    );
    const token = await credential.getToken(SCOPE);
    expect(token?.token).toBe('from-private-authority');
    expect(authority.requests.every((r) => r.url.startsWith(`${host}/`))).toBe(true);
    const tokenRequest = authority.requests.find((r) =>
      new URL(r.url).pathname.endsWith('/oauth2/v2.0/token'),
    );
    expect(tokenRequest?.method).toBe('POST');
    const form = new URLSearchParams(tokenRequest?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe(CLIENT);
    expect(form.get('client_secret')).toBe('not-a-real-secret');
    expect(form.get('scope')).toBe(SCOPE);
  });
});

describe('managed identity (App Service protocol) by default', () => {
  let server: Server;
  let seen: IncomingMessage[];
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push(req);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          access_token: 'from-managed-identity',
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: 'https://graph.microsoft.com',
          token_type: 'Bearer',
          client_id: CLIENT,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
    process.env.IDENTITY_HEADER = 'platform-header-value';
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    restore('IDENTITY_ENDPOINT', saved.endpoint);
    restore('IDENTITY_HEADER', saved.header);
  });

  it('the gateway built from settings alone gets its token from IDENTITY_ENDPOINT, for the user-assigned id', async () => {
    const clock = new FakeClock();
    const transport = new ScriptedFetch([() => json(200, { value: [] })], clock);
    const gateway = createGraphGateway(
      testSettings({ auth: { mode: 'managedIdentity', clientId: CLIENT } }),
      {
        fetch: transport.fetch,
        throttle: freshThrottle(),
      },
    );
    await gateway.listPhoneMethods('6e7b768e-07e2-4810-8459-485f84f8f204');
    expect(transport.requests[0]?.headers.get('authorization')).toBe('Bearer from-managed-identity');
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/msi/token');
    expect(url.searchParams.get('resource')).toBe('https://graph.microsoft.com');
    expect(url.searchParams.get('client_id')).toBe(CLIENT);
    expect(seen[0]?.headers['x-identity-header']).toBe('platform-header-value');
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
