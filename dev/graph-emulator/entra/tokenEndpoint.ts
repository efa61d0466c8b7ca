import { randomBytes, randomUUID } from 'node:crypto';
import { type AppRegistry, type RegisteredApp } from '../store/apps';
import { type TenantStore } from '../store/tenantStore';
import { type UserRecord } from '../store/users';
import { GRAPH_APP_ID, type TokenService } from './tokens';

import type * as JoseModule from 'jose' with { 'resolution-mode': 'import' };

type Jose = typeof JoseModule;

/**
 * The Entra v2.0 token endpoint and discovery documents (reference/graph.md §9): client credentials (secret
 * or certificate assertion), password (ROPC) and refresh-token grants, OIDC metadata, JWKS, and the
 * instance-discovery document for clients that do not disable it.
 */
export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
  /** For the request log. */
  clientId?: string;
  errorCode?: string;
}

export interface LoginDeps {
  store: () => TenantStore;
  apps: () => AppRegistry;
  tokens: () => TokenService;
  /** `https://127.0.0.1:PORT` */
  authorityHost: string;
}

const GRAPH_RESOURCE_PREFIXES = ['https://graph.microsoft.com/', `${GRAPH_APP_ID}/`];
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const MAX_REFRESH_TOKENS = 10_000;

interface RefreshGrant {
  userId: string;
  clientId: string;
  scopes: string[];
}

export class TokenEndpoint {
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private jose: Jose | undefined;

  constructor(private readonly deps: LoginDeps) {}

  /** Accepts the tenant id, a verified domain, or `organizations` (ROPC) in the path. */
  knowsTenant(segment: string): boolean {
    const store = this.deps.store();
    const lower = segment.toLowerCase();
    return (
      lower === store.tenantId ||
      lower === 'organizations' ||
      store.tenant.domains.some((d) => d.toLowerCase() === lower)
    );
  }

  issuerV2(): string {
    return `${this.deps.authorityHost}/${this.deps.store().tenantId}/v2.0`;
  }

  openIdConfiguration(): Record<string, unknown> {
    const host = this.deps.authorityHost;
    const tid = this.deps.store().tenantId;
    return {
      token_endpoint: `${host}/${tid}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${host}/${tid}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuerV2(),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${host}/oidc/userinfo`,
      authorization_endpoint: `${host}/${tid}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${host}/${tid}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${host}/${tid}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'oid',
      ],
      kerberos_endpoint: `${host}/${tid}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  instanceDiscovery(): Record<string, unknown> {
    const host = new URL(this.deps.authorityHost).host;
    return {
      tenant_discovery_endpoint: `${this.deps.authorityHost}/${this.deps.store().tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  private error(
    status: number,
    error: string,
    aadsts: number,
    description: string,
    clientId?: string,
  ): OAuthResult {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
    return {
      status,
      clientId,
      errorCode: error,
      body: {
        error,
        error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [aadsts],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.deps.authorityHost}/error?code=${aadsts}`,
      },
    };
  }

  /** Splits `scope` into Graph permission names (or `.default`) and OIDC scopes; rejects other resources. */
  private graphScopes(scope: string | null): { ok: true; names: string[] } | { ok: false } {
    const names: string[] = [];
    for (const s of (scope ?? '').split(/\s+/).filter(Boolean)) {
      if (OIDC_SCOPES.has(s)) continue;
      const prefix = GRAPH_RESOURCE_PREFIXES.find((p) => s.toLowerCase().startsWith(p.toLowerCase()));
      if (!prefix) return { ok: false };
      names.push(s.slice(prefix.length));
    }
    return names.length === 0 ? { ok: false } : { ok: true, names };
  }

  async token(
    tenantSegment: string,
    form: URLSearchParams,
    basicAuth: { id: string; secret: string } | undefined,
  ): Promise<OAuthResult> {
    if (!this.knowsTenant(tenantSegment)) {
      return this.error(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const grant = form.get('grant_type');
    const clientId = (form.get('client_id') ?? basicAuth?.id ?? '').toLowerCase();
    const app = this.deps.apps().byClient(clientId);
    if (!app || app.kind !== 'application') {
      return this.error(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.deps.store().tenant.displayName}'.`,
        clientId,
      );
    }
    switch (grant) {
      case 'client_credentials':
        return this.clientCredentials(app, tenantSegment, form, basicAuth);
      case 'password':
        return this.password(app, tenantSegment, form, basicAuth);
      case 'refresh_token':
        return this.refresh(app, form);
      default:
        return this.error(
          400,
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${grant ?? ''}'.`,
          clientId,
        );
    }
  }

  /** Confidential-client authentication: secret (post or basic) or a certificate-signed assertion. */
  private async authenticateClient(
    app: RegisteredApp,
    tenantSegment: string,
    form: URLSearchParams,
    basicAuth: { id: string; secret: string } | undefined,
  ): Promise<'secret' | 'certificate' | OAuthResult> {
    const secret = form.get('client_secret') ?? basicAuth?.secret;
    const assertion = form.get('client_assertion');
    if (assertion) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return this.error(400, 'invalid_request', 50027, 'Invalid client_assertion_type.', app.clientId);
      }
      return (await this.verifyAssertion(app, tenantSegment, assertion)) ?? 'certificate';
    }
    if (secret !== undefined && secret !== null) {
      if (app.clientSecrets.includes(secret)) return 'secret';
      return this.error(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        app.clientId,
      );
    }
    return this.error(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      app.clientId,
    );
  }

