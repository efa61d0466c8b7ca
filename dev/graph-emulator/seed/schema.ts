import { OUTCOMES, type Outcome } from '../../../lib/sync/types';
import { z } from 'zod';
import { GUID_PATTERN } from '../core/ids';

/**
 * The tenant seed: one JSON document describing the directory (users, their phone methods and roles) and
 * the identities that may call Graph (managed identities, app registrations, public clients). Validated
 * with zod so that a typo in a hand-edited seed fails with the path of the bad field.
 */

const guid = z.string().regex(GUID_PATTERN, 'must be a GUID');

export const PHONE_TYPES = ['mobile', 'alternateMobile', 'office'] as const;
export const SMS_SIGN_IN_STATES = [
  'notSupported',
  'notAllowedByPolicy',
  'notEnabled',
  'phoneNumberNotUnique',
  'ready',
  'notConfigured',
] as const;

/** What the product reports per user in a real (not dry) run: the product's own list, less the `would*`. */
export const PRODUCT_OUTCOMES = OUTCOMES.filter(
  (outcome): outcome is Exclude<Outcome, `would${string}`> => !outcome.startsWith('would'),
);
export type ProductOutcome = Exclude<Outcome, `would${string}`>;

/** Methods other than phones that can exist on a user; they matter for the default-method delete rule. */
export const OTHER_AUTH_METHODS = [
  'microsoftAuthenticator',
  'fido2',
  'softwareOath',
  'windowsHelloForBusiness',
  'email',
  'temporaryAccessPass',
] as const;

export const EXTENSION_ATTRIBUTE_NAMES = Array.from(
  { length: 15 },
  (_, i) => `extensionAttribute${i + 1}`,
) as readonly string[];

const extensionAttributeName = z
  .string()
  .refine(
    (name) => EXTENSION_ATTRIBUTE_NAMES.includes(name),
    'must be extensionAttribute1..extensionAttribute15',
  );

export const DIRECTORY_EXTENSION_NAME = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/;

const nullableText = z.string().nullable().optional();

export const seedPhoneMethodSchema = z.strictObject({
  phoneType: z.enum(PHONE_TYPES),
  /** Stored as given: a seed may hold numbers the API would reject today (legacy data). */
  phoneNumber: z.string().regex(/^\+\d/, "must start with '+' and the country code"),
  /** Derived from the SMS sign-in policy and uniqueness when omitted. */
  smsSignInState: z.enum(SMS_SIGN_IN_STATES).optional(),
});

export const seedExpectationSchema = z.strictObject({
  outcome: z.enum(PRODUCT_OUTCOMES),
  /** The mobile number Graph should hold after a default run (`null`: no mobile method). */
  phoneNumber: z.string().nullable().optional(),
  note: z.string().optional(),
});

export const seedUserObjectSchema = z.strictObject({
  id: guid,
  userPrincipalName: z.string().min(3).includes('@', { message: "must contain '@'" }),
  displayName: z.string().min(1),
  givenName: nullableText,
  surname: nullableText,
  mail: nullableText,
  mobilePhone: nullableText,
  businessPhones: z.array(z.string()).optional(),
  jobTitle: nullableText,
  department: nullableText,
  companyName: nullableText,
  officeLocation: nullableText,
  city: nullableText,
  country: nullableText,
  usageLocation: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code')
    .nullable()
    .optional(),
  preferredLanguage: nullableText,
  userType: z.enum(['Member', 'Guest']).optional(),
  accountEnabled: z.boolean().optional(),
  /** `true`: synced from on-prem AD (source of authority on-prem); `null`/absent: cloud-only. */
  onPremisesSyncEnabled: z.boolean().nullable().optional(),
  createdDateTime: z.iso.datetime().optional(),
  onPremisesExtensionAttributes: z.record(extensionAttributeName, z.string().max(1024).nullable()).optional(),
  /** Directory (schema) extension values, keyed `extension_<appIdWithoutHyphens>_<name>`. */
  extensions: z
    .record(
      z.string().regex(DIRECTORY_EXTENSION_NAME, 'must be extension_<appId without hyphens>_<name>'),
      z.union([z.string(), z.number(), z.boolean(), z.null()]),
    )
    .optional(),
  phoneMethods: z.array(seedPhoneMethodSchema).max(3).optional(),
  /** Enabled for SMS sign-in by policy: writing a mobile then tries to register it for SMS sign-in. */
  smsSignInEnabled: z.boolean().optional(),
  /** The user's default MFA method (matters when deleting it). */
  defaultMfaMethod: z.enum([...PHONE_TYPES, ...OTHER_AUTH_METHODS]).optional(),
  otherAuthenticationMethods: z.array(z.enum(OTHER_AUTH_METHODS)).optional(),
  /** Directory role display names, e.g. "Global Administrator" (see store/directoryRoles.ts). */
  directoryRoles: z.array(z.string().min(1)).optional(),
  roleAssignableGroupMember: z.boolean().optional(),
  restrictedManagementAdministrativeUnit: z.boolean().optional(),
  /** Enables the password (ROPC) grant for this user. Dev-only credential. */
  password: z.string().min(1).optional(),
  /** ROPC fails with AADSTS50076 for users that must do MFA (reference/graph.md §9.4). */
  mfaRequired: z.boolean().optional(),
  /** Soft-deleted users are invisible to `GET /users/{id}` and show up as `@removed` in delta. */
  softDeleted: z.boolean().optional(),
  /** Why this user is in the seed (free text, never served). */
  notes: z.string().optional(),
  /** What the product should report for this user in a default run (never served). */
  expect: seedExpectationSchema.optional(),
});

