import { EXTENSION_ATTRIBUTE_NAMES, type SeedExpectation } from '../seed/schema';

export type PhoneType = 'mobile' | 'alternateMobile' | 'office';
export type SmsSignInState =
  'notSupported' | 'notAllowedByPolicy' | 'notEnabled' | 'phoneNumberNotUnique' | 'ready' | 'notConfigured';

/** Fixed method ids, the same for every user (reference/graph.md §1.1). */
export const PHONE_METHOD_IDS: Readonly<Record<PhoneType, string>> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};
export const PHONE_TYPE_ORDER: readonly PhoneType[] = ['mobile', 'alternateMobile', 'office'];

export function phoneTypeForMethodId(methodId: string): PhoneType | undefined {
  const lower = methodId.toLowerCase();
  return PHONE_TYPE_ORDER.find((type) => PHONE_METHOD_IDS[type] === lower);
}

export interface StoredPhoneMethod {
  phoneType: PhoneType;
  phoneNumber: string;
  smsSignInState: SmsSignInState;
}

export type ScalarValue = string | number | boolean | null;
export type PropertyValue = ScalarValue | string[];

/**
 * One user as the store holds it. Kept flat and sparse (only properties that are set) so a 100,000-user
 * tenant stays small: optional Graph properties live in `props`, extension attributes in a 15-slot array
 * that is `null` for users without any.
 */
export interface UserRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  createdDateTime: string;
  props: Record<string, PropertyValue>;
  extensionAttributes: (string | null)[] | null;
  extensions: Record<string, ScalarValue> | null;
  phones: Partial<Record<PhoneType, StoredPhoneMethod>>;
  smsSignInEnabled: boolean;
  defaultMfaMethod: string | null;
  otherAuthenticationMethods: string[];
  roleTemplateIds: string[];
  roleNames: string[];
  roleAssignableGroupMember: boolean;
  restrictedManagementAdministrativeUnit: boolean;
  password: string | null;
  mfaRequired: boolean;
  softDeleted: boolean;
  /** Permanently deleted: kept only as a tombstone in the enumeration order. */
  purged: boolean;
  notes: string | null;
  expect: SeedExpectation | null;
  /**
   * Phone-method writes Graph clients made (not seeding or control-API changes), oldest first, at most
   * `PHONE_WRITE_AUDIT_LIMIT`; absent until the first write so untouched users cost nothing. Lets tests
   * prove that no wrong value was ever written, even transiently.
   */
  phoneWrites?: PhoneWriteRecord[];
}

export interface PhoneWriteRecord {
  at: string;
  operation: 'create' | 'update' | 'delete';
  phoneType: PhoneType;
  /** As stored (Graph form); absent for deletes. */
  phoneNumber?: string;
}

export const PHONE_WRITE_AUDIT_LIMIT = 50;

interface PropertyInfo {
  name: string;
  isDefault: boolean;
  /** Readable with User.ReadBasic.All. */
  isBasic: boolean;
  collection: boolean;
}

/**
 * Graph `user` properties the emulator answers for. Selecting one that the seed never sets yields `null`
 * (or `[]` for collections), as Graph does; selecting a name that is not a user property is a 400.
 */
const PROPERTY_LIST: PropertyInfo[] = [
  ...[
    'id',
    'userPrincipalName',
    'displayName',
    'givenName',
    'surname',
    'mail',
    'mobilePhone',
    'jobTitle',
    'officeLocation',
    'preferredLanguage',
  ].map((name) => ({ name, isDefault: true, isBasic: false, collection: false })),
  { name: 'businessPhones', isDefault: true, isBasic: false, collection: true },
  ...[
    'accountEnabled',
    'ageGroup',
    'city',
    'companyName',
    'country',
    'createdDateTime',
    'creationType',
    'deletedDateTime',
    'department',
    'employeeHireDate',
    'employeeId',
    'employeeType',
    'externalUserState',
    'faxNumber',
    'mailNickname',
    'onPremisesDistinguishedName',
    'onPremisesDomainName',
    'onPremisesExtensionAttributes',
    'onPremisesImmutableId',
    'onPremisesLastSyncDateTime',
    'onPremisesSamAccountName',
    'onPremisesSecurityIdentifier',
    'onPremisesSyncEnabled',
    'onPremisesUserPrincipalName',
    'passwordPolicies',
    'postalCode',
    'preferredDataLocation',
    'securityIdentifier',
    'showInAddressList',
    'state',
    'streetAddress',
    'usageLocation',
    'userType',
  ].map((name) => ({ name, isDefault: false, isBasic: false, collection: false })),
  ...['identities', 'imAddresses', 'otherMails', 'proxyAddresses', 'assignedLicenses', 'assignedPlans'].map(
    (name) => ({ name, isDefault: false, isBasic: false, collection: true }),
  ),
];
const BASIC = new Set(['id', 'userPrincipalName', 'displayName', 'givenName', 'surname', 'mail']);
for (const info of PROPERTY_LIST) info.isBasic = BASIC.has(info.name);

const PROPERTIES = new Map(PROPERTY_LIST.map((info) => [info.name.toLowerCase(), info]));

export const DEFAULT_USER_PROPERTIES: readonly string[] = PROPERTY_LIST.filter((p) => p.isDefault).map(
  (p) => p.name,
);

/** Canonical spelling of a user property name, or `undefined` if it is not one. */
export function canonicalUserProperty(name: string): string | undefined {
  return PROPERTIES.get(name.toLowerCase())?.name;
}

export function isBasicProperty(name: string): boolean {
  return PROPERTIES.get(name.toLowerCase())?.isBasic ?? false;
}

/** A parsed `$select`: canonical property names (Graph properties and directory extensions). */
export interface Selection {
  properties: string[];
  /** True when the caller gave no `$select` (the default property set). */
  isDefault: boolean;
}

export function onPremisesExtensionAttributesOf(user: UserRecord): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  EXTENSION_ATTRIBUTE_NAMES.forEach((name, i) => {
    out[name] = user.extensionAttributes?.[i] ?? null;
  });
  return out;
}

/** The value Graph would return for one property (`undefined`: omit it, e.g. an unset directory extension). */
export function userPropertyValue(user: UserRecord, name: string): unknown {
  switch (name) {
    case 'id':
      return user.id;
    case 'userPrincipalName':
      return user.userPrincipalName;
    case 'displayName':
      return user.displayName;
    case 'createdDateTime':
      return user.createdDateTime;
    case 'onPremisesExtensionAttributes':
      return onPremisesExtensionAttributesOf(user);
    case 'accountEnabled':
      return user.props.accountEnabled ?? true;
    case 'userType':
      return user.props.userType ?? 'Member';
    default:
      break;
  }
  if (name.startsWith('extension_')) {
    const value = user.extensions?.[name];
    return value === undefined || value === null ? undefined : value;
  }
  const info = PROPERTIES.get(name.toLowerCase());
  const stored = user.props[info?.name ?? name];
  if (stored !== undefined) return stored;
  return info?.collection ? [] : null;
}

export function projectUser(user: UserRecord, selection: Selection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = selection.isDefault ? DEFAULT_USER_PROPERTIES : selection.properties;
  for (const name of names) {
    const value = userPropertyValue(user, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
