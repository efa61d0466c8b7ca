import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { notARunIdResponse, problemResponse, PROBLEM_TYPES } from '../lib/http/problem';
import { isRunId } from '../lib/runId';
import { findRun, isTerminal, runStatusView, type RunClient } from '../lib/runs';

/**
 * `GET /api/sync/{id}`: our own status view of a run (runtime status, live progress, summary). It never
 * hands out Durable's built-in management URLs: those carry a task-hub-wide system key.
 */
export async function httpStatus(
  request: HttpRequest,
  client: RunClient,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const runId = request.params.id ?? '';
  if (!isRunId(runId)) {
    return notARunIdResponse();
  }
  const status = await findRun(client, runId);
  if (status === undefined) {
    return problemResponse({
      type: PROBLEM_TYPES.notFound,
      title: 'Unknown run',
      status: 404,
      detail: `no run has the id '${runId}'`,
    });
  }
  const view = runStatusView(runId, status);
  return {
    status: 200,
    headers: isTerminal(view.runtimeStatus) ? {} : { 'Retry-After': '5' },
    jsonBody: view,
  };
}

df.app.client.http('httpStatus', {
  route: 'sync/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: httpStatus,
});
