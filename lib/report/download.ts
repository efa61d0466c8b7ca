import { stringify } from 'csv-stringify/sync';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { type Outcome } from '../sync/types';
import { csvRecord, REPORT_COLUMNS, type ReportRow } from './rows';
import { type ReportStore } from './blobReportStore';

export type ReportFormat = 'csv' | 'jsonl';

export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 * The report as a stream of text: the run's chunk blobs one after the other, line by line, filtered by
 * outcome, as JSON Lines or CSV (with a header row). At most one line of one blob is held at a time, so
 * a 100,000-user report costs no more memory than a 10-user one.
 */
export function reportStream(
  store: ReportStore,
  blobNames: readonly string[],
  format: ReportFormat,
  outcomes: ReadonlySet<Outcome> | undefined,
): Readable {
  return Readable.from(reportLines(store, blobNames, format, outcomes), { objectMode: false });
}

async function* reportLines(
  store: ReportStore,
  blobNames: readonly string[],
  format: ReportFormat,
  outcomes: ReadonlySet<Outcome> | undefined,
): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...REPORT_COLUMNS]]);
  for (const name of blobNames) {
    const lines = createInterface({ input: await store.openChunk(name), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as ReportRow;
      if (outcomes !== undefined && !outcomes.has(row.outcome)) continue;
      yield format === 'csv' ? stringify([csvRecord(row)]) : `${line}\n`;
    }
  }
}
