import { randomBytes, randomUUID } from 'node:crypto';
import { type Clock } from '../core/clock';
import { type RegisteredApp } from '../store/apps';
import { type UserRecord } from '../store/users';
import { type Principal } from '../graph/principal';

import type * as JoseModule from 'jose' with { 'resolution-mode': 'import' };

// jose is ESM-only; this CommonJS build loads it with a dynamic import() once, at start.
type Jose = typeof JoseModule;
type JosePayload = JoseModule.JWTPayload;
type JoseKey = JoseModule.CryptoKey;
type JoseJwk = JoseModule.JWK;

/** Audiences Graph accepts (v1 resource URI with/without slash, and the Graph app id). */
export const GRAPH_AUDIENCES = new Set([
  'https://graph.microsoft.com',
  'https://graph.microsoft.com/',
  '00000003-0000-0000-c000-000000000000',
]);
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export type TokenRejection = 'missing' | 'malformed' | 'expired' | 'signature' | 'audience' | 'issuer';

export type TokenCheck = { ok: true; principal: Principal } | { ok: false; reason: TokenRejection };

export interface IssuedToken {
  accessToken: string;
  /** Seconds until expiry as told to the client (already time-scaled). */
  expiresIn: number;
  /** Epoch seconds. */
  expiresOn: number;
}

/** Everything a test can ask the control API to put into a token (including broken ones). */
export interface MintTokenRequest {
  kind?: 'app' | 'user';
  /** Client id of the calling app (default: the seed's managed identity). */
  appId?: string;
  /** App-only: the `roles` claim (default: the app's granted app roles). */
  roles?: string[];
  /** Delegated: the signed-in user (UPN or id). */
  user?: string;
  /** Delegated: the `scp` claim (default: the app's consented delegated scopes). */
  scopes?: string[];
  /** Delegated: directory role names for `wids` (default: the user's roles). */
  directoryRoles?: string[];
  /** Negative for an already expired token. Default: the normal lifetime. */
  expiresInSeconds?: number;
  audience?: string;
  /** `foreignKey`: signed by a key Graph does not trust; `tampered`: payload changed after signing. */
  signature?: 'valid' | 'foreignKey' | 'tampered';
}

const CACHE_LIMIT = 20_000;

/**
 * Signs and verifies the emulator's access tokens (RS256, jose). Verified tokens are cached by their exact
 * text, so each token's signature is checked once and later requests only re-check expiry.
 */
export class TokenService {
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  private constructor(
    private readonly jose: Jose,
    private readonly privateKey: JoseKey,
    private readonly publicKey: JoseKey,
    private readonly foreignKey: JoseKey,
    private readonly publicJwk: JoseJwk,
    readonly keyId: string,
    private currentTenantId: string,
    private readonly clock: Clock,
    private readonly lifetimeSeconds: number,
  ) {}

  static async create(tenantId: string, clock: Clock, lifetimeSeconds: number): Promise<TokenService> {
    const jose = await import('jose');
    const pair = await jose.generateKeyPair('RS256', { extractable: true });
    const foreign = await jose.generateKeyPair('RS256');
    const keyId = randomBytes(20).toString('base64url');
    const jwk = await jose.exportJWK(pair.publicKey);
    return new TokenService(
      jose,
      pair.privateKey,
      pair.publicKey,
      foreign.privateKey,
      { ...jwk, kid: keyId, use: 'sig', alg: 'RS256', x5t: keyId },
      keyId,
      tenantId,
      clock,
      lifetimeSeconds,
    );
  }

  get tenantId(): string {
    return this.currentTenantId;
  }

  /** After a reseed with another tenant: tokens of the old tenant stop working. */
  retarget(tenantId: string): void {
    this.currentTenantId = tenantId;
    this.verified.clear();
  }

  /** `iss` of access tokens (v1 tokens, as Graph receives them). */
  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  jwks(): { keys: JoseJwk[] } {
    return { keys: [this.publicJwk] };
  }

  /** Token lifetime on the wall clock, compressed by the time scale (never below 5 s). */
  get effectiveLifetimeSeconds(): number {
    return Math.max(5, Math.round(this.clock.scaledSeconds(this.lifetimeSeconds)));
  }

  async issueAppToken(
    app: RegisteredApp,
    audience: string,
    credentialType: 'secret' | 'certificate' | 'managedIdentity',
  ): Promise<IssuedToken> {
    return this.sign(
      this.appClaims(app, audience, [...app.appRoles], credentialType),
      this.effectiveLifetimeSeconds,
    );
  }

  async issueUserToken(
    app: RegisteredApp,
    user: UserRecord,
    scopes: readonly string[],
    audience: string,
  ): Promise<IssuedToken> {
    return this.sign(
      this.userClaims(app, user, scopes, user.roleTemplateIds, audience),
      this.effectiveLifetimeSeconds,
    );
  }

  /** An OpenID Connect id token for MSAL's account cache (ROPC responses). */
  async issueIdToken(app: RegisteredApp, user: UserRecord, issuerV2: string): Promise<string> {
    const now = Math.floor(this.clock.nowMs() / 1000);
    return new this.jose.SignJWT({
      aud: app.clientId,
      iss: issuerV2,
      iat: now,
      nbf: now,
      exp: now + this.effectiveLifetimeSeconds,
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub: user.id,
      tid: this.tenantId,
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId })
      .sign(this.privateKey);
  }

