import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { notARunIdResponse } from '../lib/http/problem';
import { isRunId } from '../lib/runId';
import { renderStatusPage } from '../lib/view/statusPage';

/**
 * `GET /api/sync/{id}/view`: a run's status page (live progress, counts chart, failures, report links).
 * `GET /api/sync/view`: the recent runs. Both are the same small HTML page; its script reads the JSON doors
 * (`/api/sync/{id}`, `/api/sync`) with the key the page was opened with.
 */
export function httpRunView(request: HttpRequest): HttpResponseInit {
  if (!isRunId(request.params.id ?? '')) {
    return notARunIdResponse();
  }
  const page = renderStatusPage('run');
  return { status: 200, headers: page.headers, body: page.html };
}

export function httpRunsView(): HttpResponseInit {
  const page = renderStatusPage('runs');
  return { status: 200, headers: page.headers, body: page.html };
}

app.http('httpRunView', {
  route: 'sync/{id}/view',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request) => Promise.resolve(httpRunView(request)),
});

app.http('httpRunsView', {
  route: 'sync/view',
  methods: ['GET'],
  authLevel: 'function',
  handler: () => Promise.resolve(httpRunsView()),
});
