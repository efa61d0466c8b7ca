/**
 * Graph + Entra emulator (dev tooling, never deployed). Start it from code:
 *
 *   const emulator = await startGraphEmulator();            // demo tenant, random ports
 *   Object.assign(process.env, emulator.productSettings()); // what the product reads
 *   ...
 *   await emulator.stop();
 *
 * or from one command: `node dist/dev/graph-emulator/cli.js` (see README.md in this folder).
 */
import { Emulator } from './emulator';
import { type EmulatorOptions } from './options';
import { type RunningEmulator } from './types';

export async function startGraphEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return Emulator.start(options);
}

export { EmulatorControlClient, ControlApiError } from './control/client';
export type * from './control/types';
export type {
  EmulatorOptions,
  ErrorChoice,
  EventSinkOptions,
  FaultKind,
  FaultProfile,
  LatencyDistribution,
  LatencyProfile,
  ScriptedFault,
  ThrottlingOptions,
  UndocumentedChoices,
  BucketLimit,
} from './options';
export { DEFAULT_CHOICES, DEFAULT_THROTTLING, REALISTIC_LATENCY } from './options';
export type { GraphAuthMode, ProductSettings, RunningEmulator, SeededApp, SeededCredentials } from './types';
export type { TenantSeed, SeedUser, SeedApplication, ProductOutcome, UserPatch } from './seed/schema';
export { PRODUCT_OUTCOMES } from './seed/schema';
export { SeedValidationError, type SeedSource } from './seed/load';
export { generateTenantSeed, writeGeneratedSeed, type GenerateTenantOptions } from './seed/generate';
export { PHONE_METHOD_IDS } from './store/users';
export { maskPhoneNumbersInText } from './core/masking';
export { ensureCertificateAuthority } from './entra/tls';
export { appSettingsFrom, exportManagedIdentityEndpoint } from './appSettings';
