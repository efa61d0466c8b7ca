import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { guidFromName } from '../core/ids';
import { Prng } from '../core/prng';
import {
  type SeedApplication,
  type SeedDefaults,
  type SeedDirectoryExtension,
  type SeedTenant,
  type SeedUser,
  type TenantSeed,
} from './schema';

/**
 * The identities every emulated tenant carries (the demo seed repeats them verbatim, a test checks it), so
 * the product's settings are the same whatever tenant the emulator serves.
 */
export const STANDARD_TENANT: SeedTenant = {
  id: '4fb90922-ddfb-5775-a7e8-4b5e618a0b15',
  displayName: 'Contoso (emulated)',
  domains: ['contoso.com', 'contoso.onmicrosoft.com'],
};

export const HR_APP_CLIENT_ID = '9ab4ae14-6a43-555c-9fbf-fc8d6ffa168a';

export const STANDARD_DIRECTORY_EXTENSIONS: SeedDirectoryExtension[] = [
  { appId: HR_APP_CLIENT_ID, name: 'mfaPhone', dataType: 'String' },
];

export const STANDARD_APPLICATIONS: SeedApplication[] = [
  {
    kind: 'managedIdentity',
    key: 'sync-mi',
    displayName: 'id-mfa-phone-sync',
    clientId: '29ed39a8-831d-5e9e-892e-63caf4440dfa',
    objectId: 'af4e0e54-3a70-5837-841f-00110be687c5',
    identityType: 'userAssigned',
    appRoles: ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  },
  {
    kind: 'managedIdentity',
    key: 'function-app-system-mi',
    displayName: 'func-mfa-phone-sync (system-assigned)',
    clientId: '9739d11c-0206-59d4-aabb-875045acf37f',
    objectId: '902d90b8-8010-5016-aa47-4e70c25128c8',
    identityType: 'systemAssigned',
    appRoles: [],
  },
  {
    kind: 'application',
    key: 'sync-app',
    displayName: 'mfa-phone-sync (app registration)',
    clientId: '81656092-3085-5aaa-b9e4-798f68a935d3',
    objectId: 'c15a689e-1ae8-5eb4-960e-32bc6a425b0e',
    clientSecrets: ['emulator-dev-secret~not-a-real-credential'],
    certificates: [{ generate: true }],
    appRoles: ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  },
  {
    kind: 'application',
    key: 'reader-app',
    displayName: 'directory-reader (User.Read.All only)',
    clientId: 'ab38e232-bd5f-58aa-9429-0422cc95a74c',
    objectId: '1d3cd1bb-9e2d-5ad3-ab32-070c5265230e',
    clientSecrets: ['emulator-reader-secret~not-a-real-credential'],
    appRoles: ['User.Read.All'],
  },
  {
    kind: 'application',
    key: 'legacy-runbook',
    displayName: 'Set-MfaPhone runbook (public client, ROPC)',
    clientId: '2c636ea9-113b-5628-82b2-073d60493f84',
    objectId: 'c6ea9fc9-623d-50cf-90e4-d37b121ee319',
    publicClient: true,
    delegatedScopes: ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  },
  {
    kind: 'application',
    key: 'hr-app',
    displayName: 'HR provisioning (owns extension_…_mfaPhone)',
    clientId: HR_APP_CLIENT_ID,
    objectId: 'ba5037f8-c320-5043-a677-9c32a2168725',
    appRoles: [],
  },
];

export const STANDARD_DEFAULTS: SeedDefaults = {
  managedIdentity: 'sync-mi',
  clientSecret: 'sync-app',
  clientCertificate: 'sync-app',
  readOnly: 'reader-app',
  password: { client: 'legacy-runbook', username: 'svc-mfa-sync@contoso.com' },
};

