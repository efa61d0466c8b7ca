import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  generateTenantSeed,
  PRODUCT_OUTCOMES,
  SeedValidationError,
  startGraphEmulator,
  writeGeneratedSeed,
  type SeedUser,
  type TenantSeed,
} from '../../dev/graph-emulator/index';
import { parseSeed, validateUsers, registeredExtensionNames } from '../../dev/graph-emulator/seed/load';
import { STANDARD_APPLICATIONS, STANDARD_SERVICE_USERS } from '../../dev/graph-emulator/seed/generate';
import { defaultSeedPath } from '../../dev/graph-emulator/packageRoot';

/** Seeds: the demo tenant, the generator, and validation errors that say where the problem is. */
async function demo(): Promise<TenantSeed> {
  return JSON.parse(await readFile(defaultSeedPath(), 'utf8')) as TenantSeed;
}

/** What the product makes of an attribute with default country DE (DESIGN.md §3; full metadata, as lib/phone uses). */
function normalize(attribute: string): string | undefined {
  const parsed = parsePhoneNumberFromString(attribute.trim(), 'DE');
  return parsed?.isValid() ? `+${parsed.countryCallingCode} ${parsed.nationalNumber}` : undefined;
}

function attribute15(user: SeedUser): string | null | undefined {
  return user.onPremisesExtensionAttributes?.extensionAttribute15;
}

async function validate(seed: unknown): Promise<number> {
  const parsed = await parseSeed(seed as TenantSeed);
  let n = 0;
  for (const _ of validateUsers(parsed, registeredExtensionNames(parsed.header.directoryExtensions))) n++;
  return n;
}

