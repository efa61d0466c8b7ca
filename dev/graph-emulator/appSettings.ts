import { type ProductSettings } from './types';

/** The emulator's product settings as app settings: only the names this auth mode sets. */
export function appSettingsFrom(settings: ProductSettings): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * `ManagedIdentityCredential` reads its endpoint from the process environment, not from the app's settings:
 * a process that builds the product's gateway itself (a test, a benchmark) must put them there.
 */
export function exportManagedIdentityEndpoint(
  settings: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER']) {
    const value = settings[name];
    if (value !== undefined) env[name] = value;
  }
}
