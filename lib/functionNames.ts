/** Names under which the app registers its orchestrations and activities (shared by callers and callees). */
export const SYNC_ORCHESTRATION = 'syncPhoneNumbers';
export const CHUNK_ORCHESTRATION = 'syncPhoneNumbersChunk';
export const USER_ACTIVITY = 'syncUserPhone';
export const REPORT_ACTIVITY = 'writeChunkReport';
export const RECONCILE_ORCHESTRATION = 'reconcileDirectory';
export const RECONCILE_PAGE_ACTIVITY = 'reconcileDeltaPage';
/** Reconciliation is a singleton: one instance id, so two starts never page the directory twice. */
export const RECONCILE_INSTANCE_ID = 'reconcile-directory';
/** Stages a long run's user list into pages, and a chunk's loader of its slice (lib/sync/userPages.ts). */
export const STAGE_USERS_ACTIVITY = 'stageRunUsers';
export const LOAD_CHUNK_USERS_ACTIVITY = 'loadChunkUsers';
/** The tiny orchestration whose stored input is one page of a staged run's users. */
export const USERS_PAGE_ORCHESTRATION = 'syncRunUsersPage';
/** Resolves a mixed batch's object ids or UPNs, so one person is one outcome (lib/sync/identity.ts). */
export const RESOLVE_USER_KEYS_ACTIVITY = 'resolveUserKeys';