/** Accounts for the password (ROPC) flow; present in every tenant. Dev-only passwords. */
export const STANDARD_SERVICE_USERS: SeedUser[] = [
  {
    id: '423e00fb-3840-5c0a-a6f7-8871a64a6d4e',
    userPrincipalName: 'svc-mfa-sync@contoso.com',
    displayName: 'MFA phone sync service account',
    givenName: 'MFA phone sync',
    surname: 'service account',
    jobTitle: 'Service account',
    department: 'IT',
    usageLocation: 'DE',
    preferredLanguage: 'de-DE',
    onPremisesSyncEnabled: true,
    createdDateTime: '2022-02-11T01:11:00Z',
    onPremisesExtensionAttributes: {
      extensionAttribute15: '+49 151 10000001',
    },
    phoneMethods: [
      {
        phoneType: 'mobile',
        phoneNumber: '+49 15110000001',
      },
    ],
    defaultMfaMethod: 'mobile',
    directoryRoles: ['Privileged Authentication Administrator'],
    password: 'Emulator-Only-Pa55word!',
    notes:
      'Legacy runbook service account (ROPC, graph.md §9.1). Privileged Authentication Administrator: may manage admins, sees full numbers.',
    expect: {
      outcome: 'unchanged',
      phoneNumber: '+49 15110000001',
    },
  },
  {
    id: '80f517e9-8783-5c66-bf23-cad744a05fc1',
    userPrincipalName: 'helpdesk.authadmin@contoso.com',
    displayName: 'Helpdesk Authentication Administrator',
    givenName: 'Helpdesk',
    surname: 'Authentication Administrator',
    mail: 'helpdesk.authadmin@contoso.com',
    jobTitle: 'Helpdesk',
    department: 'IT',
    usageLocation: 'DE',
    preferredLanguage: 'de-DE',
    onPremisesSyncEnabled: true,
    createdDateTime: '2022-03-12T02:12:00Z',
    onPremisesExtensionAttributes: {
      extensionAttribute15: '+49 151 10000002',
    },
    phoneMethods: [
      {
        phoneType: 'mobile',
        phoneNumber: '+49 15110000002',
      },
    ],
    defaultMfaMethod: 'mobile',
    directoryRoles: ['Authentication Administrator'],
    password: 'Emulator-Only-Pa55word!',
    notes:
      'Authentication Administrator (graph.md §3.3): with the password flow it sees masked numbers and gets 403 on admins.',
    expect: {
      outcome: 'unchanged',
      phoneNumber: '+49 15110000002',
    },
  },
  {
    id: 'c77760c4-93ae-544b-82f2-ada7cfb7e158',
    userPrincipalName: 'mfa.enforced.admin@contoso.com',
    displayName: 'Admin with mandatory MFA',
    givenName: 'Admin',
    surname: 'with mandatory MFA',
    mail: 'mfa.enforced.admin@contoso.com',
    department: 'IT',
    usageLocation: 'DE',
    preferredLanguage: 'de-DE',
    onPremisesSyncEnabled: true,
    createdDateTime: '2022-04-13T03:13:00Z',
    onPremisesExtensionAttributes: {
      extensionAttribute15: '+49 151 10000003',
    },
    phoneMethods: [
      {
        phoneType: 'mobile',
        phoneNumber: '+49 15110000003',
      },
    ],
    defaultMfaMethod: 'mobile',
    directoryRoles: ['Privileged Authentication Administrator'],
    password: 'Emulator-Only-Pa55word!',
    mfaRequired: true,
    notes: 'ROPC fails with AADSTS50076: MFA required (graph.md §9.4).',
    expect: {
      outcome: 'unchanged',
      phoneNumber: '+49 15110000003',
    },
  },
];

export interface GenerateTenantOptions {
  /** Total users, service accounts included. */
  users: number;
  /** PRNG seed for the mix of cases (default 1). */
  seed?: number;
}

interface Country {
  code: string;
  callingCode: string;
  /** National mobile number for a serial (always valid for libphonenumber). */
  mobile: (serial: number) => string;
  /** National trunk prefix as written locally ('0' or ''). */
  trunk: string;
}

const COUNTRIES: Country[] = [
  { code: 'DE', callingCode: '49', trunk: '0', mobile: (n) => `17${String(n % 1e8).padStart(8, '0')}` },
  { code: 'AT', callingCode: '43', trunk: '0', mobile: (n) => `664${String(n % 1e7).padStart(7, '0')}` },
  { code: 'FR', callingCode: '33', trunk: '0', mobile: (n) => `6${String(n % 1e8).padStart(8, '0')}` },
  {
    code: 'US',
    callingCode: '1',
    trunk: '',
    mobile: (n) => `206${String(2000000 + (n % 7e6)).padStart(7, '0')}`,
  },
  { code: 'ES', callingCode: '34', trunk: '', mobile: (n) => `6${String(n % 1e8).padStart(8, '0')}` },
];
const COUNTRY_WEIGHTS = [0.6, 0.1, 0.1, 0.1, 0.1];

function pickCountry(r: number): Country {
  let acc = 0;
  for (let i = 0; i < COUNTRIES.length; i++) {
    acc += COUNTRY_WEIGHTS[i] as number;
    if (r < acc) return COUNTRIES[i] as Country;
  }
  return COUNTRIES[0] as Country;
}

