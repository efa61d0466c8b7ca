/** Names under which the app registers its orchestrations and activities (shared by callers and callees). */
export const SYNC_ORCHESTRATION = 'syncPhoneNumbers';
export const CHUNK_ORCHESTRATION = 'syncPhoneNumbersChunk';
export const USER_ACTIVITY = 'syncUserPhone';
export const REPORT_ACTIVITY = 'writeChunkReport';
export const RECONCILE_ORCHESTRATION = 'reconcileDirectory';
export const RECONCILE_PAGE_ACTIVITY = 'reconcileDeltaPage';
/** Reconciliation is a singleton: one instance id, so two starts never page the directory twice. */
export const RECONCILE_INSTANCE_ID = 'reconcile-directory';