  /** RFC 7523 assertion: signed by a certificate registered on the app (x5t / x5t#S256), aud = token endpoint. */
  private async verifyAssertion(
    app: RegisteredApp,
    tenantSegment: string,
    assertion: string,
  ): Promise<OAuthResult | undefined> {
    this.jose ??= await import('jose');
    const jose = this.jose;
    let header: ReturnType<Jose['decodeProtectedHeader']>;
    try {
      header = jose.decodeProtectedHeader(assertion);
    } catch {
      return this.error(401, 'invalid_client', 50012, 'Client assertion is not a valid JWT.', app.clientId);
    }
    const x5t = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : header.x5t;
    const thumbprint = typeof x5t === 'string' ? Buffer.from(x5t, 'base64url').toString('hex') : '';
    const cert = this.deps.apps().findCertificate(app, thumbprint);
    if (!cert) {
      return this.error(
        401,
        'invalid_client',
        700027,
        `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint.toUpperCase()}']`,
        app.clientId,
      );
    }
    const alg = header.alg === 'PS256' ? 'PS256' : 'RS256';
    const key = await jose.importX509(cert.pem, alg);
    const host = this.deps.authorityHost;
    const audiences = [
      `${host}/${tenantSegment}/oauth2/v2.0/token`,
      `${host}/${this.deps.store().tenantId}/oauth2/v2.0/token`,
    ];
    try {
      // Entra tolerates clock skew (MSAL sets nbf a moment after iat).
      const { payload } = await jose.jwtVerify(assertion, key, {
        algorithms: ['RS256', 'PS256'],
        audience: audiences,
        clockTolerance: 300,
      });
      if (payload.iss?.toLowerCase() !== app.clientId) throw new Error('iss');
      if (payload.sub?.toLowerCase() !== app.clientId) throw new Error('sub');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED')
        return this.error(
          401,
          'invalid_client',
          700024,
          'Client assertion is not within its valid time range.',
          app.clientId,
        );
      return this.error(
        401,
        'invalid_client',
        700027,
        'Client assertion failed signature validation or has invalid claims (aud, iss, sub).',
        app.clientId,
      );
    }
    return undefined;
  }

  private async clientCredentials(
    app: RegisteredApp,
    tenantSegment: string,
    form: URLSearchParams,
    basicAuth: { id: string; secret: string } | undefined,
  ): Promise<OAuthResult> {
    const scope = form.get('scope') ?? '';
    const resource = GRAPH_RESOURCE_PREFIXES.find(
      (p) => scope.toLowerCase() === `${p}.default`.toLowerCase(),
    );
    if (!resource) {
      return this.error(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        app.clientId,
      );
    }
    const auth = await this.authenticateClient(app, tenantSegment, form, basicAuth);
    if (typeof auth !== 'string') return auth;
    const issued = await this.deps.tokens().issueAppToken(app, resource.replace(/\/$/, ''), auth);
    return {
      status: 200,
      clientId: app.clientId,
      body: {
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        ext_expires_in: issued.expiresIn,
        access_token: issued.accessToken,
      },
    };
  }

