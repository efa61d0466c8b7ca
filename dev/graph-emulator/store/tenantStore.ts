import {
  EXTENSION_ATTRIBUTE_NAMES,
  type SeedDirectoryExtension,
  type SeedTenant,
  type UserPatch,
  type ValidSeedUser,
} from '../seed/schema';
import { ChangeJournal, type JournalKind } from './changeJournal';
import { isManageableByAuthenticationAdministrator, roleTemplateId } from './directoryRoles';
import { acceptPhoneNumber, phoneDigits, type PhoneFormatMode } from './phoneNumbers';
import {
  PHONE_TYPE_ORDER,
  type PhoneType,
  type PropertyValue,
  type ScalarValue,
  type SmsSignInState,
  PHONE_WRITE_AUDIT_LIMIT,
  type PhoneWriteRecord,
  type StoredPhoneMethod,
  type UserRecord,
} from './users';

/** State rules the docs leave open (reference/graph.md §1-2); see the README's "Choices" table. */
export interface PhoneStateRules {
  phoneFormat: PhoneFormatMode;
  /** Deleting the user's default MFA method while other methods exist: refused (Q&A wording) or allowed. */
  defaultMethodDelete: 'refuseWhenOthers' | 'allow';
  /**
   * A mobile number already registered for SMS sign-in by another user:
   * `conflictButApplied` (409, method written anyway: what third-party runbooks observe),
   * `conflictNotApplied` (409, nothing written), `appliedSilently` (2xx, state `phoneNumberNotUnique`).
   */
  phoneNumberNotUnique: 'conflictButApplied' | 'conflictNotApplied' | 'appliedSilently';
  /** With `conflictButApplied`: the write becomes visible only after this long (runbooks wait ~5 s). */
  conflictApplyDelayMs: number;
}

export type PhoneViolation =
  | 'invalidPhoneNumber'
  | 'duplicatePhoneType'
  | 'alternateMobileWithoutMobile'
  | 'phoneTypeChange'
  | 'methodNotFound'
  | 'mobileWithAlternateMobile'
  | 'defaultMethod';

export type PhoneWriteResult =
  | { ok: true; method: StoredPhoneMethod; notUnique: boolean; applied: 'now' | 'later' | 'no' }
  | { ok: false; violation: PhoneViolation };

export type PhoneDeleteResult = { ok: true } | { ok: false; violation: PhoneViolation };

/** A directory change, as the journal (delta) and the change-notification publisher see it. */
export interface UserChange {
  userId: string;
  kind: JournalKind;
  properties: readonly string[];
  sequenceNumber: number;
}

export type UserChangeListener = (change: UserChange) => void;

export class StoreError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

const SIMPLE_PROPS = [
  'givenName',
  'surname',
  'mail',
  'mobilePhone',
  'businessPhones',
  'jobTitle',
  'department',
  'companyName',
  'officeLocation',
  'city',
  'country',
  'usageLocation',
  'preferredLanguage',
  'userType',
  'accountEnabled',
  'onPremisesSyncEnabled',
] as const;

/**
 * The tenant: users, their phone methods, and the rules that govern changes. No HTTP in here: handlers
 * translate requests into these calls and the results into Graph responses.
 */
export class TenantStore {
  readonly tenant: SeedTenant;
  readonly journal: ChangeJournal;
  /** Changes when the tenant is replaced, so tokens and cursors from before become invalid. */
  readonly epoch: string;
  private readonly byId = new Map<string, UserRecord>();
  private readonly byUpn = new Map<string, UserRecord>();
  /** Enumeration order for lists and delta; purged users stay as tombstones so cursors stay valid. */
  private readonly order: UserRecord[] = [];
  /** Mobile numbers (digits) registered for SMS sign-in, and by whom. */
  private readonly smsSignInNumbers = new Map<string, string>();
  private readonly extensionNames = new Map<string, string>();
  private readonly listeners = new Set<UserChangeListener>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private liveCount = 0;

  constructor(
    tenant: SeedTenant,
    directoryExtensions: readonly SeedDirectoryExtension[],
    readonly rules: PhoneStateRules,
    journalMaxEntries: number,
    epoch: string,
  ) {
    this.tenant = tenant;
    this.journal = new ChangeJournal(journalMaxEntries);
    this.epoch = epoch;
    for (const ext of directoryExtensions) {
      const name = `extension_${ext.appId.replace(/-/g, '').toLowerCase()}_${ext.name}`;
      this.extensionNames.set(name.toLowerCase(), name);
    }
  }

