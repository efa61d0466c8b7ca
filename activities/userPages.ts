import * as df from 'durable-functions';
import { LOAD_CHUNK_USERS_ACTIVITY, STAGE_USERS_ACTIVITY } from '../lib/functionNames';
import { loadUsers, stageUsers } from '../lib/sync/userPageStore';
import { parseStagedUsersRef, parseStageUsersInput } from '../lib/sync/userPages';

/**
 * Thin adapters over lib/sync/userPageStore.ts: a long run stages its user list into page instances once,
 * and each chunk loads its slice. Both use the durable client bound to the activity.
 */
df.app.activity(STAGE_USERS_ACTIVITY, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: unknown, context) => {
    const pages = await stageUsers(df.getClient(context), parseStageUsersInput(input));
    return { pages };
  },
});

df.app.activity(LOAD_CHUNK_USERS_ACTIVITY, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: unknown, context) => loadUsers(df.getClient(context), parseStagedUsersRef(input)),
});
