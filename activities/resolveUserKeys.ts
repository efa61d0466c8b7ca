import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { RESOLVE_USER_KEYS_ACTIVITY } from '../lib/functionNames';
import { createLogger } from '../lib/log';
import { processGraphGateway } from '../lib/processServices';
import { parseResolveKeysInput, resolveKeys } from '../lib/sync/identity';

/** Thin adapter over lib/sync/identity.ts: who each key of a mixed batch is, through the shared gateway. */
df.app.activity(RESOLVE_USER_KEYS_ACTIVITY, {
  handler: async (input: unknown, context: InvocationContext) =>
    resolveKeys(processGraphGateway(), parseResolveKeysInput(input), createLogger(context)),
});
