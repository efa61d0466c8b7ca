import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

/**
 * When and how the app sends its telemetry to Application Insights. Pure decisions here (tested); the
 * registration itself is in `functions/telemetry.ts`.
 */
export interface AzureMonitorPlan {
  connectionString: string;
  /** The user-assigned identity the exporter authenticates with; absent means the key in the string. */
  managedIdentityClientId?: string;
}

/**
 * Nothing to register without `APPLICATIONINSIGHTS_CONNECTION_STRING`: local runs, tests and the dev host
 * make no network call and print nothing. With the resource's local auth off (the infra does that), the
 * exporter must present the identity named by `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`
 * (`Authorization=AAD;ClientId=<client id>`, parts in any order).
 */
export function azureMonitorPlan(env: NodeJS.ProcessEnv): AzureMonitorPlan | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (connectionString === undefined || connectionString === '') return undefined;
  const auth = parseAuthenticationString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '');
  if (auth.get('authorization')?.toUpperCase() !== 'AAD') return { connectionString };
  const clientId = auth.get('clientid');
  if (clientId === undefined || clientId === '') {
    throw new Error(
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING says Authorization=AAD but names no ClientId; ' +
        'set it to "Authorization=AAD;ClientId=<the identity client id>"',
    );
  }
  return { connectionString, managedIdentityClientId: clientId };
}

function parseAuthenticationString(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

export function exporterCredential(plan: AzureMonitorPlan): TokenCredential | undefined {
  return plan.managedIdentityClientId === undefined
    ? undefined
    : new ManagedIdentityCredential({ clientId: plan.managedIdentityClientId });
}
