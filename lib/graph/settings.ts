/**
 * Everything the Graph gateway needs to know, already validated (lib/config.ts builds it from app
 * settings). The gateway never reads the environment itself, so tests can build one for any server.
 */
export interface GraphSettings {
  /** Graph root including the version, e.g. `https://graph.microsoft.com/v1.0`. */
  baseUrl: string;
  /** Token scope, e.g. `https://graph.microsoft.com/.default`. */
  scope: string;
  auth: GraphAuthSettings;
  /** Client-side write budget, kept below Graph's 3,000 writes / 150 s per app+tenant. */
  writeLimit: { writes: number; perMs: number };
  /** In-process attempts per request for throttled/transient failures before the error is surfaced. */
  maxAttempts: number;
  /** Longest `Retry-After` waited in-process; longer ones surface as `throttled` for the orchestrator. */
  maxRetryAfterWaitMs: number;
  /** Per-request timeout; Graph's authentication-methods backend gives up after 60 s. */
  requestTimeoutMs: number;
}

/**
 * App-only by default (managed identity). The password (ROPC) flow exists only for legacy setups that
 * cannot move yet; it breaks as soon as MFA is enforced on that account (reference/graph.md §9.4).
 */
export type GraphAuthSettings =
  | { mode: 'managedIdentity'; clientId?: string }
  | { mode: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | {
      mode: 'clientCertificate';
      tenantId: string;
      clientId: string;
      certificatePath: string;
      authorityHost?: string;
    }
  | {
      mode: 'password';
      tenantId: string;
      clientId: string;
      username: string;
      password: string;
      authorityHost?: string;
    };
