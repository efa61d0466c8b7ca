import { X509Certificate, createHash } from 'node:crypto';
import { type SeedApplication } from '../seed/schema';

/** A certificate credential registered on an app registration. */
export interface RegisteredCertificate {
  pem: string;
  /** Hex SHA-1 / SHA-256 of the DER certificate (what `x5t` / `x5t#S256` carry, base64url-encoded). */
  sha1: string;
  sha256: string;
  /** For certificates the emulator generated: a PEM file holding the certificate and its private key. */
  pemWithKeyPath?: string;
}

export interface RegisteredApp {
  key: string;
  kind: 'managedIdentity' | 'application';
  displayName: string;
  clientId: string;
  objectId: string;
  identityType?: 'systemAssigned' | 'userAssigned';
  appRoles: ReadonlySet<string>;
  delegatedScopes: ReadonlySet<string>;
  clientSecrets: readonly string[];
  certificates: RegisteredCertificate[];
  /** Seed asked for this many generated certificates (made at emulator start). */
  certificatesToGenerate: number;
  publicClient: boolean;
}

export function describeCertificate(pem: string, pemWithKeyPath?: string): RegisteredCertificate {
  const der = new X509Certificate(pem).raw;
  return {
    pem,
    sha1: createHash('sha1').update(der).digest('hex'),
    sha256: createHash('sha256').update(der).digest('hex'),
    ...(pemWithKeyPath ? { pemWithKeyPath } : {}),
  };
}

/** The identities that can obtain tokens: managed identities and app registrations, by client id. */
export class AppRegistry {
  private readonly byClientId = new Map<string, RegisteredApp>();
  private readonly byKey = new Map<string, RegisteredApp>();

  constructor(applications: readonly SeedApplication[]) {
    for (const app of applications) {
      const registered: RegisteredApp =
        app.kind === 'managedIdentity'
          ? {
              key: app.key,
              kind: 'managedIdentity',
              displayName: app.displayName,
              clientId: app.clientId.toLowerCase(),
              objectId: app.objectId.toLowerCase(),
              identityType: app.identityType,
              appRoles: new Set(app.appRoles),
              delegatedScopes: new Set(),
              clientSecrets: [],
              certificates: [],
              certificatesToGenerate: 0,
              publicClient: false,
            }
          : {
              key: app.key,
              kind: 'application',
              displayName: app.displayName,
              clientId: app.clientId.toLowerCase(),
              objectId: app.objectId.toLowerCase(),
              appRoles: new Set(app.appRoles ?? []),
              delegatedScopes: new Set(app.delegatedScopes ?? []),
              clientSecrets: app.clientSecrets ?? [],
              certificates: (app.certificates ?? []).flatMap((c) =>
                'pem' in c ? [describeCertificate(c.pem)] : [],
              ),
              certificatesToGenerate: (app.certificates ?? []).filter((c) => 'generate' in c).length,
              publicClient: app.publicClient ?? false,
            };
      this.byClientId.set(registered.clientId, registered);
      this.byKey.set(registered.key, registered);
    }
  }

  get all(): readonly RegisteredApp[] {
    return [...this.byClientId.values()];
  }

  byClient(clientId: string): RegisteredApp | undefined {
    return this.byClientId.get(clientId.toLowerCase());
  }

  bySeedKey(key: string): RegisteredApp | undefined {
    return this.byKey.get(key);
  }

  /** The system-assigned identity (what the MI endpoint answers when no id is given). */
  systemAssignedIdentity(): RegisteredApp | undefined {
    return this.all.find((a) => a.kind === 'managedIdentity' && a.identityType === 'systemAssigned');
  }

  managedIdentityBy(
    idType: 'client_id' | 'object_id' | 'mi_res_id',
    value: string,
  ): RegisteredApp | undefined {
    const v = value.toLowerCase();
    return this.all.find(
      (a) =>
        a.kind === 'managedIdentity' &&
        (idType === 'client_id'
          ? a.clientId === v
          : idType === 'object_id'
            ? a.objectId === v
            : v.endsWith(`/${a.key.toLowerCase()}`) || v.endsWith(`/${a.displayName.toLowerCase()}`)),
    );
  }

  findCertificate(app: RegisteredApp, thumbprintHex: string): RegisteredCertificate | undefined {
    const t = thumbprintHex.toLowerCase();
    return app.certificates.find((c) => c.sha1 === t || c.sha256 === t);
  }
}