  get tenantId(): string {
    return this.tenant.id;
  }

  get defaultDomain(): string {
    return this.tenant.domains[0] as string;
  }

  /** Users that exist (not soft-deleted, not purged). */
  get userCount(): number {
    return this.liveCount;
  }

  get enumerationLength(): number {
    return this.order.length;
  }

  /** Canonical name of a registered directory extension, if `name` is one. */
  directoryExtension(name: string): string | undefined {
    return this.extensionNames.get(name.toLowerCase());
  }

  onChange(listener: UserChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  // ---- loading -------------------------------------------------------------------------------------

  /** Adds a validated seed user without journaling (initial load). */
  load(seedUser: ValidSeedUser): UserRecord {
    const record = this.recordFromSeed(seedUser);
    this.index(record);
    this.registerSeededPhones(record, seedUser);
    return record;
  }

  private recordFromSeed(u: ValidSeedUser): UserRecord {
    if (this.byId.has(u.id.toLowerCase())) throw new StoreError(`Duplicate user id ${u.id}`, 409);
    if (this.byUpn.has(u.userPrincipalName.toLowerCase())) {
      throw new StoreError(`Duplicate userPrincipalName ${u.userPrincipalName}`, 409);
    }
    const props: Record<string, PropertyValue> = {};
    for (const name of SIMPLE_PROPS) {
      const value = u[name];
      if (value !== undefined && value !== null) props[name] = value;
    }
    const record: UserRecord = {
      id: u.id.toLowerCase(),
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      createdDateTime: u.createdDateTime ?? '2021-03-01T08:00:00Z',
      props,
      extensionAttributes: null,
      extensions: null,
      phones: {},
      smsSignInEnabled: u.smsSignInEnabled ?? false,
      defaultMfaMethod: u.defaultMfaMethod ?? null,
      otherAuthenticationMethods: u.otherAuthenticationMethods ?? [],
      roleTemplateIds: (u.directoryRoles ?? []).map(roleTemplateId),
      roleNames: u.directoryRoles ?? [],
      roleAssignableGroupMember: u.roleAssignableGroupMember ?? false,
      restrictedManagementAdministrativeUnit: u.restrictedManagementAdministrativeUnit ?? false,
      password: u.password ?? null,
      mfaRequired: u.mfaRequired ?? false,
      softDeleted: u.softDeleted ?? false,
      purged: false,
      notes: u.notes ?? null,
      expect: u.expect ?? null,
    };
    if (u.onPremisesExtensionAttributes) this.setExtensionAttributes(record, u.onPremisesExtensionAttributes);
    if (u.extensions) this.setExtensions(record, u.extensions);
    return record;
  }

  private setExtensionAttributes(record: UserRecord, values: Record<string, string | null>): string[] {
    const changed: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const index = EXTENSION_ATTRIBUTE_NAMES.indexOf(name);
      if (index < 0) throw new StoreError(`Unknown extension attribute ${name}`, 400);
      const current = record.extensionAttributes?.[index] ?? null;
      if (current === value) continue;
      record.extensionAttributes ??= new Array<string | null>(15).fill(null);
      record.extensionAttributes[index] = value;
      changed.push(name);
    }
    if (record.extensionAttributes?.every((v) => v === null)) record.extensionAttributes = null;
    return changed;
  }

  private setExtensions(record: UserRecord, values: Record<string, ScalarValue>): string[] {
    const changed: string[] = [];
    for (const [rawName, value] of Object.entries(values)) {
      const name = this.directoryExtension(rawName);
      if (!name) {
        throw new StoreError(
          `Directory extension ${rawName} is not registered in the seed's directoryExtensions`,
          400,
        );
      }
      const current = record.extensions?.[name] ?? null;
      if (current === value) continue;
      record.extensions ??= {};
      if (value === null) delete record.extensions[name];
      else record.extensions[name] = value;
      changed.push(name);
    }
    return changed;
  }

