import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../lib/config';
import { startReconciliation } from '../lib/directory/reconcileRuns';
import { getDirectorySettings } from '../lib/directory/settings';
import { RECONCILE_INSTANCE_ID } from '../lib/functionNames';
import { problemResponse, PROBLEM_TYPES } from '../lib/http/problem';
import { createLogger } from '../lib/log';
import { findRun, type RunClient } from '../lib/runs';

/**
 * Delta reconciliation doors: `POST /api/reconcile` (function key; optional `?dryRun=true`), `GET
 * /api/reconcile` (status of the current or last round), and a timer on RECONCILE_SCHEDULE when set.
 */
export async function reconcileHttp(
  request: HttpRequest,
  client: RunClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  if (request.method === 'GET') {
    const status = await findRun(client, RECONCILE_INSTANCE_ID);
    if (status === undefined) {
      return problemResponse({
        type: PROBLEM_TYPES.notFound,
        title: 'No reconciliation yet',
        status: 404,
        detail: 'POST /api/reconcile starts the first round',
      });
    }
    return {
      status: 200,
      jsonBody: {
        id: RECONCILE_INSTANCE_ID,
        runtimeStatus: String(status.runtimeStatus),
        lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
        // Custom status and output hold counts only (no numbers); the deltaLink is left out.
        progress: status.customStatus ?? null,
        summary: summaryWithoutLink(status.output),
      },
    };
  }
  const dryRunText = request.query.get('dryRun');
  if (dryRunText !== null && !/^(true|false)$/i.test(dryRunText)) {
    return problemResponse({
      type: PROBLEM_TYPES.invalidQuery,
      title: 'Invalid dryRun parameter',
      status: 400,
      detail: "the 'dryRun' query parameter must be true or false",
    });
  }
  const config = getConfig();
  const dryRun = dryRunText === null ? config.dryRunDefault : dryRunText.toLowerCase() === 'true';
  const started = await startReconciliation(client, config, dryRun);
  createLogger(context).info('reconciliation requested', { result: started.kind, dryRun });
  return {
    status: 202,
    headers: { Location: new URL('/api/reconcile', request.url).toString() },
    jsonBody: { id: RECONCILE_INSTANCE_ID, ...started },
  };
}

function summaryWithoutLink(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return null;
  const { deltaLink: _omitted, ...rest } = output as Record<string, unknown>;
  return rest;
}

df.app.client.http('reconcileStart', {
  route: 'reconcile',
  methods: ['POST', 'GET'],
  authLevel: 'function',
  handler: reconcileHttp,
});

const schedule = getDirectorySettings().reconcileSchedule;
if (schedule !== null) {
  df.app.client.timer('reconcileTimer', {
    schedule,
    handler: async (_timer: unknown, client: RunClient, context: InvocationContext) => {
      const started = await startReconciliation(client, getConfig(), getConfig().dryRunDefault);
      createLogger(context).info('scheduled reconciliation', { result: started.kind });
    },
  });
}
