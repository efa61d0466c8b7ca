import * as df from 'durable-functions';
import { parseReconcilePageInput, reconcilePage } from '../lib/directory/reconcile';
import { processDirectoryApi, processPilotScope } from '../lib/directory/services';
import { RECONCILE_PAGE_ACTIVITY } from '../lib/functionNames';
import { createLogger } from '../lib/log';
import { processGraphGateway } from '../lib/processServices';

/** Thin adapter: one `/users/delta` page, synced (lib/directory/reconcile.ts). */
df.app.activity(RECONCILE_PAGE_ACTIVITY, {
  handler: (input: unknown, context) =>
    reconcilePage(parseReconcilePageInput(input), {
      directory: processDirectoryApi(),
      graph: processGraphGateway(),
      scope: processPilotScope(),
      log: createLogger(context),
    }),
});
