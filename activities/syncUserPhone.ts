import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { USER_ACTIVITY } from '../lib/functionNames';
import { type GraphGateway } from '../lib/graph/gateway';
import { createLogger } from '../lib/log';
import { processGraphGateway } from '../lib/processServices';
import { parseUserInput } from '../lib/sync/runMessages';
import { syncUser } from '../lib/sync/syncUser';
import { type UserOutcome } from '../lib/sync/types';

/** Thin adapter: parse the input, hand over to `syncUser` (lib/sync/syncUser.ts), return its outcome. */
export function syncUserPhoneHandler(
  gateway: () => GraphGateway,
): (input: unknown, context: InvocationContext) => Promise<UserOutcome> {
  return async (input, context) => syncUser(parseUserInput(input), gateway(), createLogger(context));
}

df.app.activity(USER_ACTIVITY, { handler: syncUserPhoneHandler(processGraphGateway) });
