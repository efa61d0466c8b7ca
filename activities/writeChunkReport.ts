import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { REPORT_ACTIVITY } from '../lib/functionNames';
import { createLogger } from '../lib/log';
import { type ReportStore } from '../lib/report/blobReportStore';
import { parseChunkReportInput } from '../lib/report/chunkReportInput';
import { processReportStore } from '../lib/report/processReportStore';
import { reportRowOf, toJsonLines } from '../lib/report/rows';

/**
 * Writes one chunk's rows of the full report (`<runId>/chunk-NNNNNN.jsonl`). Idempotent: a retry or a
 * replay writes the same blob name with the same rows, so the report never holds a user twice.
 */
export function writeChunkReportHandler(
  store: () => ReportStore,
): (input: unknown, context: InvocationContext) => Promise<{ rows: number }> {
  return async (input, context) => {
    const { runId, chunkIndex, outcomes } = parseChunkReportInput(input);
    const rows = outcomes.map((outcome) => reportRowOf(outcome, chunkIndex));
    await store().writeChunk(runId, chunkIndex, toJsonLines(rows));
    createLogger(context).debug('report chunk written', { runId, chunkIndex, rows: rows.length });
    return { rows: rows.length };
  };
}

df.app.activity(REPORT_ACTIVITY, { handler: writeChunkReportHandler(processReportStore) });
