import { parse } from 'csv-parse/sync';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../dev/azurite';
import { createBlobReportStore, type ReportStore } from '../../lib/report/blobReportStore';
import { reportStream } from '../../lib/report/download';
import { reportRowOf, toJsonLines } from '../../lib/report/rows';
import { type Outcome } from '../../lib/sync/types';

/** The report store through the real @azure/storage-blob client against Azurite (Microsoft's emulator). */
let azurite: RunningAzurite;
let store: ReportStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = createBlobReportStore({
    connection: { kind: 'connectionString', connectionString: azurite.connectionString },
    container: 'sync-reports',
    retentionDays: 30,
  });
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const rows = (chunk: number, outcomes: Outcome[]): string =>
  toJsonLines(
    outcomes.map((outcome, i) =>
      reportRowOf(
        { user: `u${chunk}-${i}@contoso.com`, outcome, reason: 'r', after: '+49 ********67' },
        chunk,
      ),
    ),
  );

describe('blob report store (Azurite)', () => {
  it('answers no chunks before anything was written, even before the container exists', async () => {
    expect(await store.listChunks('run-none')).toEqual([]);
  });

  it('overwrites a chunk written twice (retry, replay) instead of duplicating its rows', async () => {
    await store.writeChunk('run-a', 1, rows(1, ['created', 'invalid']));
    await store.writeChunk('run-a', 0, rows(0, ['unchanged']));
    await store.writeChunk('run-a', 1, rows(1, ['created', 'invalid']));
    const chunks = await store.listChunks('run-a');
    expect(chunks).toEqual(['run-a/chunk-000000.jsonl', 'run-a/chunk-000001.jsonl']);
    const jsonl = await text(reportStream(store, chunks, 'jsonl', undefined));
    expect(
      jsonl
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { user: string }).user),
    ).toEqual(['u0-0@contoso.com', 'u1-0@contoso.com', 'u1-1@contoso.com']);
  });

  it('streams CSV with a header, filtered by outcome, masked numbers guarded against formulas', async () => {
    const chunks = await store.listChunks('run-a');
    const csv = await text(reportStream(store, chunks, 'csv', new Set<Outcome>(['created'])));
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    expect(records).toEqual([expect.objectContaining({ user: 'u1-0@contoso.com', outcome: 'created' })]);
    expect(records[0]?.after).toBe("'+49 ********67");
  });

  it('keeps runs apart: one run id that prefixes another does not see its chunks', async () => {
    await store.writeChunk('run-a2', 0, rows(0, ['failed']));
    expect(await store.listChunks('run-a')).toHaveLength(2);
  });

  it('purges blobs written before the cutoff and keeps newer ones', async () => {
    expect(await store.deleteOlderThan(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.deleteOlderThan(new Date(Date.now() + 60_000))).toBe(3);
    expect(await store.listChunks('run-a')).toEqual([]);
  });
});