export const seedUserSchema = seedUserObjectSchema.superRefine((user, ctx) => {
  const types = (user.phoneMethods ?? []).map((m) => m.phoneType);
  if (new Set(types).size !== types.length) {
    ctx.addIssue({ code: 'custom', path: ['phoneMethods'], message: 'at most one method per phoneType' });
  }
  if (types.includes('alternateMobile') && !types.includes('mobile')) {
    ctx.addIssue({
      code: 'custom',
      path: ['phoneMethods'],
      message: 'alternateMobile requires a mobile (reference/graph.md §1.1)',
    });
  }
});

/** What the control API may change on a user (state that has its own endpoints is left out). */
export const userPatchSchema = seedUserObjectSchema
  .omit({ id: true, phoneMethods: true, expect: true, notes: true, softDeleted: true, createdDateTime: true })
  .partial();
export type UserPatch = z.input<typeof userPatchSchema>;

const appRoleName = z.string().regex(/^[A-Za-z][\w.-]*$/, 'must be a permission value like User.Read.All');

const managedIdentitySchema = z.strictObject({
  kind: z.literal('managedIdentity'),
  /** Name the seed's `defaults` refer to. */
  key: z.string().min(1),
  displayName: z.string().min(1),
  clientId: guid,
  /** Object id of the identity's service principal (the token's `oid`). */
  objectId: guid,
  identityType: z.enum(['systemAssigned', 'userAssigned']),
  /** Microsoft Graph application permissions granted to the identity (app role values). */
  appRoles: z.array(appRoleName),
});

const certificateSchema = z.union([
  /** A key pair and certificate made at emulator start; the PEM (cert + key) is written to a file. */
  z.strictObject({ generate: z.literal(true) }),
  /** A public certificate registered on the app (the caller holds the key). */
  z.strictObject({ pem: z.string().includes('BEGIN CERTIFICATE') }),
]);

const applicationSchema = z.strictObject({
  kind: z.literal('application'),
  key: z.string().min(1),
  displayName: z.string().min(1),
  clientId: guid,
  objectId: guid,
  clientSecrets: z.array(z.string().min(8)).optional(),
  certificates: z.array(certificateSchema).optional(),
  /** Application permissions (app-only tokens, `roles` claim). */
  appRoles: z.array(appRoleName).optional(),
  /** Delegated permissions consented for the tenant (`scp` claim of user tokens). */
  delegatedScopes: z.array(appRoleName).optional(),
  /** "Allow public client flows": the password grant works without a client secret. */
  publicClient: z.boolean().optional(),
});

export const seedApplicationSchema = z.discriminatedUnion('kind', [managedIdentitySchema, applicationSchema]);

export const seedDirectoryExtensionSchema = z.strictObject({
  /** Client id of the app that owns the extension. */
  appId: guid,
  name: z.string().regex(/^[A-Za-z0-9_]+$/),
  dataType: z.enum(['String', 'Integer', 'Boolean', 'DateTime', 'Binary', 'LargeInteger']).optional(),
});

export const seedDefaultsSchema = z.strictObject({
  managedIdentity: z.string().optional(),
  clientSecret: z.string().optional(),
  clientCertificate: z.string().optional(),
  readOnly: z.string().optional(),
  password: z.strictObject({ client: z.string(), username: z.string() }).optional(),
});

export const seedTenantSchema = z.strictObject({
  id: guid,
  displayName: z.string().min(1),
  /** Verified domains; the first is the default. */
  domains: z.array(z.string().min(3)).min(1),
});

/** Everything but the users: validated as one object, users are validated one by one (bounded memory). */
export const seedHeaderSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  version: z.literal(1),
  tenant: seedTenantSchema,
  directoryExtensions: z.array(seedDirectoryExtensionSchema).optional(),
  applications: z.array(seedApplicationSchema),
  defaults: seedDefaultsSchema.optional(),
  /** Product configuration the `expect` outcomes assume (documentation for the demo comparison). */
  expectationsAssume: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  users: z.array(z.unknown()),
});

export type SeedPhoneMethod = z.infer<typeof seedPhoneMethodSchema>;
export type SeedUser = z.input<typeof seedUserSchema>;
export type ValidSeedUser = z.output<typeof seedUserSchema>;
export type SeedApplication = z.infer<typeof seedApplicationSchema>;
export type SeedManagedIdentity = z.infer<typeof managedIdentitySchema>;
export type SeedAppRegistration = z.infer<typeof applicationSchema>;
export type SeedDirectoryExtension = z.infer<typeof seedDirectoryExtensionSchema>;
export type SeedDefaults = z.infer<typeof seedDefaultsSchema>;
export type SeedTenant = z.infer<typeof seedTenantSchema>;
export type SeedExpectation = z.infer<typeof seedExpectationSchema>;

/** A complete tenant seed as written in JSON. */
export interface TenantSeed {
  $schema?: string;
  description?: string;
  version: 1;
  tenant: SeedTenant;
  directoryExtensions?: SeedDirectoryExtension[];
  applications: SeedApplication[];
  defaults?: SeedDefaults;
  expectationsAssume?: Record<string, string | number | boolean>;
  users: SeedUser[];
}
