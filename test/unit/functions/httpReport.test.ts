import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { text } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { httpReport } from '../../../functions/httpReport';
import { type ReportStore } from '../../../lib/report/blobReportStore';
import { reportRowOf, toJsonLines } from '../../../lib/report/rows';
import { ReportSettingsError } from '../../../lib/report/settings';
import { FakeRunClient } from '../../support/fakeRunClient';

/** An in-memory store with the blob store's contract (names sorted, overwrite on rewrite). */
function memoryStore(blobs: Map<string, string>): ReportStore {
  return {
    writeChunk: (runId, chunkIndex, jsonLines) => {
      blobs.set(`${runId}/chunk-${String(chunkIndex).padStart(6, '0')}.jsonl`, jsonLines);
      return Promise.resolve();
    },
    listChunks: (runId) =>
      Promise.resolve([...blobs.keys()].filter((name) => name.startsWith(`${runId}/`)).sort()),
    openChunk: (name) => Promise.resolve(Readable.from([blobs.get(name) ?? ''])),
    deleteOlderThan: () => Promise.resolve(0),
  };
}

async function call(
  client: FakeRunClient,
  store: () => ReportStore,
  path: string,
): Promise<HttpResponseInit> {
  const url = new URL(`http://localhost/api/sync/${path}`);
  const id = decodeURIComponent(url.pathname.split('/')[3] ?? '');
  return httpReport(
    new HttpRequest({ method: 'GET', url: url.toString(), params: { id } }),
    client,
    new InvocationContext(),
    store,
  );
}

async function runWithReport(): Promise<{ client: FakeRunClient; store: ReportStore }> {
  const client = new FakeRunClient();
  await client.startNew('syncPhoneNumbers', { instanceId: 'run-1', input: {} });
  client.update('run-1', {
    runtimeStatus: 'Completed',
    customStatus: { stage: 'completed', total: 3, done: 3, counts: {}, chunks: { total: 2, done: 2 } },
  });
  const store = memoryStore(new Map());
  await store.writeChunk(
    'run-1',
    0,
    toJsonLines([
      reportRowOf(
        { user: 'a@contoso.com', outcome: 'created', reason: 'methodMissing', after: '+49 ********67' },
        0,
      ),
      reportRowOf({ user: 'b@contoso.com', outcome: 'invalid', reason: 'attributeInvalid' }, 0),
    ]),
  );
  await store.writeChunk(
    'run-1',
    1,
    toJsonLines([reportRowOf({ user: '=c', outcome: 'failed', reason: 'x' }, 1)]),
  );
  return { client, store };
}

describe('GET /api/sync/{id}/report', () => {
  it('streams CSV (header, formula guard) or JSON Lines, filtered by outcome; complete once every chunk wrote', async () => {
    const { client, store } = await runWithReport();
    const csv = await call(client, () => store, 'run-1/report?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers).toMatchObject({
      'Content-Type': 'text/csv; charset=utf-8',
      'Report-Complete': 'true',
    });
    expect(await text(csv.body as Readable)).toBe(
      "user,userId,outcome,reason,before,after,detail,chunk\na@contoso.com,,created,methodMissing,,'+49 ********67,,0\nb@contoso.com,,invalid,attributeInvalid,,,,0\n'=c,,failed,x,,,,1\n",
    );
    const jsonl = await call(client, () => store, 'run-1/report?format=jsonl&outcome=invalid,failed');
    const lines = (await text(jsonl.body as Readable)).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { user: string }).user)).toEqual(['b@contoso.com', '=c']);
  });

  it('says the report is partial while a chunk is missing', async () => {
    const { client } = await runWithReport();
    const blobs = new Map([['run-1/chunk-000000.jsonl', toJsonLines([])]]);
    const response = await call(client, () => memoryStore(blobs), 'run-1/report');
    expect(response.headers).toMatchObject({ 'Report-Complete': 'false' });
  });

  it('answers 404 for an unknown run and for a run with no rows yet, 400 for bad parameters', async () => {
    const { client, store } = await runWithReport();
    expect((await call(client, () => store, 'run-2/report')).status).toBe(404);
    await client.startNew('syncPhoneNumbers', { instanceId: 'run-3', input: {} });
    const notYet = await call(client, () => store, 'run-3/report');
    expect(notYet.status).toBe(404);
    expect(notYet.headers).toMatchObject({ 'Retry-After': '5' });
    expect((await call(client, () => store, 'run-1/report?format=xml')).status).toBe(400);
    expect((await call(client, () => store, 'run-1/report?outcome=created,nope')).status).toBe(400);
    expect((await call(client, () => store, '%40bad/report')).status).toBe(400);
  });

  it('answers 500 naming the missing setting when report storage is not configured', async () => {
    const { client } = await runWithReport();
    const response = await call(
      client,
      () => {
        throw new ReportSettingsError(['no report storage: set AzureWebJobsStorage__accountName']);
      },
      'run-1/report',
    );
    expect(response.status).toBe(500);
    expect(String(response.body)).toContain('AzureWebJobsStorage__accountName');
  });
});
