import { type EmulatorControlClient } from './control/client';

/** How the product authenticates to Graph (`GRAPH_AUTH_MODE`). */
export type GraphAuthMode = 'managedIdentity' | 'clientSecret' | 'clientCertificate' | 'password';

/** App settings the product reads to talk to the emulator (as env vars / local.settings.json Values). */
export interface ProductSettings {
  GRAPH_BASE_URL: string;
  GRAPH_AUTH_MODE: GraphAuthMode;
  AZURE_TENANT_ID: string;
  AZURE_AUTHORITY_HOST: string;
  NODE_EXTRA_CA_CERTS: string;
  AZURE_CLIENT_ID?: string;
  AZURE_CLIENT_SECRET?: string;
  AZURE_CLIENT_CERTIFICATE_PATH?: string;
  GRAPH_LEGACY_USERNAME?: string;
  GRAPH_LEGACY_PASSWORD?: string;
  IDENTITY_ENDPOINT?: string;
  IDENTITY_HEADER?: string;
  [setting: string]: string | undefined;
}

export interface SeededApp {
  key: string;
  kind: 'managedIdentity' | 'application';
  clientId: string;
  displayName: string;
  appRoles: string[];
  delegatedScopes: string[];
  clientSecrets: string[];
  /** PEM files (certificate + private key) of certificates generated for this app. */
  certificatePaths: string[];
  publicClient: boolean;
  identityType?: 'systemAssigned' | 'userAssigned';
}

/** The credentials the seed's `defaults` point at (dev-only values). */
export interface SeededCredentials {
  managedIdentity?: { clientId: string; objectId: string; displayName: string };
  clientSecret?: { clientId: string; clientSecret: string; displayName: string };
  clientCertificate?: {
    clientId: string;
    certificatePath: string;
    thumbprintSha1: string;
    thumbprintSha256: string;
  };
  /** An app with `User.Read.All` only: proves the 403 on phone methods. */
  readOnly?: { clientId: string; clientSecret: string; appRoles: string[] };
  /** Public client + service account for the legacy password (ROPC) flow. */
  password?: { clientId: string; username: string; password: string };
  passwordUsers: { username: string; password: string; directoryRoles: string[]; mfaRequired: boolean }[];
  apps: SeededApp[];
}

export interface RunningEmulator {
  /** Graph over HTTPS (what the product uses), e.g. `https://127.0.0.1:PORT/v1.0`. */
  readonly graphBaseUrl: string;
  /** The same Graph over plain HTTP (for tools that cannot trust the CA), e.g. `http://127.0.0.1:PORT/v1.0`. */
  readonly plainGraphBaseUrl: string;
  /** HTTPS origin of the login endpoints, e.g. `https://127.0.0.1:PORT` (use as `authorityHost`). */
  readonly authorityHost: string;
  readonly tenantId: string;
  /** App Service managed-identity endpoint (`IDENTITY_ENDPOINT`) and secret (`IDENTITY_HEADER`). */
  readonly managedIdentity: {
    endpoint: string;
    header: string;
    /** The seed's default (user-assigned) identity. */
    clientId?: string;
    objectId?: string;
    /** Answered when no client_id is given (the Function App's system-assigned identity). */
    systemAssignedClientId?: string;
  };
  /** PEM of the CA that signed the login host's certificate. */
  readonly caCertificatePem: string;
  /** File with that PEM (for `NODE_EXTRA_CA_CERTS`). */
  readonly caCertificatePath: string;
  readonly credentials: SeededCredentials;
  /** Typed client of the control API. */
  readonly control: EmulatorControlClient;
  /** `http://127.0.0.1:PORT/_emulator` (plain HTTP) */
  readonly controlUrl: string;
  /** The settings the product needs for `mode` (default `managedIdentity`). */
  productSettings(
    mode?: GraphAuthMode,
    overrides?: { username?: string; password?: string; clientId?: string },
  ): ProductSettings;
  /** Closes every server and connection, stops timers, removes temporary files. Idempotent. */
  stop(): Promise<void>;
}