  private registerSeededPhones(record: UserRecord, u: ValidSeedUser): void {
    for (const type of PHONE_TYPE_ORDER) {
      const seeded = u.phoneMethods?.find((m) => m.phoneType === type);
      if (!seeded) continue;
      let state: SmsSignInState;
      if (seeded.smsSignInState) state = seeded.smsSignInState;
      else if (type !== 'mobile') state = 'notSupported';
      else if (!record.smsSignInEnabled) state = 'notAllowedByPolicy';
      else
        state = this.smsSignInNumbers.has(phoneDigits(seeded.phoneNumber)) ? 'phoneNumberNotUnique' : 'ready';
      record.phones[type] = { phoneType: type, phoneNumber: seeded.phoneNumber, smsSignInState: state };
      if (type === 'mobile' && state === 'ready') {
        this.smsSignInNumbers.set(phoneDigits(seeded.phoneNumber), record.id);
      }
    }
  }

  private index(record: UserRecord): void {
    this.byId.set(record.id, record);
    this.byUpn.set(record.userPrincipalName.toLowerCase(), record);
    this.order.push(record);
    if (!record.softDeleted) this.liveCount++;
  }

  // ---- lookups -------------------------------------------------------------------------------------

  /** By object id or UPN, case-insensitive. Soft-deleted users are not found unless asked for. */
  findUser(key: string, options: { includeSoftDeleted?: boolean } = {}): UserRecord | undefined {
    const lower = key.toLowerCase();
    const record = this.byId.get(lower) ?? this.byUpn.get(lower);
    if (!record || record.purged) return undefined;
    if (record.softDeleted && !options.includeSoftDeleted) return undefined;
    return record;
  }

  /** Enumeration slot `index` (may be a tombstone or soft-deleted). */
  at(index: number): UserRecord | undefined {
    return this.order[index];
  }

  *liveUsers(): Generator<UserRecord> {
    for (const record of this.order) if (!record.purged && !record.softDeleted) yield record;
  }

  /** Was this user's id ever known (for `@removed` of purged users)? */
  knownId(id: string): boolean {
    return this.byId.has(id.toLowerCase());
  }

  /** An Authentication Administrator may manage this user's methods (reference/graph.md §3.3). */
  isManageableByAuthenticationAdministrator(user: UserRecord): boolean {
    return (
      !user.roleAssignableGroupMember &&
      !user.restrictedManagementAdministrativeUnit &&
      isManageableByAuthenticationAdministrator(user.roleTemplateIds)
    );
  }

  // ---- phone methods (reference/graph.md §1-2) -------------------------------------------------------

  listPhoneMethods(user: UserRecord): StoredPhoneMethod[] {
    return PHONE_TYPE_ORDER.flatMap((type) => (user.phones[type] ? [user.phones[type]] : []));
  }

  createPhoneMethod(user: UserRecord, type: PhoneType, rawNumber: string): PhoneWriteResult {
    const number = acceptPhoneNumber(rawNumber, this.rules.phoneFormat);
    if (number === undefined) return { ok: false, violation: 'invalidPhoneNumber' };
    if (user.phones[type]) return { ok: false, violation: 'duplicatePhoneType' };
    if (type === 'alternateMobile' && !user.phones.mobile) {
      return { ok: false, violation: 'alternateMobileWithoutMobile' };
    }
    this.audit(user, { operation: 'create', phoneType: type, phoneNumber: number });
    return this.writeNumber(user, type, number);
  }

  updatePhoneMethod(
    user: UserRecord,
    type: PhoneType,
    rawNumber: string,
    requestedType: PhoneType | undefined,
  ): PhoneWriteResult {
    if (!user.phones[type]) return { ok: false, violation: 'methodNotFound' };
    if (requestedType !== undefined && requestedType !== type)
      return { ok: false, violation: 'phoneTypeChange' };
    const number = acceptPhoneNumber(rawNumber, this.rules.phoneFormat);
    if (number === undefined) return { ok: false, violation: 'invalidPhoneNumber' };
    this.audit(user, { operation: 'update', phoneType: type, phoneNumber: number });
    return this.writeNumber(user, type, number);
  }

  deletePhoneMethod(user: UserRecord, type: PhoneType): PhoneDeleteResult {
    if (!user.phones[type]) return { ok: false, violation: 'methodNotFound' };
    if (type === 'mobile' && user.phones.alternateMobile)
      return { ok: false, violation: 'mobileWithAlternateMobile' };
    if (
      this.rules.defaultMethodDelete === 'refuseWhenOthers' &&
      user.defaultMfaMethod === type &&
      this.hasOtherMethods(user, type)
    ) {
      return { ok: false, violation: 'defaultMethod' };
    }
    this.audit(user, { operation: 'delete', phoneType: type });
    this.removePhone(user, type);
    if (user.defaultMfaMethod === type) user.defaultMfaMethod = null;
    return { ok: true };
  }