  private async password(
    app: RegisteredApp,
    tenantSegment: string,
    form: URLSearchParams,
    basicAuth: { id: string; secret: string } | undefined,
  ): Promise<OAuthResult> {
    if (['common', 'consumers'].includes(tenantSegment.toLowerCase())) {
      return this.error(
        400,
        'invalid_request',
        9001023,
        'The grant type is not supported over the /common or /consumers endpoints.',
        app.clientId,
      );
    }
    if (!app.publicClient) {
      const auth = await this.authenticateClient(app, tenantSegment, form, basicAuth);
      if (typeof auth !== 'string') return auth;
    }
    const scopes = this.graphScopes(form.get('scope'));
    if (!scopes.ok)
      return this.error(
        400,
        'invalid_scope',
        70011,
        "The provided value for the input parameter 'scope' is not valid.",
        app.clientId,
      );
    const username = form.get('username') ?? '';
    const user = this.deps.store().findUser(username);
    if (!user || user.password === null || user.password !== form.get('password')) {
      return this.error(
        400,
        'invalid_grant',
        50126,
        'Error validating credentials due to invalid username or password.',
        app.clientId,
      );
    }
    if (user.props.accountEnabled === false) {
      return this.error(400, 'invalid_grant', 50057, 'The user account is disabled.', app.clientId);
    }
    if (user.mfaRequired) {
      return this.error(
        400,
        'invalid_grant',
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
        app.clientId,
      );
    }
    const granted = scopes.names.includes('.default') ? [...app.delegatedScopes] : scopes.names;
    const missing = granted.filter((s) => !app.delegatedScopes.has(s));
    if (missing.length > 0 || granted.length === 0) {
      return this.error(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}'. Send an interactive authorization request for this user and resource.`,
        app.clientId,
      );
    }
    return this.userTokens(app, user, granted, true);
  }

  private async refresh(app: RegisteredApp, form: URLSearchParams): Promise<OAuthResult> {
    const grant = this.refreshTokens.get(form.get('refresh_token') ?? '');
    const user = grant ? this.deps.store().findUser(grant.userId) : undefined;
    if (!grant || grant.clientId !== app.clientId || !user) {
      return this.error(
        400,
        'invalid_grant',
        9002313,
        'Invalid request. Request is malformed or invalid (refresh token).',
        app.clientId,
      );
    }
    return this.userTokens(app, user, grant.scopes, true);
  }

  private async userTokens(
    app: RegisteredApp,
    user: UserRecord,
    scopes: string[],
    withIdToken: boolean,
  ): Promise<OAuthResult> {
    const tokens = this.deps.tokens();
    const issued = await tokens.issueUserToken(app, user, scopes, 'https://graph.microsoft.com');
    const refreshToken = randomBytes(32).toString('base64url');
    // Bounded: the oldest refresh tokens are forgotten first (a client then signs in again).
    if (this.refreshTokens.size >= MAX_REFRESH_TOKENS) {
      const oldest = this.refreshTokens.keys().next().value;
      if (oldest !== undefined) this.refreshTokens.delete(oldest);
    }
    this.refreshTokens.set(refreshToken, { userId: user.id, clientId: app.clientId, scopes });
    const clientInfo = Buffer.from(
      JSON.stringify({ uid: user.id, utid: this.deps.store().tenantId }),
    ).toString('base64url');
    return {
      status: 200,
      clientId: app.clientId,
      body: {
        token_type: 'Bearer',
        scope: [
          ...scopes.map((s) => `https://graph.microsoft.com/${s}`),
          'openid',
          'profile',
          'offline_access',
        ].join(' '),
        expires_in: issued.expiresIn,
        ext_expires_in: issued.expiresIn,
        access_token: issued.accessToken,
        refresh_token: refreshToken,
        ...(withIdToken ? { id_token: await tokens.issueIdToken(app, user, this.issuerV2()) } : {}),
        client_info: clientInfo,
      },
    };
  }
}
