import {
  AzureAuthorityHosts,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  UsernamePasswordCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import { type GraphAuthSettings } from './settings';

/**
 * The token credential for the configured auth mode (DESIGN.md §6). Managed identity is the default and needs
 * nothing but the platform's `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, which `ManagedIdentityCredential` reads
 * itself. Secrets stay inside the credential objects: nothing here logs or returns them.
 *
 * `extra` is merged into the credential options (for example an `httpClient` that trusts a local emulator's
 * self-signed certificate); the auth settings win over it.
 */
export function createCredential(
  auth: GraphAuthSettings,
  extra: TokenCredentialOptions = {},
): TokenCredential {
  switch (auth.mode) {
    case 'managedIdentity':
      return auth.clientId === undefined
        ? new ManagedIdentityCredential(extra)
        : new ManagedIdentityCredential({ ...extra, clientId: auth.clientId });
    case 'clientSecret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, {
        ...extra,
        ...authorityOptions(auth.authorityHost),
      });
    case 'clientCertificate':
      return new ClientCertificateCredential(
        auth.tenantId,
        auth.clientId,
        { certificatePath: auth.certificatePath },
        { ...extra, ...authorityOptions(auth.authorityHost) },
      );
    case 'password':
      // Legacy opt-in only (ROPC): deprecated by @azure/identity 4.8 and broken by mandatory MFA
      // (reference/graph.md §9.4). Kept so runbook-era setups can move over before switching identity.
      return new UsernamePasswordCredential(auth.tenantId, auth.clientId, auth.username, auth.password, {
        ...extra,
        ...authorityOptions(auth.authorityHost),
      });
    default:
      throw new TypeError(`Unknown Graph auth mode '${String((auth as { mode: unknown }).mode)}'`);
  }
}

/** Hosts of Microsoft's own sign-in clouds, where MSAL's instance discovery is answered. */
const MICROSOFT_LOGIN_HOSTS = new Set(
  [
    AzureAuthorityHosts.AzurePublicCloud,
    AzureAuthorityHosts.AzureGovernment,
    AzureAuthorityHosts.AzureChina,
    'https://login.partner.microsoftonline.cn',
  ].map((url) => new URL(url).hostname),
);

/** True for `login.microsoftonline.com` and the other Microsoft cloud login hosts. */
export function isMicrosoftLoginHost(authorityHost: string): boolean {
  return MICROSOFT_LOGIN_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
}

/**
 * `authorityHost` as given, plus `disableInstanceDiscovery` when it is not a Microsoft cloud: MSAL would
 * otherwise ask login.microsoftonline.com to vouch for the authority, which a private cloud or a local
 * emulator can't pass offline (reference/graph.md §9.3).
 */
export function authorityOptions(
  authorityHost: string | undefined,
): Pick<TokenCredentialOptions, 'authorityHost'> & { disableInstanceDiscovery?: boolean } {
  if (authorityHost === undefined) return {};
  return isMicrosoftLoginHost(authorityHost)
    ? { authorityHost }
    : { authorityHost, disableInstanceDiscovery: true };
}
