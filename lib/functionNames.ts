/** Names under which the app registers its orchestrations and activities (shared by callers and callees). */
export const SYNC_ORCHESTRATION = 'syncPhoneNumbers';
export const CHUNK_ORCHESTRATION = 'syncPhoneNumbersChunk';
export const USER_ACTIVITY = 'syncUserPhone';
export const REPORT_ACTIVITY = 'writeChunkReport';