  /** `enableSmsSignIn` / `disableSmsSignIn` (reference/graph.md §2.6). */
  setSmsSignIn(user: UserRecord, type: PhoneType, enable: boolean): PhoneWriteResult {
    const method = user.phones[type];
    if (!method) return { ok: false, violation: 'methodNotFound' };
    if (type !== 'mobile') return { ok: true, method, notUnique: false, applied: 'now' };
    const digits = phoneDigits(method.phoneNumber);
    if (!enable) {
      if (this.smsSignInNumbers.get(digits) === user.id) this.smsSignInNumbers.delete(digits);
      method.smsSignInState = 'notEnabled';
      return { ok: true, method, notUnique: false, applied: 'now' };
    }
    const holder = this.smsSignInNumbers.get(digits);
    if (holder && holder !== user.id) {
      method.smsSignInState = 'phoneNumberNotUnique';
      return { ok: true, method, notUnique: true, applied: 'now' };
    }
    this.smsSignInNumbers.set(digits, user.id);
    method.smsSignInState = 'ready';
    return { ok: true, method, notUnique: false, applied: 'now' };
  }

  private audit(user: UserRecord, write: Omit<PhoneWriteRecord, 'at'>): void {
    const writes = (user.phoneWrites ??= []);
    writes.push({ at: new Date().toISOString(), ...write });
    if (writes.length > PHONE_WRITE_AUDIT_LIMIT) writes.splice(0, writes.length - PHONE_WRITE_AUDIT_LIMIT);
  }

  private hasOtherMethods(user: UserRecord, except: PhoneType): boolean {
    return (
      user.otherAuthenticationMethods.length > 0 ||
      PHONE_TYPE_ORDER.some((t) => t !== except && user.phones[t])
    );
  }