describe('demo tenant', () => {
  it('is valid and has a few dozen users, each with an expected outcome', async () => {
    const seed = await demo();
    expect(await validate(seed)).toBe(seed.users.length);
    expect(seed.users.length).toBeGreaterThanOrEqual(30);
    for (const user of seed.users) expect(user.expect, user.userPrincipalName).toBeDefined();
  });

  it("every 'expect' agrees with the attribute under the documented assumptions (ext. attribute 15, DE, keep)", async () => {
    const seed = await demo();
    for (const user of seed.users) {
      const expectation = user.expect!;
      const attr = attribute15(user);
      const mobile = user.phoneMethods?.find((m) => m.phoneType === 'mobile')?.phoneNumber ?? null;
      const label = `${user.userPrincipalName}: ${expectation.outcome}`;
      switch (expectation.outcome) {
        case 'created':
          expect(mobile, label).toBeNull();
          expect(normalize(attr ?? ''), label).toBe(expectation.phoneNumber);
          break;
        case 'updated':
          expect(mobile, label).not.toBeNull();
          expect(normalize(attr ?? ''), label).toBe(expectation.phoneNumber);
          expect(mobile?.replace(/\D/g, ''), label).not.toBe(expectation.phoneNumber?.replace(/\D/g, ''));
          break;
        case 'unchanged':
          expect(mobile?.replace(/\D/g, ''), label).toBe(normalize(attr ?? '')?.replace(/\D/g, ''));
          break;
        case 'skipped':
          expect(attr === undefined || attr === null || attr.trim() === '', label).toBe(true);
          expect(expectation.phoneNumber ?? null, label).toBe(mobile);
          break;
        case 'invalid':
          expect(normalize(attr ?? ''), label).toBeUndefined();
          expect(expectation.phoneNumber ?? null, label).toBe(mobile);
          break;
        case 'notFound':
          expect(user.softDeleted, label).toBe(true);
          break;
        case 'conflict': {
          expect(user.smsSignInEnabled, label).toBe(true);
          const holder = seed.users.find(
            (u) =>
              u !== user &&
              u.smsSignInEnabled &&
              u.phoneMethods?.some(
                (m) => m.phoneType === 'mobile' && m.phoneNumber === expectation.phoneNumber,
              ),
          );
          expect(holder, label).toBeDefined();
          break;
        }
        default:
          throw new Error(`unexpected outcome in demo seed: ${label}`);
      }
    }
  });

  it('covers the cases the product meets', async () => {
    const seed = await demo();
    const upns = seed.users.map((u) => u.userPrincipalName);
    const outcomes = new Set(seed.users.map((u) => u.expect?.outcome));
    for (const o of ['created', 'updated', 'unchanged', 'skipped', 'invalid', 'notFound', 'conflict'])
      expect(outcomes).toContain(o);
    expect(PRODUCT_OUTCOMES).toEqual(expect.arrayContaining([...outcomes]));
    expect(upns.some((u) => u.includes('#EXT#'))).toBe(true);
    expect(upns.some((u) => u.startsWith('$'))).toBe(true);
    expect(upns.some((u) => u.includes("'"))).toBe(true);
    const attrs = seed.users.map((u) => attribute15(u) ?? '');
    expect(attrs.some((a) => a.startsWith('00'))).toBe(true);
    expect(attrs.some((a) => a.includes('(0)'))).toBe(true);
    expect(attrs.some((a) => /^0[1-9]/.test(a))).toBe(true); // national number
    expect(seed.users.some((u) => u.phoneMethods?.some((m) => m.phoneType === 'alternateMobile'))).toBe(true);
    expect(seed.users.some((u) => u.directoryRoles?.includes('Global Administrator'))).toBe(true);
    expect(
      seed.users.some((u) => u.onPremisesSyncEnabled === undefined || u.onPremisesSyncEnabled === null),
    ).toBe(true);
    expect(new Set(seed.users.map((u) => u.usageLocation)).size).toBeGreaterThanOrEqual(6);
    const roles = seed.users.filter((u) => u.password).flatMap((u) => u.directoryRoles ?? []);
    expect(roles).toEqual(
      expect.arrayContaining(['Authentication Administrator', 'Privileged Authentication Administrator']),
    );
  });

  it('carries the standard identities (same as every generated tenant)', async () => {
    const seed = await demo();
    expect(seed.applications).toEqual(STANDARD_APPLICATIONS);
    expect(seed.users.slice(0, STANDARD_SERVICE_USERS.length)).toEqual(STANDARD_SERVICE_USERS);
    const kinds = seed.applications.map((a) => [
      a.key,
      a.kind === 'managedIdentity' ? a.appRoles : (a.appRoles ?? []),
    ]);
    expect(kinds).toContainEqual(['sync-mi', ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All']]);
    expect(kinds).toContainEqual(['reader-app', ['User.Read.All']]);
  });
});

describe('generator', () => {
  it('generates a valid tenant with unique users, valid numbers and a realistic mix of cases', async () => {
    const seed = generateTenantSeed({ users: 3000, seed: 3 });
    expect(await validate(seed)).toBe(3000);
    expect(new Set(seed.users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(3000);
    const counts = new Map<string, number>();
    for (const user of seed.users) {
      const outcome = user.expect?.outcome ?? 'none';
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      if (['created', 'updated', 'unchanged'].includes(outcome)) {
        expect(normalize(attribute15(user) ?? '')).toBe(user.expect?.phoneNumber);
      }
      // An "updated" user must hold a different number than the attribute's, an "unchanged" one the same.
      const mobile = user.phoneMethods?.find((m) => m.phoneType === 'mobile')?.phoneNumber.replace(/\D/g, '');
      const target = user.expect?.phoneNumber?.replace(/\D/g, '');
      if (outcome === 'updated') expect(mobile, user.userPrincipalName).not.toBe(target);
      if (outcome === 'unchanged') expect(mobile, user.userPrincipalName).toBe(target);
    }
    for (const outcome of ['created', 'updated', 'unchanged', 'skipped', 'invalid'])
      expect(counts.get(outcome) ?? 0).toBeGreaterThan(50);
    expect(generateTenantSeed({ users: 50, seed: 3 })).toEqual(generateTenantSeed({ users: 50, seed: 3 }));
  });

  it('streams a large seed to a file that the emulator loads', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'seed-test-'));
    try {
      const file = path.join(dir, 'tenant.json');
      await writeGeneratedSeed(file, { users: 2000 });
      const emulator = await startGraphEmulator({ seed: file });
      try {
        expect((await emulator.control.info()).userCount).toBe(2000);
      } finally {
        await emulator.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('seed validation', () => {
  it('reports every broken user with the path of the bad field', async () => {
    const seed = await demo();
    const broken = {
      ...seed,
      users: [
        { ...seed.users[3], id: 'nope' },
        { ...seed.users[4], favouriteColour: 'blue' },
        { ...seed.users[5], phoneMethods: [{ phoneType: 'alternateMobile', phoneNumber: '+49 1701234567' }] },
        { ...seed.users[6], extensions: { extension_00000000000000000000000000000000_x: 'y' } },
        { ...seed.users[7], onPremisesExtensionAttributes: { extensionAttribute16: 'x' } },
      ],
    };
    const error = await validate(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeedValidationError);
    const issues = (error as SeedValidationError).issues.join('\n');
    expect(issues).toContain('users[0].id: must be a GUID');
    expect(issues).toMatch(/users\[1\].*favouriteColour/);
    expect(issues).toContain('users[2].phoneMethods: alternateMobile requires a mobile');
    expect(issues).toContain(
      'users[3].extensions.extension_00000000000000000000000000000000_x: not declared in directoryExtensions',
    );
    expect(issues).toMatch(
      /users\[4\]\.onPremisesExtensionAttributes.*extensionAttribute1\.\.extensionAttribute15/,
    );
  });

  it('checks the header: defaults must point at existing identities of the right kind', async () => {
    const seed = await demo();
    const error = await validate({
      ...seed,
      defaults: { ...seed.defaults, clientSecret: 'sync-mi', readOnly: 'ghost' },
    }).catch((e: unknown) => e);
    expect((error as SeedValidationError).issues).toEqual(
      expect.arrayContaining([
        "defaults.clientSecret: 'sync-mi' is a managedIdentity, expected application",
        "defaults.readOnly: no application with key 'ghost'",
      ]),
    );
  });

  it('resolves seed paths relative to the package root, and fails clearly for a missing file', async () => {
    const emulator = await startGraphEmulator({ seed: 'dev/graph-emulator/seeds/demo-tenant.json' });
    await emulator.stop();
    await expect(startGraphEmulator({ seed: 'no/such/seed.json' })).rejects.toThrow(/seed file not found/);
  });
});
