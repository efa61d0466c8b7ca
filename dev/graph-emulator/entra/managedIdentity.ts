import { randomUUID, timingSafeEqual } from 'node:crypto';
import { type AppRegistry, type RegisteredApp } from '../store/apps';
import { GRAPH_AUDIENCES, type TokenService } from './tokens';

/**
 * The App Service / Functions managed-identity endpoint, protocol 2019-08-01 (reference/graph.md §3.4):
 * `GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01[&client_id=|object_id=|mi_res_id=]` with
 * `X-IDENTITY-HEADER`. This is what `ManagedIdentityCredential` (through MSAL) calls.
 */
export const MANAGED_IDENTITY_PATH = '/msi/token';
const API_VERSION = '2019-08-01';

export interface ManagedIdentityResult {
  status: number;
  body: Record<string, unknown>;
  clientId?: string;
  errorCode?: string;
}

function fail(status: number, message: string): ManagedIdentityResult {
  return {
    status,
    body: { statusCode: status, message, correlationId: randomUUID() },
    errorCode: `http${status}`,
  };
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function managedIdentityToken(
  query: Map<string, string>,
  identityHeader: string | undefined,
  expectedHeader: string,
  apps: AppRegistry,
  tokens: TokenService,
): Promise<ManagedIdentityResult> {
  if (!sameSecret(identityHeader, expectedHeader))
    return fail(401, 'Unauthorized: X-IDENTITY-HEADER is missing or wrong.');
  if (query.get('api-version') !== API_VERSION)
    return fail(400, `Unsupported api-version '${query.get('api-version') ?? ''}'; use ${API_VERSION}.`);
  const resource = query.get('resource');
  if (!resource) return fail(400, "Required query parameter 'resource' is missing.");
  let identity: RegisteredApp | undefined;
  const clientId = query.get('client_id');
  const objectId = query.get('object_id') ?? query.get('principal_id');
  const resourceId = query.get('mi_res_id');
  if (clientId) identity = apps.managedIdentityBy('client_id', clientId);
  else if (objectId) identity = apps.managedIdentityBy('object_id', objectId);
  else if (resourceId) identity = apps.managedIdentityBy('mi_res_id', resourceId);
  else identity = apps.systemAssignedIdentity();
  if (!identity) {
    return fail(400, 'No Managed Identity found for specified ClientId/ResourceId/PrincipalId.');
  }
  // Tokens for other resources are issued too (Graph will reject their audience), as Azure does.
  const audience = GRAPH_AUDIENCES.has(resource) ? resource.replace(/\/$/, '') : resource;
  const issued = await tokens.issueAppToken(identity, audience, 'managedIdentity');
  return {
    status: 200,
    clientId: identity.clientId,
    body: {
      access_token: issued.accessToken,
      expires_on: String(issued.expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: identity.clientId,
    },
  };
}