/** Ways a number is typed into the source attribute; all normalize to the same Graph number. */
function attributeSpelling(country: Country, national: string, style: number): string {
  const spaced = `${national.slice(0, 3)} ${national.slice(3)}`;
  switch (style) {
    case 0:
      return `+${country.callingCode} ${spaced}`;
    case 1:
      return `+${country.callingCode}${national}`;
    case 2:
      return `00${country.callingCode} ${spaced}`;
    case 3:
      return country.trunk
        ? `+${country.callingCode} (${country.trunk})${spaced}`
        : `+${country.callingCode}-${spaced}`;
    default:
      return country.code === 'DE' ? `${country.trunk}${spaced}` : `+${country.callingCode} ${national}`;
  }
}

/** One generated user; `serial` makes ids, UPNs and numbers unique and reproducible. */
function generatedUser(serial: number, prng: Prng): SeedUser {
  const country = pickCountry(prng.next());
  const national = country.mobile(serial);
  const graphNumber = `+${country.callingCode} ${national}`;
  const name = `user${String(serial).padStart(6, '0')}`;
  const base: SeedUser = {
    id: guidFromName(`graph-emulator/generated/${serial}`),
    userPrincipalName: `${name}@contoso.com`,
    displayName: `Generated User ${serial}`,
    givenName: 'Generated',
    surname: `User ${serial}`,
    usageLocation: country.code,
    onPremisesSyncEnabled: true,
    smsSignInEnabled: false,
  };
  const roll = prng.next();
  const spelling = attributeSpelling(country, national, Math.floor(prng.next() * 5));
  const ext = (value: string | null): Record<string, string | null> => ({ extensionAttribute15: value });
  if (roll < 0.55) {
    return {
      ...base,
      onPremisesExtensionAttributes: ext(spelling),
      phoneMethods: [{ phoneType: 'mobile', phoneNumber: graphNumber }],
      defaultMfaMethod: 'mobile',
      expect: { outcome: 'unchanged', phoneNumber: graphNumber },
    };
  }
  if (roll < 0.75) {
    return {
      ...base,
      onPremisesExtensionAttributes: ext(spelling),
      expect: { outcome: 'created', phoneNumber: graphNumber },
    };
  }
  if (roll < 0.87) {
    // An offset that is no multiple of any country's number range (1e7, 7e6, 1e8), so the old number
    // always differs: a multiple wrapped around to the same number and made a wrong "updated" expectation.
    const old = `+${country.callingCode} ${country.mobile(serial + 5_000_001)}`;
    return {
      ...base,
      onPremisesExtensionAttributes: ext(spelling),
      phoneMethods: [{ phoneType: 'mobile', phoneNumber: old }],
      defaultMfaMethod: 'mobile',
      expect: { outcome: 'updated', phoneNumber: graphNumber },
    };
  }
  if (roll < 0.93) {
    return {
      ...base,
      onPremisesExtensionAttributes: ext(null),
      phoneMethods: [{ phoneType: 'mobile', phoneNumber: graphNumber }],
      expect: { outcome: 'skipped', phoneNumber: graphNumber },
    };
  }
  return {
    ...base,
    onPremisesExtensionAttributes: ext(prng.next() < 0.5 ? 'n/a' : '12345'),
    expect: { outcome: 'invalid', phoneNumber: null },
  };
}

function seedHeader(total: number): Omit<TenantSeed, 'users'> {
  return {
    description: `Generated tenant with ${total} users (dev/graph-emulator/seed/generate.ts).`,
    version: 1,
    tenant: STANDARD_TENANT,
    directoryExtensions: STANDARD_DIRECTORY_EXTENSIONS,
    applications: STANDARD_APPLICATIONS,
    defaults: STANDARD_DEFAULTS,
  };
}

function* generatedUsers(options: GenerateTenantOptions): Generator<SeedUser> {
  const prng = new Prng(options.seed ?? 1);
  yield* STANDARD_SERVICE_USERS;
  for (let serial = 1; serial <= options.users - STANDARD_SERVICE_USERS.length; serial++) {
    yield generatedUser(serial, prng);
  }
}

/** A tenant of `options.users` users with a realistic mix of cases, as a seed object. */
export function generateTenantSeed(options: GenerateTenantOptions): TenantSeed {
  return { ...seedHeader(options.users), users: [...generatedUsers(options)] };
}

/** Same as generateTenantSeed, streamed to a JSON file (memory stays flat for any size). */
export async function writeGeneratedSeed(filePath: string, options: GenerateTenantOptions): Promise<void> {
  const out = createWriteStream(filePath, { encoding: 'utf8' });
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const header = JSON.stringify(seedHeader(options.users));
  await write(`${header.slice(0, -1)},"users":[\n`);
  let first = true;
  for (const user of generatedUsers(options)) {
    await write(`${first ? '' : ',\n'}${JSON.stringify(user)}`);
    first = false;
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
}