  /** Control API: a token with arbitrary claims, possibly expired or badly signed. */
  async mint(
    request: MintTokenRequest,
    app: RegisteredApp,
    user: UserRecord | undefined,
    roleTemplateIds: readonly string[],
  ): Promise<IssuedToken> {
    const audience = request.audience ?? 'https://graph.microsoft.com';
    const claims =
      request.kind === 'user'
        ? this.userClaims(
            app,
            requireUser(user),
            request.scopes ?? [...app.delegatedScopes],
            roleTemplateIds,
            audience,
          )
        : this.appClaims(app, audience, request.roles ?? [...app.appRoles], 'secret');
    const lifetime = request.expiresInSeconds ?? this.effectiveLifetimeSeconds;
    const issued = await this.sign(
      claims,
      lifetime,
      request.signature === 'foreignKey' ? this.foreignKey : this.privateKey,
    );
    if (request.signature === 'tampered') {
      const [head, body, sig] = issued.accessToken.split('.');
      const payload = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      payload.roles = ['Directory.ReadWrite.All'];
      const forged = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return { ...issued, accessToken: `${head ?? ''}.${forged}.${sig ?? ''}` };
    }
    return issued;
  }

  private appClaims(
    app: RegisteredApp,
    audience: string,
    roles: readonly string[],
    credentialType: 'secret' | 'certificate' | 'managedIdentity',
  ): JosePayload {
    return {
      aud: audience,
      iss: this.issuer,
      idp: this.issuer,
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: credentialType === 'certificate' ? '2' : credentialType === 'secret' ? '1' : '2',
      idtyp: 'app',
      oid: app.objectId,
      sub: app.objectId,
      roles: [...roles],
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      xms_idrel: credentialType === 'managedIdentity' ? '7 8' : '7 2',
    };
  }

  private userClaims(
    app: RegisteredApp,
    user: UserRecord,
    scopes: readonly string[],
    wids: readonly string[],
    audience: string,
  ): JosePayload {
    return {
      aud: audience,
      iss: this.issuer,
      acr: '1',
      amr: ['pwd'],
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: '0',
      idtyp: 'user',
      ipaddr: '127.0.0.1',
      name: user.displayName,
      oid: user.id,
      scp: scopes.join(' '),
      sub: user.id,
      tid: this.tenantId,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      wids: [...wids],
    };
  }

  private async sign(
    claims: JosePayload,
    lifetimeSeconds: number,
    key: JoseKey = this.privateKey,
  ): Promise<IssuedToken> {
    const now = Math.floor(this.clock.nowMs() / 1000);
    const exp = now + lifetimeSeconds;
    const accessToken = await new this.jose.SignJWT({
      ...claims,
      iat: now,
      nbf: Math.min(now, exp) - 300,
      exp,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId, x5t: this.keyId })
      .sign(key);
    return { accessToken, expiresIn: lifetimeSeconds, expiresOn: exp };
  }

  /** Checks an `Authorization` header the way Graph does: signature, audience, issuer, lifetime. */
  async verify(authorization: string | undefined): Promise<TokenCheck> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    const token = match[1];
    const nowSeconds = this.clock.nowMs() / 1000;
    const cached = this.verified.get(token);
    if (cached)
      return cached.exp > nowSeconds
        ? { ok: true, principal: cached.principal }
        : { ok: false, reason: 'expired' };
    let payload: JosePayload;
    try {
      ({ payload } = await this.jose.jwtVerify(token, this.publicKey, { algorithms: ['RS256'] }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return { ok: false, reason: 'expired' };
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.some((a) => a !== undefined && GRAPH_AUDIENCES.has(a)))
      return { ok: false, reason: 'audience' };
    if (payload.iss !== this.issuer || payload.tid !== this.tenantId) return { ok: false, reason: 'issuer' };
    const principal = principalFromClaims(payload, this.tenantId);
    if (!principal) return { ok: false, reason: 'malformed' };
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { principal, exp: payload.exp ?? 0 });
    return { ok: true, principal };
  }

  newCorrelationId(): string {
    return randomUUID();
  }
}

function requireUser(user: UserRecord | undefined): UserRecord {
  if (!user) throw new Error('a delegated token needs a user');
  return user;
}

function stringClaim(payload: JosePayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' ? value : undefined;
}

function stringArrayClaim(payload: JosePayload, name: string): string[] {
  const value = payload[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function principalFromClaims(payload: JosePayload, tenantId: string): Principal | undefined {
  const appId = stringClaim(payload, 'appid');
  const oid = stringClaim(payload, 'oid');
  if (!appId || !oid) return undefined;
  if (stringClaim(payload, 'idtyp') === 'app') {
    return {
      kind: 'app',
      appId,
      tenantId,
      objectId: oid,
      roles: new Set(stringArrayClaim(payload, 'roles')),
    };
  }
  const scp = stringClaim(payload, 'scp') ?? '';
  return {
    kind: 'user',
    appId,
    tenantId,
    userId: oid,
    userPrincipalName: stringClaim(payload, 'upn') ?? '',
    scopes: new Set(scp.split(' ').filter(Boolean)),
    roleTemplateIds: new Set(stringArrayClaim(payload, 'wids')),
  };
}