  private writeNumber(user: UserRecord, type: PhoneType, number: string): PhoneWriteResult {
    let state: SmsSignInState = 'notSupported';
    let notUnique = false;
    if (type === 'mobile') {
      if (!user.smsSignInEnabled) state = 'notAllowedByPolicy';
      else {
        const holder = this.smsSignInNumbers.get(phoneDigits(number));
        notUnique = holder !== undefined && holder !== user.id;
        state = notUnique ? 'phoneNumberNotUnique' : 'ready';
      }
    }
    const method: StoredPhoneMethod = { phoneType: type, phoneNumber: number, smsSignInState: state };
    if (notUnique && this.rules.phoneNumberNotUnique === 'conflictNotApplied') {
      return { ok: true, method, notUnique: true, applied: 'no' };
    }
    if (
      notUnique &&
      this.rules.phoneNumberNotUnique === 'conflictButApplied' &&
      this.rules.conflictApplyDelayMs > 0
    ) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!user.purged) this.putPhone(user, method);
      }, this.rules.conflictApplyDelayMs);
      timer.unref();
      this.timers.add(timer);
      return { ok: true, method, notUnique: true, applied: 'later' };
    }
    this.putPhone(user, method);
    const reportConflict = notUnique && this.rules.phoneNumberNotUnique !== 'appliedSilently';
    return { ok: true, method, notUnique: reportConflict, applied: 'now' };
  }

  private putPhone(user: UserRecord, method: StoredPhoneMethod): void {
    this.removePhone(user, method.phoneType);
    user.phones[method.phoneType] = method;
    if (method.phoneType === 'mobile' && method.smsSignInState === 'ready') {
      this.smsSignInNumbers.set(phoneDigits(method.phoneNumber), user.id);
    }
  }

  private removePhone(user: UserRecord, type: PhoneType): void {
    const existing = user.phones[type];
    if (!existing) return;
    const digits = phoneDigits(existing.phoneNumber);
    if (type === 'mobile' && this.smsSignInNumbers.get(digits) === user.id)
      this.smsSignInNumbers.delete(digits);
    delete user.phones[type];
  }

  // ---- directory changes (control API) ---------------------------------------------------------------

  addUser(seedUser: ValidSeedUser): UserRecord {
    const record = this.load(seedUser);
    this.emit(record.id, 'created', ['*']);
    return record;
  }

  /** Applies a patch; Graph-visible property changes are journaled and notified. */
  updateUser(user: UserRecord, patch: UserPatch): string[] {
    const changed: string[] = [];
    if (patch.userPrincipalName !== undefined && patch.userPrincipalName !== user.userPrincipalName) {
      const clash = this.byUpn.get(patch.userPrincipalName.toLowerCase());
      if (clash && clash !== user)
        throw new StoreError(`userPrincipalName ${patch.userPrincipalName} is taken`, 409);
      this.byUpn.delete(user.userPrincipalName.toLowerCase());
      user.userPrincipalName = patch.userPrincipalName;
      this.byUpn.set(user.userPrincipalName.toLowerCase(), user);
      changed.push('userPrincipalName');
    }
    if (patch.displayName !== undefined && patch.displayName !== user.displayName) {
      user.displayName = patch.displayName;
      changed.push('displayName');
    }
    for (const name of SIMPLE_PROPS) {
      const value = patch[name];
      if (value === undefined) continue;
      const current = user.props[name] ?? null;
      if (JSON.stringify(current) === JSON.stringify(value)) continue;
      if (value === null) delete user.props[name];
      else user.props[name] = value;
      changed.push(name);
    }
    if (patch.onPremisesExtensionAttributes) {
      if (this.setExtensionAttributes(user, patch.onPremisesExtensionAttributes).length > 0) {
        changed.push('onPremisesExtensionAttributes');
      }
    }
    if (patch.extensions) changed.push(...this.setExtensions(user, patch.extensions));
    // Not Graph user properties: no journal entry, no notification.
    if (patch.smsSignInEnabled !== undefined) user.smsSignInEnabled = patch.smsSignInEnabled;
    if (patch.defaultMfaMethod !== undefined) user.defaultMfaMethod = patch.defaultMfaMethod;
    if (patch.otherAuthenticationMethods !== undefined)
      user.otherAuthenticationMethods = patch.otherAuthenticationMethods;
    if (patch.directoryRoles !== undefined) {
      user.roleNames = patch.directoryRoles;
      user.roleTemplateIds = patch.directoryRoles.map(roleTemplateId);
    }
    if (patch.roleAssignableGroupMember !== undefined)
      user.roleAssignableGroupMember = patch.roleAssignableGroupMember;
    if (patch.restrictedManagementAdministrativeUnit !== undefined) {
      user.restrictedManagementAdministrativeUnit = patch.restrictedManagementAdministrativeUnit;
    }
    if (patch.password !== undefined) user.password = patch.password;
    if (patch.mfaRequired !== undefined) user.mfaRequired = patch.mfaRequired;
    if (changed.length > 0) this.emit(user.id, 'updated', changed);
    return changed;
  }

  /** Soft delete (restorable; delivered as `updated`) or permanent delete. */
  deleteUser(user: UserRecord, permanent: boolean): void {
    if (permanent) {
      for (const type of PHONE_TYPE_ORDER) this.removePhone(user, type);
      if (!user.softDeleted) this.liveCount--;
      user.purged = true;
      this.byUpn.delete(user.userPrincipalName.toLowerCase());
      this.emit(user.id, 'deleted', []);
      return;
    }
    if (user.softDeleted) return;
    user.softDeleted = true;
    this.liveCount--;
    this.emit(user.id, 'softDeleted', []);
  }

  restoreUser(user: UserRecord): void {
    if (!user.softDeleted) return;
    user.softDeleted = false;
    this.liveCount++;
    this.emit(user.id, 'restored', ['*']);
  }

  /** Sets a phone method directly, bypassing the API rules (test setup). No notification: not a user property. */
  setPhoneMethodDirect(
    user: UserRecord,
    type: PhoneType,
    phoneNumber: string | null,
    state?: SmsSignInState,
  ): void {
    if (phoneNumber === null) {
      this.removePhone(user, type);
      return;
    }
    const digits = phoneDigits(phoneNumber);
    const derived: SmsSignInState =
      type !== 'mobile'
        ? 'notSupported'
        : !user.smsSignInEnabled
          ? 'notAllowedByPolicy'
          : (this.smsSignInNumbers.get(digits) ?? user.id) !== user.id
            ? 'phoneNumberNotUnique'
            : 'ready';
    this.putPhone(user, { phoneType: type, phoneNumber, smsSignInState: state ?? derived });
  }

  private emit(userId: string, kind: JournalKind, properties: readonly string[]): void {
    const entry = this.journal.append(userId, kind, properties);
    const change: UserChange = { userId, kind, properties, sequenceNumber: entry.seq };
    for (const listener of this.listeners) listener(change);
  }
}
