import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type z } from 'zod';
import { defaultSeedPath, findPackageRoot } from '../packageRoot';
import {
  seedHeaderSchema,
  seedUserSchema,
  type SeedApplication,
  type SeedDefaults,
  type SeedDirectoryExtension,
  type SeedTenant,
  type TenantSeed,
  type ValidSeedUser,
} from './schema';
import { generateTenantSeed, type GenerateTenantOptions } from './generate';

/** Where a tenant comes from: a seed object, a JSON file path, or a generated tenant of N users. */
export type SeedSource = TenantSeed | string | { generate: GenerateTenantOptions };

export class SeedValidationError extends Error {
  constructor(
    readonly origin: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid tenant seed (${origin}):\n  - ${issues.join('\n  - ')}`);
    this.name = 'SeedValidationError';
  }
}

/** The validated seed minus its users, which are validated and consumed one at a time. */
export interface SeedHeader {
  origin: string;
  tenant: SeedTenant;
  directoryExtensions: SeedDirectoryExtension[];
  applications: SeedApplication[];
  defaults: SeedDefaults;
  description?: string;
}

export interface ParsedSeed {
  header: SeedHeader;
  /** Raw user entries; `validateUsers` consumes them (and drops each reference as it goes). */
  rawUsers: unknown[];
}

const MAX_REPORTED_ISSUES = 25;

function formatIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const where = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
      .join('')
      .replace(/^\./, '');
    // A bad record key: zod says "Invalid key in record"; the nested issue says why.
    const nested = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    return `${where || '(root)'}: ${nested ? `${issue.message} (${nested})` : issue.message}`;
  });
}

/** Resolves a seed path: as given (absolute or relative to cwd), else relative to the package root. */
export function resolveSeedPath(seedPath: string): string {
  if (path.isAbsolute(seedPath) || existsSync(seedPath)) return path.resolve(seedPath);
  const fromRoot = path.join(findPackageRoot(), seedPath);
  if (existsSync(fromRoot)) return fromRoot;
  const fromSeeds = path.join(path.dirname(defaultSeedPath()), seedPath);
  if (existsSync(fromSeeds)) return fromSeeds;
  if (existsSync(`${fromSeeds}.json`)) return `${fromSeeds}.json`;
  throw new SeedValidationError(seedPath, [
    `seed file not found (looked in ${process.cwd()} and ${findPackageRoot()})`,
  ]);
}

export async function parseSeed(source: SeedSource | undefined): Promise<ParsedSeed> {
  let raw: unknown;
  let origin: string;
  if (source === undefined || typeof source === 'string') {
    const file = source === undefined ? defaultSeedPath() : resolveSeedPath(source);
    origin = file;
    const text = await readFile(file, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new SeedValidationError(origin, [`not valid JSON: ${(error as Error).message}`]);
    }
  } else if ('generate' in source) {
    origin = `generated(${source.generate.users} users)`;
    raw = generateTenantSeed(source.generate);
  } else {
    origin = 'seed object';
    raw = source;
  }
  const parsed = seedHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new SeedValidationError(origin, formatIssues(parsed.error, ''));
  const h = parsed.data;
  const header: SeedHeader = {
    origin,
    tenant: h.tenant,
    directoryExtensions: h.directoryExtensions ?? [],
    applications: h.applications,
    defaults: h.defaults ?? {},
    ...(h.description ? { description: h.description } : {}),
  };
  const issues = checkHeader(header);
  if (issues.length > 0) throw new SeedValidationError(origin, issues);
  // Validation copied the users array; keep the original (same elements) so it can be released item by item.
  const rawUsers = Array.isArray((raw as { users?: unknown }).users)
    ? (raw as { users: unknown[] }).users
    : [];
  return {
    header,
    rawUsers: source !== undefined && typeof source === 'object' ? rawUsers.slice() : rawUsers,
  };
}

function checkHeader(header: SeedHeader): string[] {
  const issues: string[] = [];
  const clientIds = new Set<string>();
  const keys = new Set<string>();
  header.applications.forEach((app, i) => {
    if (clientIds.has(app.clientId.toLowerCase()))
      issues.push(`applications[${i}].clientId: duplicate ${app.clientId}`);
    if (keys.has(app.key)) issues.push(`applications[${i}].key: duplicate ${app.key}`);
    clientIds.add(app.clientId.toLowerCase());
    keys.add(app.key);
  });
  const d = header.defaults;
  const byKey = new Map(header.applications.map((a) => [a.key, a]));
  const checkApp = (
    field: string,
    key: string | undefined,
    want: 'managedIdentity' | 'application',
  ): void => {
    if (key === undefined) return;
    const app = byKey.get(key);
    if (!app) issues.push(`defaults.${field}: no application with key '${key}'`);
    else if (app.kind !== want) issues.push(`defaults.${field}: '${key}' is a ${app.kind}, expected ${want}`);
  };
  checkApp('managedIdentity', d.managedIdentity, 'managedIdentity');
  checkApp('clientSecret', d.clientSecret, 'application');
  checkApp('clientCertificate', d.clientCertificate, 'application');
  checkApp('readOnly', d.readOnly, 'application');
  checkApp('password.client', d.password?.client, 'application');
  const secretApp = d.clientSecret ? byKey.get(d.clientSecret) : undefined;
  if (secretApp?.kind === 'application' && (secretApp.clientSecrets ?? []).length === 0) {
    issues.push(`defaults.clientSecret: application '${secretApp.key}' has no clientSecrets`);
  }
  const certApp = d.clientCertificate ? byKey.get(d.clientCertificate) : undefined;
  if (certApp?.kind === 'application' && !(certApp.certificates ?? []).some((c) => 'generate' in c)) {
    issues.push(
      `defaults.clientCertificate: application '${certApp.key}' needs a {"generate": true} certificate`,
    );
  }
  return issues;
}

/**
 * Validates raw users one by one, yielding each valid user and releasing the raw entry. Collects issues
 * (up to a limit) and throws them together at the end, so a bad seed reports every broken user at once.
 */
export function* validateUsers(
  parsed: ParsedSeed,
  registeredExtensions: ReadonlySet<string>,
): Generator<ValidSeedUser> {
  const issues: string[] = [];
  const ids = new Set<string>();
  const upns = new Set<string>();
  const { rawUsers } = parsed;
  for (let i = 0; i < rawUsers.length; i++) {
    const result = seedUserSchema.safeParse(rawUsers[i]);
    rawUsers[i] = undefined;
    if (!result.success) {
      issues.push(...formatIssues(result.error, `users[${i}]`));
    } else {
      const user = result.data;
      const id = user.id.toLowerCase();
      const upn = user.userPrincipalName.toLowerCase();
      if (ids.has(id)) issues.push(`users[${i}].id: duplicate ${user.id}`);
      else if (upns.has(upn))
        issues.push(`users[${i}].userPrincipalName: duplicate ${user.userPrincipalName}`);
      else {
        for (const name of Object.keys(user.extensions ?? {})) {
          if (!registeredExtensions.has(name.toLowerCase())) {
            issues.push(`users[${i}].extensions.${name}: not declared in directoryExtensions`);
          }
        }
        ids.add(id);
        upns.add(upn);
        if (issues.length === 0) yield user;
      }
    }
    if (issues.length >= MAX_REPORTED_ISSUES) break;
  }
  rawUsers.length = 0;
  if (issues.length > 0)
    throw new SeedValidationError(parsed.header.origin, issues.slice(0, MAX_REPORTED_ISSUES));
  const defaultUser = parsed.header.defaults.password?.username.toLowerCase();
  if (defaultUser && !upns.has(defaultUser)) {
    throw new SeedValidationError(parsed.header.origin, [
      `defaults.password.username: no user ${defaultUser}`,
    ]);
  }
}

export function registeredExtensionNames(extensions: readonly SeedDirectoryExtension[]): Set<string> {
  return new Set(extensions.map((e) => `extension_${e.appId.replace(/-/g, '')}_${e.name}`.toLowerCase()));
}
