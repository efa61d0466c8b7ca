/** Who is calling Graph, as established from a verified access token. */
export type Principal = AppPrincipal | UserPrincipal;

export interface AppPrincipal {
  kind: 'app';
  appId: string;
  tenantId: string;
  /** Service principal object id (`oid`). */
  objectId: string;
  /** Application permissions (`roles` claim). */
  roles: ReadonlySet<string>;
}

export interface UserPrincipal {
  kind: 'user';
  appId: string;
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  /** Delegated permissions (`scp` claim). */
  scopes: ReadonlySet<string>;
  /** Directory role template ids (`wids` claim). */
  roleTemplateIds: ReadonlySet<string>;
}
