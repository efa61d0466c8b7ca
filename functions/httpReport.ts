import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { notARunIdResponse, problemResponse, PROBLEM_TYPES } from '../lib/http/problem';
import { createLogger } from '../lib/log';
import { type ReportStore } from '../lib/report/blobReportStore';
import { REPORT_CONTENT_TYPES, type ReportFormat, reportStream } from '../lib/report/download';
import { processReportStore } from '../lib/report/processReportStore';
import { parseOutcomeFilter } from '../lib/report/rows';
import { ReportSettingsError } from '../lib/report/settings';
import { isRunId } from '../lib/runId';
import { findRun, isTerminal, runStatusView, type RunClient } from '../lib/runs';

/**
 * `GET /api/sync/{id}/report?format=csv|jsonl&outcome=invalid,failed`: every user's outcome of a run, read
 * from its chunk blobs one line at a time and handed to the host as a stream. `404` until the first chunk
 * is written. `Report-Complete: false` says rows are still missing (run still going, or a chunk whose
 * report could not be written).
 */
export async function httpReport(
  request: HttpRequest,
  client: RunClient,
  context: InvocationContext,
  store: () => ReportStore = processReportStore,
): Promise<HttpResponseInit> {
  const runId = request.params.id ?? '';
  if (!isRunId(runId)) {
    return notARunIdResponse();
  }
  const formatText = request.query.get('format') ?? 'csv';
  if (formatText !== 'csv' && formatText !== 'jsonl') {
    return problemResponse({
      type: PROBLEM_TYPES.invalidQuery,
      title: 'Invalid format',
      status: 400,
      detail: "the 'format' query parameter must be csv or jsonl",
    });
  }
  const format: ReportFormat = formatText;
  const filter = parseOutcomeFilter(request.query.get('outcome'));
  if (!filter.ok) {
    return problemResponse({
      type: PROBLEM_TYPES.invalidQuery,
      title: 'Invalid outcome filter',
      status: 400,
      detail: `unknown outcome(s): ${filter.unknown.join(', ')}`,
    });
  }

  const status = await findRun(client, runId);
  if (status === undefined) return notFound(`no run has the id '${runId}'`);
  const view = runStatusView(runId, status);

  let reportStore: ReportStore;
  let chunks: string[];
  try {
    reportStore = store();
    chunks = await reportStore.listChunks(runId);
  } catch (error) {
    if (error instanceof ReportSettingsError) {
      createLogger(context).error(error.message);
      return problemResponse({
        type: PROBLEM_TYPES.misconfigured,
        title: 'Report storage is not configured',
        status: 500,
        detail: error.message,
      });
    }
    throw error;
  }
  const terminal = isTerminal(view.runtimeStatus);
  if (chunks.length === 0) {
    return notFound(`the report of run '${runId}' has no rows yet`, terminal ? {} : { 'Retry-After': '5' });
  }
  const chunksTotal = view.progress?.chunks.total;
  const complete = terminal && chunksTotal !== undefined && chunks.length >= chunksTotal;
  return {
    status: 200,
    headers: {
      'Content-Type': REPORT_CONTENT_TYPES[format],
      'Content-Disposition': `attachment; filename="${runId}.${format}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Report-Complete': String(complete),
    },
    body: reportStream(reportStore, chunks, format, filter.outcomes),
  };
}

function notFound(detail: string, headers: Record<string, string> = {}): HttpResponseInit {
  return problemResponse({ type: PROBLEM_TYPES.notFound, title: 'No report', status: 404, detail }, headers);
}

df.app.client.http('httpReport', {
  route: 'sync/{id}/report',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, client, context) => httpReport(request, client, context),
});
