import { ROLE } from '../store/directoryRoles';
import { type TenantStore } from '../store/tenantStore';
import { isBasicProperty, type UserRecord } from '../store/users';
import { type UndocumentedChoices } from '../options';
import { errors, GraphError } from './errors';
import { type Principal } from './principal';

/**
 * Permission rules of reference/graph.md §3: application permissions (`roles`) for app-only callers;
 * delegated permissions (`scp`) *and* the signed-in user's directory roles (`wids`) for delegated callers.
 */

const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_USERS_BASIC = 'User.ReadBasic.All';
const READ_PHONE_APP = [
  'UserAuthenticationMethod.Read.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'UserAuthMethod-Phone.Read.All',
  'UserAuthMethod-Phone.ReadWrite.All',
];
const WRITE_PHONE_APP = ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-Phone.ReadWrite.All'];
const READ_PHONE_DELEGATED = [
  ...READ_PHONE_APP,
  'UserAuthenticationMethod.Read',
  'UserAuthenticationMethod.ReadWrite',
  'UserAuthMethod-Phone.Read',
  'UserAuthMethod-Phone.ReadWrite',
];
const WRITE_PHONE_DELEGATED = [
  ...WRITE_PHONE_APP,
  'UserAuthenticationMethod.ReadWrite',
  'UserAuthMethod-Phone.ReadWrite',
];

function hasAny(granted: ReadonlySet<string>, wanted: readonly string[]): boolean {
  return wanted.some((w) => granted.has(w));
}

function permissionsOf(principal: Principal): ReadonlySet<string> {
  return principal.kind === 'app' ? principal.roles : principal.scopes;
}

/** Reading users (get, list, delta, subscribing to users). `selected`: the $select-ed properties. */
export function authorizeUserRead(principal: Principal, selected: readonly string[] | 'default'): void {
  const granted = permissionsOf(principal);
  if (hasAny(granted, READ_USERS)) return;
  if (granted.has(READ_USERS_BASIC) && selected !== 'default' && selected.every(isBasicProperty)) return;
  throw errors.directoryForbidden();
}

export interface PhoneReadAccess {
  /** Numbers must be masked (delegated Authentication Administrator, graph.md §2.1). */
  masked: boolean;
}

export class PhoneMethodAuthorizer {
  constructor(
    private readonly store: TenantStore,
    private readonly choices: UndocumentedChoices,
  ) {}

  private forbidden(message: string): GraphError {
    return GraphError.from(this.choices.authMethodsForbidden, message);
  }

  read(principal: Principal, target: UserRecord): PhoneReadAccess {
    if (principal.kind === 'app') {
      if (!hasAny(principal.roles, READ_PHONE_APP)) throw this.forbidden('Request Authorization failed');
      return { masked: false };
    }
    if (!hasAny(principal.scopes, READ_PHONE_DELEGATED)) throw this.forbidden('Request Authorization failed');
    if (principal.userId === target.id) return { masked: false };
    const roles = principal.roleTemplateIds;
    if (
      roles.has(ROLE.globalAdministrator) ||
      roles.has(ROLE.privilegedAuthenticationAdministrator) ||
      roles.has(ROLE.globalReader)
    ) {
      return { masked: false };
    }
    if (roles.has(ROLE.authenticationAdministrator)) {
      if (!this.store.isManageableByAuthenticationAdministrator(target)) {
        throw this.forbidden('Request Authorization failed: the target user holds a privileged role.');
      }
      return { masked: true };
    }
    throw this.forbidden('Request Authorization failed');
  }

  write(principal: Principal, target: UserRecord): void {
    if (principal.kind === 'app') {
      if (!hasAny(principal.roles, WRITE_PHONE_APP)) throw this.forbidden('Request Authorization failed');
      return;
    }
    if (!hasAny(principal.scopes, WRITE_PHONE_DELEGATED))
      throw this.forbidden('Request Authorization failed');
    if (principal.userId === target.id) {
      throw this.forbidden('Request Authorization failed: self-service operations are not supported.');
    }
    const roles = principal.roleTemplateIds;
    if (roles.has(ROLE.globalAdministrator) || roles.has(ROLE.privilegedAuthenticationAdministrator)) return;
    if (roles.has(ROLE.authenticationAdministrator)) {
      if (this.store.isManageableByAuthenticationAdministrator(target)) return;
      throw this.forbidden('Request Authorization failed: the target user holds a privileged role.');
    }
    throw this.forbidden('Request Authorization failed');
  }
}
