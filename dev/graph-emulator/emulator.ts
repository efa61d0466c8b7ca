import { randomBytes, randomUUID } from 'node:crypto';
import { once, setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import { Clock } from './core/clock';
import { delay, parseQuery, sendJson, splitUrl } from './core/http';
import { RequestRandomness } from './core/prng';
import { type ControlTarget, CONTROL_PREFIX, handleControl } from './control/api';
import { EmulatorControlClient } from './control/client';
import {
  type ControlUser,
  type EmulatorStats,
  type ReseedRequest,
  type TenantSummary,
} from './control/types';
import { handleLogin } from './entra/http';
import { MANAGED_IDENTITY_PATH, managedIdentityToken } from './entra/managedIdentity';
import { createClientCertificate, createTlsMaterial, type TlsMaterial } from './entra/tls';
import { TokenEndpoint } from './entra/tokenEndpoint';
import { type IssuedToken, type MintTokenRequest, TokenService } from './entra/tokens';
import { EventPublisher } from './events/publisher';
import { FaultInjector } from './faults/faultInjector';
import { LatencyModel } from './faults/latency';
import { PhoneMethodAuthorizer } from './graph/authorization';
import { type GraphContext } from './graph/context';
import { GRAPH_VERSION_PREFIX, handleGraph, unknownVersion } from './graph/http';
import { GraphPipeline } from './graph/pipeline';
import { RequestLog } from './log/requestLog';
import {
  DEFAULT_CHOICES,
  type EmulatorOptions,
  type ThrottlingOptions,
  type UndocumentedChoices,
} from './options';
import {
  parseSeed,
  registeredExtensionNames,
  validateUsers,
  type SeedHeader,
  type SeedSource,
} from './seed/load';
import { EXTENSION_ATTRIBUTE_NAMES } from './seed/schema';
import { AppRegistry, describeCertificate, type RegisteredApp } from './store/apps';
import { GroupStore } from './store/groups';
import { roleTemplateId } from './store/directoryRoles';
import { SubscriptionStore } from './store/subscriptionStore';
import { TenantStore } from './store/tenantStore';
import { PHONE_METHOD_IDS, type UserRecord } from './store/users';
import { Throttler } from './throttling/throttler';
import {
  type GraphAuthMode,
  type ProductSettings,
  type RunningEmulator,
  type SeededCredentials,
} from './types';

interface Tenant {
  header: SeedHeader;
  store: TenantStore;
  apps: AppRegistry;
  subscriptions: SubscriptionStore;
}

async function loadTenant(
  source: SeedSource | undefined,
  choices: UndocumentedChoices,
  journalSize: number,
): Promise<Tenant> {
  const parsed = await parseSeed(source);
  const { header } = parsed;
  const store = new TenantStore(
    header.tenant,
    header.directoryExtensions,
    choices,
    journalSize,
    randomUUID(),
  );
  for (const user of validateUsers(parsed, registeredExtensionNames(header.directoryExtensions)))
    store.load(user);
  const apps = new AppRegistry(header.applications);
  const subscriptions = new SubscriptionStore((id) => store.findUser(id) !== undefined);
  return { header, store, apps, subscriptions };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** The assembled emulator: servers, stores and the services between them. */
export class Emulator implements ControlTarget, RunningEmulator {
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly latency: LatencyModel;
  readonly choices: UndocumentedChoices;
  readonly clock: Clock;
  readonly control: EmulatorControlClient;
  readonly identityHeader: string;
  publisher!: EventPublisher;
  private tenant!: Tenant;
  private tokenService!: TokenService;
  private throttler!: Throttler;
  private tokenEndpoint!: TokenEndpoint;
  private ctx!: GraphContext;
  private tls!: TlsMaterial;
  private readonly randomness: RequestRandomness;
  /** HTTPS: Graph v1.0 (what the product uses; the Graph client sends tokens over https only). */
  private readonly graphServer: https.Server;
  /** HTTPS: the Entra login host. */
  private readonly loginServer: https.Server;
  /** Plain HTTP: the managed-identity endpoint (http, as on App Service), the control API, Graph too. */
  private readonly localServer: http.Server;
  private readonly shutdown = new AbortController();
  private unsubscribe: () => void = () => undefined;
  private graphPort = 0;
  private loginPort = 0;
  private localPort = 0;
  private stopped = false;

  private constructor(private readonly options: EmulatorOptions) {
    // Every response held back by simulated latency listens to the shutdown signal until it is sent, so
    // hundreds may listen at once: that is by design, not the leak Node's default limit of 10 warns about.
    setMaxListeners(0, this.shutdown.signal);
    this.clock = new Clock(options.timeScale ?? 1);
    this.choices = { ...DEFAULT_CHOICES, ...(options.choices ?? {}) };
    this.log = new RequestLog(options.requestLogSize ?? 20_000);
    this.faults = new FaultInjector(options.faults);
    this.latency = new LatencyModel(options.latency ?? 'off');
    this.randomness = new RequestRandomness(options.randomSeed ?? 1);
    this.identityHeader = options.identityHeader ?? randomBytes(24).toString('base64url');
    this.graphServer = https.createServer();
    this.loginServer = https.createServer();
    this.localServer = http.createServer();
    this.control = new EmulatorControlClient('http://placeholder.invalid');
  }

  static async start(options: EmulatorOptions = {}): Promise<Emulator> {
    const emulator = new Emulator(options);
    try {
      await emulator.init();
    } catch (error) {
      await emulator.stop();
      throw error;
    }
    return emulator;
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get graphBaseUrl(): string {
    return `https://${urlHost(this.host)}:${this.graphPort}${GRAPH_VERSION_PREFIX}`;
  }

  /** Origin of the plain-HTTP listener (MI endpoint, control API, Graph without TLS). */
  get localOrigin(): string {
    return `http://${urlHost(this.host)}:${this.localPort}`;
  }

  get plainGraphBaseUrl(): string {
    return `${this.localOrigin}${GRAPH_VERSION_PREFIX}`;
  }

  get authorityHost(): string {
    return `https://${urlHost(this.host)}:${this.loginPort}`;
  }

  get controlUrl(): string {
    return `${this.localOrigin}${CONTROL_PREFIX}`;
  }

  get tenantId(): string {
    return this.tenant.store.tenantId;
  }

  get managedIdentityEndpoint(): string {
    return `${this.localOrigin}${MANAGED_IDENTITY_PATH}`;
  }

  get caCertificatePem(): string {
    return this.tls.caCertPem;
  }

  get caCertificatePath(): string {
    return this.tls.caCertPath;
  }

  private async init(): Promise<void> {
    this.tenant = await loadTenant(this.options.seed, this.choices, this.options.deltaJournalSize ?? 500_000);
    this.tls = await createTlsMaterial(
      ['127.0.0.1', 'localhost', '::1', ...(this.host.match(/^[\d.:]+$/) ? [] : [this.host])].filter(
        (h, i, all) => all.indexOf(h) === i,
      ),
      this.options.stateDir,
    );
    await this.makeClientCertificates(this.tenant.apps);
    for (const server of [this.graphServer, this.loginServer]) {
      server.setSecureContext({ key: this.tls.serverKeyPem, cert: this.tls.serverCertPem });
    }
    this.graphPort = await listen(this.graphServer, this.options.ports?.graph ?? 0, this.host);
    this.loginPort = await listen(this.loginServer, this.options.ports?.login ?? 0, this.host);
    this.localPort = await listen(this.localServer, this.options.ports?.local ?? 0, this.host);
    (this as { control: EmulatorControlClient }).control = new EmulatorControlClient(this.localOrigin);
    this.tokenService = await TokenService.create(
      this.tenant.store.tenantId,
      this.clock,
      this.options.tokenLifetimeSeconds ?? 3599,
    );
    this.throttler = new Throttler(
      this.options.throttling,
      this.clock,
      this.tenant.store.tenantId,
      this.tenant.store.userCount,
    );
    this.publisher = new EventPublisher(
      this.tenant.subscriptions,
      this.tenant.store.tenantId,
      this.clock,
      this.options.eventSink,
    );
    this.ctx = {
      store: this.tenant.store,
      subscriptions: this.tenant.subscriptions,
      groups: new GroupStore(),
      phoneAuth: new PhoneMethodAuthorizer(this.tenant.store, this.choices),
      choices: this.choices,
      clock: this.clock,
      graphBaseUrl: this.graphBaseUrl,
      pageSize: this.options.pageSize ?? 100,
      flags: { deltaResyncPending: false },
    };
    this.attachStore();
    this.tokenEndpoint = new TokenEndpoint({
      store: () => this.tenant.store,
      apps: () => this.tenant.apps,
      tokens: () => this.tokenService,
      authorityHost: this.authorityHost,
    });
    const pipeline = new GraphPipeline({
      ctx: this.ctx,
      tokens: this.tokenService,
      throttler: this.throttler,
      faults: this.faults,
      randomness: this.randomness,
      hooks: {
        validateWebhook: (url) => this.publisher.validateWebhook(url),
        afterExpiryChange: (sub) => this.publisher.afterExpiryChange(sub),
      },
      log: this.log,
      latency: this.latency,
      authorityHost: this.authorityHost,
    });
    for (const server of [this.graphServer, this.localServer]) server.keepAliveTimeout = 30_000;
    this.graphServer.on('request', (req, res) => {
      void this.onGraphRequest(pipeline, req, res, true).catch((error: unknown) =>
        this.internalError(res, error),
      );
    });
    this.localServer.on('request', (req, res) => {
      void this.onGraphRequest(pipeline, req, res, false).catch((error: unknown) =>
        this.internalError(res, error),
      );
    });
    this.loginServer.on('request', (req, res) => {
      const deps = {
        endpoint: () => this.tokenEndpoint,
        tokens: () => this.tokenService,
        log: this.log,
        latency: this.latency,
        randomness: this.randomness,
      };
      void handleLogin(deps, req, res, this.shutdown.signal).catch((error: unknown) =>
        this.internalError(res, error),
      );
    });
  }

  private internalError(res: http.ServerResponse, error: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const message = error instanceof Error ? error.message : String(error);
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'EmulatorError', message } }));
  }

  private async onGraphRequest(
    pipeline: GraphPipeline,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    secure: boolean,
  ): Promise<void> {
    const url = req.url ?? '/';
    if (url.startsWith(`${GRAPH_VERSION_PREFIX}/`) || url === GRAPH_VERSION_PREFIX) {
      const baseUrl = secure ? this.graphBaseUrl : this.plainGraphBaseUrl;
      return handleGraph(pipeline, baseUrl, this.log, req, res, this.shutdown.signal);
    }
    if (!secure && url.startsWith(`${CONTROL_PREFIX}/`)) return handleControl(this, req, res);
    if (!secure && url.startsWith(MANAGED_IDENTITY_PATH)) return this.onManagedIdentity(req, res);
    return unknownVersion(res, url.split('?')[0] ?? '/');
  }

  private async onManagedIdentity(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const { query } = splitUrl(req.url ?? '');
    const params = parseQuery(query);
    const header = req.headers['x-identity-header'];
    const result = await managedIdentityToken(
      params,
      Array.isArray(header) ? header[0] : header,
      this.identityHeader,
      this.tenant.apps,
      this.tokenService,
    );
    const prng = this.randomness.forRequest(
      'GET',
      `${MANAGED_IDENTITY_PATH}#${params.get('client_id') ?? ''}`,
    );
    await delay(this.latency.delayMs('token', prng), this.shutdown.signal);
    sendJson(res, result.status, result.body);
    this.log.add({
      time: new Date(started).toISOString(),
      channel: 'managedIdentity',
      method: req.method ?? 'GET',
      path: req.url ?? '',
      status: result.status,
      durationMs: Date.now() - started,
      requestId: randomUUID(),
      ...(result.clientId ? { appId: result.clientId } : {}),
      ...(result.errorCode ? { errorCode: result.errorCode } : {}),
    });
  }

  private attachStore(): void {
    this.unsubscribe();
    this.unsubscribe = this.tenant.store.onChange((change) => this.publisher.onUserChange(change));
  }

  private async makeClientCertificates(apps: AppRegistry): Promise<void> {
    for (const app of apps.all) {
      for (let i = 0; i < app.certificatesToGenerate; i++) {
        const made = await createClientCertificate(this.tls.dir, app.key, i);
        app.certificates.push(describeCertificate(made.certPem, made.pemWithKeyPath));
      }
    }
  }

  // ---- ControlTarget ----

  store(): TenantStore {
    return this.tenant.store;
  }

  subscriptions(): SubscriptionStore {
    return this.tenant.subscriptions;
  }

  groups(): GroupStore {
    return this.ctx.groups;
  }

  summary(): TenantSummary {
    const t = this.tenant;
    return {
      tenantId: t.store.tenantId,
      displayName: t.header.tenant.displayName,
      domains: t.header.tenant.domains,
      userCount: t.store.userCount,
      applications: t.apps.all.map((a) => ({
        key: a.key,
        kind: a.kind,
        clientId: a.clientId,
        displayName: a.displayName,
        appRoles: [...a.appRoles],
      })),
      origin: t.header.origin,
    };
  }

  stats(): EmulatorStats {
    const memory = process.memoryUsage();
    return {
      users: this.tenant.store.userCount,
      requestsLogged: this.log.size,
      lastRequestSeq: this.log.lastSeq,
      subscriptions: this.tenant.subscriptions.all.length,
      deliveries: this.publisher.records().length,
      deltaJournalEntries: this.tenant.store.journal.size,
      pendingScriptedFaults: this.faults.pendingScripted,
      memory: { rssMb: Math.round(memory.rss / 1048576), heapUsedMb: Math.round(memory.heapUsed / 1048576) },
    };
  }

  async reseed(request: ReseedRequest): Promise<TenantSummary> {
    const source: SeedSource =
      'path' in request && typeof request.path === 'string' ? request.path : (request as SeedSource);
    const next = await loadTenant(source, this.choices, this.options.deltaJournalSize ?? 500_000);
    await this.makeClientCertificates(next.apps);
    const previousTenant = this.tenant.store.tenantId;
    this.tenant.store.dispose();
    this.tenant = next;
    if (next.store.tenantId !== previousTenant) this.tokenService.retarget(next.store.tenantId);
    this.ctx.store = next.store;
    this.ctx.groups.clear();
    this.ctx.subscriptions = next.subscriptions;
    this.ctx.phoneAuth = new PhoneMethodAuthorizer(next.store, this.choices);
    this.ctx.flags.deltaResyncPending = false;
    this.publisher.retarget(next.subscriptions, next.store.tenantId);
    this.throttler.update({}, next.store.userCount);
    this.randomness.reset();
    this.attachStore();
    return this.summary();
  }

  controlUser(user: UserRecord): ControlUser {
    const attrs: Record<string, string | null> = {};
    EXTENSION_ATTRIBUTE_NAMES.forEach((name, i) => (attrs[name] = user.extensionAttributes?.[i] ?? null));
    const extensions: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(user.extensions ?? {})) if (v !== null) extensions[k] = v;
    return {
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      softDeleted: user.softDeleted,
      properties: { ...user.props },
      onPremisesExtensionAttributes: attrs,
      extensions,
      phoneMethods: this.tenant.store.listPhoneMethods(user).map((m) => ({
        id: PHONE_METHOD_IDS[m.phoneType],
        phoneType: m.phoneType,
        phoneNumber: m.phoneNumber,
        smsSignInState: m.smsSignInState,
      })),
      smsSignInEnabled: user.smsSignInEnabled,
      defaultMfaMethod: user.defaultMfaMethod,
      otherAuthenticationMethods: [...user.otherAuthenticationMethods],
      directoryRoles: [...user.roleNames],
      roleAssignableGroupMember: user.roleAssignableGroupMember,
      restrictedManagementAdministrativeUnit: user.restrictedManagementAdministrativeUnit,
      hasPassword: user.password !== null,
      mfaRequired: user.mfaRequired,
      notes: user.notes,
      expect: user.expect,
      phoneMethodWrites: (user.phoneWrites ?? []).map((write) => ({ ...write })),
    };
  }

  updateThrottling(options: Partial<ThrottlingOptions>): ThrottlingOptions {
    this.throttler.update(options, this.tenant.store.userCount);
    return this.throttler.settings;
  }

  resetThrottling(): void {
    this.throttler.reset();
  }

  throttlingSettings(): ThrottlingOptions {
    return this.throttler.settings;
  }

  requestDeltaResync(): void {
    this.ctx.flags.deltaResyncPending = true;
  }

  async mintToken(request: MintTokenRequest): Promise<IssuedToken> {
    const apps = this.tenant.apps;
    const defaultApp = apps.bySeedKey(this.tenant.header.defaults.managedIdentity ?? '') ?? apps.all[0];
    const app = request.appId ? apps.byClient(request.appId) : defaultApp;
    if (!app) throw new Error(`No app '${request.appId ?? ''}' in the tenant.`);
    const user = request.user ? this.tenant.store.findUser(request.user) : undefined;
    if (request.kind === 'user' && !user) throw new Error(`No user '${request.user ?? ''}' in the tenant.`);
    const roleIds = request.directoryRoles
      ? request.directoryRoles.map(roleTemplateId)
      : (user?.roleTemplateIds ?? []);
    return this.tokenService.mint(request, app, user, roleIds);
  }

  // ---- RunningEmulator ----

  get managedIdentity(): RunningEmulator['managedIdentity'] {
    const mi = this.appByDefault('managedIdentity');
    const system = this.tenant.apps.systemAssignedIdentity();
    return {
      endpoint: this.managedIdentityEndpoint,
      header: this.identityHeader,
      ...(mi ? { clientId: mi.clientId, objectId: mi.objectId } : {}),
      ...(system ? { systemAssignedClientId: system.clientId } : {}),
    };
  }

  private appByDefault(
    field: 'managedIdentity' | 'clientSecret' | 'clientCertificate' | 'readOnly',
  ): RegisteredApp | undefined {
    const key = this.tenant.header.defaults[field];
    return key ? this.tenant.apps.bySeedKey(key) : undefined;
  }

  get credentials(): SeededCredentials {
    const secretApp = this.appByDefault('clientSecret');
    const certApp = this.appByDefault('clientCertificate');
    const readOnly = this.appByDefault('readOnly');
    const mi = this.appByDefault('managedIdentity');
    const pw = this.tenant.header.defaults.password;
    const pwApp = pw ? this.tenant.apps.bySeedKey(pw.client) : undefined;
    const pwUser = pw ? this.tenant.store.findUser(pw.username) : undefined;
    const generatedCert = certApp?.certificates.find((c) => c.pemWithKeyPath);
    return {
      ...(mi
        ? { managedIdentity: { clientId: mi.clientId, objectId: mi.objectId, displayName: mi.displayName } }
        : {}),
      ...(secretApp?.clientSecrets[0]
        ? {
            clientSecret: {
              clientId: secretApp.clientId,
              clientSecret: secretApp.clientSecrets[0],
              displayName: secretApp.displayName,
            },
          }
        : {}),
      ...(certApp && generatedCert?.pemWithKeyPath
        ? {
            clientCertificate: {
              clientId: certApp.clientId,
              certificatePath: generatedCert.pemWithKeyPath,
              thumbprintSha1: generatedCert.sha1.toUpperCase(),
              thumbprintSha256: generatedCert.sha256.toUpperCase(),
            },
          }
        : {}),
      ...(readOnly?.clientSecrets[0]
        ? {
            readOnly: {
              clientId: readOnly.clientId,
              clientSecret: readOnly.clientSecrets[0],
              appRoles: [...readOnly.appRoles],
            },
          }
        : {}),
      ...(pwApp && pwUser?.password
        ? {
            password: {
              clientId: pwApp.clientId,
              username: pwUser.userPrincipalName,
              password: pwUser.password,
            },
          }
        : {}),
      passwordUsers: [...this.tenant.store.liveUsers()]
        .filter((u) => u.password !== null)
        .map((u) => ({
          username: u.userPrincipalName,
          password: u.password ?? '',
          directoryRoles: [...u.roleNames],
          mfaRequired: u.mfaRequired,
        })),
      apps: this.tenant.apps.all.map((a) => ({
        key: a.key,
        kind: a.kind,
        clientId: a.clientId,
        displayName: a.displayName,
        appRoles: [...a.appRoles],
        delegatedScopes: [...a.delegatedScopes],
        clientSecrets: [...a.clientSecrets],
        certificatePaths: a.certificates.flatMap((c) => (c.pemWithKeyPath ? [c.pemWithKeyPath] : [])),
        publicClient: a.publicClient,
        ...(a.identityType ? { identityType: a.identityType } : {}),
      })),
    };
  }

  productSettings(
    mode: GraphAuthMode = 'managedIdentity',
    overrides: { username?: string; password?: string; clientId?: string } = {},
  ): ProductSettings {
    const common = {
      GRAPH_BASE_URL: this.graphBaseUrl,
      GRAPH_AUTH_MODE: mode,
      AZURE_TENANT_ID: this.tenantId,
      AZURE_AUTHORITY_HOST: this.authorityHost,
      NODE_EXTRA_CA_CERTS: this.caCertificatePath,
    };
    const creds = this.credentials;
    const need = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`The seed defines no ${what} (see its "defaults").`);
      return value;
    };
    switch (mode) {
      case 'managedIdentity': {
        const mi = this.managedIdentity;
        return {
          ...common,
          AZURE_CLIENT_ID: overrides.clientId ?? need(mi.clientId, 'managed identity'),
          IDENTITY_ENDPOINT: mi.endpoint,
          IDENTITY_HEADER: mi.header,
        };
      }
      case 'clientSecret': {
        const c = need(creds.clientSecret, 'client-secret app');
        return {
          ...common,
          AZURE_CLIENT_ID: overrides.clientId ?? c.clientId,
          AZURE_CLIENT_SECRET: c.clientSecret,
        };
      }
      case 'clientCertificate': {
        const c = need(creds.clientCertificate, 'client-certificate app');
        return {
          ...common,
          AZURE_CLIENT_ID: overrides.clientId ?? c.clientId,
          AZURE_CLIENT_CERTIFICATE_PATH: c.certificatePath,
        };
      }
      case 'password': {
        const c = need(creds.password, 'password (ROPC) client and user');
        const username = overrides.username ?? c.username;
        const user = this.tenant.store.findUser(username);
        return {
          ...common,
          AZURE_CLIENT_ID: overrides.clientId ?? c.clientId,
          GRAPH_LEGACY_USERNAME: username,
          GRAPH_LEGACY_PASSWORD: overrides.password ?? user?.password ?? c.password,
        };
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.shutdown.abort();
    this.publisher?.stop();
    this.unsubscribe();
    this.tenant?.store.dispose();
    const servers = [this.graphServer, this.loginServer, this.localServer];
    const closing = servers
      .filter((s) => s.listening)
      .map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const server of servers) server.closeAllConnections();
    await Promise.all(closing);
    await this.tls?.dispose();
  }
}
