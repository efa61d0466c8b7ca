import { describe, expect, it } from 'vitest';
import { chunkBlobName, runIdOfBlob } from '../../../lib/report/blobNames';
import {
  csvRecord,
  csvSafeCell,
  parseOutcomeFilter,
  reportRowOf,
  toJsonLines,
} from '../../../lib/report/rows';
import { loadReportSettings, ReportSettingsError } from '../../../lib/report/settings';

describe('report rows', () => {
  it('names chunk blobs by run and zero-padded index, so they sort in chunk order', () => {
    expect(chunkBlobName('run-1', 7)).toBe('run-1/chunk-000007.jsonl');
    expect([chunkBlobName('r', 10), chunkBlobName('r', 9)].sort()).toEqual([
      'r/chunk-000009.jsonl',
      'r/chunk-000010.jsonl',
    ]);
    expect(runIdOfBlob('run-1/chunk-000007.jsonl')).toBe('run-1');
    expect(() => chunkBlobName('r', -1)).toThrow(RangeError);
  });

  it('never carries a full number, even one that slipped into a reason, detail or user key', () => {
    const row = reportRowOf(
      {
        user: '+491701234567@contoso.com',
        outcome: 'failed',
        reason: 'Graph said +49 170 1234567 is bad',
        before: '+49 ********67',
        detail: 'tried 0170 1234567',
      },
      3,
    );
    const text = toJsonLines([row]);
    expect(text).not.toMatch(/1234567/);
    expect(row.before).toBe('+49 ********67');
    expect(row.chunk).toBe(3);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('guards CSV cells that a spreadsheet would run as a formula', () => {
    for (const cell of ['=1+1', '+49 ********67', '-2', '@SUM(A1)', '\tx', '\rx'])
      expect(csvSafeCell(cell).startsWith("'")).toBe(true);
    expect(csvSafeCell('anna@contoso.com')).toBe('anna@contoso.com');
    const record = csvRecord(
      reportRowOf({ user: '=HYPERLINK("x")', outcome: 'invalid', reason: 'attributeInvalid' }, 0),
    );
    expect(record[0]).toBe('\'=HYPERLINK("x")');
  });

  it('parses an outcome filter and names unknown outcomes instead of returning nothing', () => {
    const ok = parseOutcomeFilter('invalid, failed');
    expect(ok.ok && [...(ok.outcomes ?? [])]).toEqual(['invalid', 'failed']);
    expect(parseOutcomeFilter(null)).toEqual({ ok: true, outcomes: undefined });
    expect(parseOutcomeFilter('invalid,brokn')).toEqual({ ok: false, unknown: ['brokn'] });
  });
});

describe('report settings', () => {
  it('uses the managed identity with a blob service URI or an account name, a connection string locally', () => {
    expect(loadReportSettings({ AzureWebJobsStorage__accountName: 'stmfa01' }).connection).toEqual({
      kind: 'identity',
      serviceUrl: 'https://stmfa01.blob.core.windows.net',
      clientId: undefined,
    });
    const settings = loadReportSettings({
      AzureWebJobsStorage__blobServiceUri: 'https://stmfa01.blob.core.windows.net/',
      AzureWebJobsStorage__clientId: 'abc',
      REPORT_RETENTION_DAYS: '7',
      REPORT_CONTAINER: 'my-reports',
    });
    expect(settings).toMatchObject({ container: 'my-reports', retentionDays: 7 });
    expect(settings.connection).toMatchObject({
      serviceUrl: 'https://stmfa01.blob.core.windows.net',
      clientId: 'abc',
    });
    expect(loadReportSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).container).toBe(
      'sync-reports',
    );
  });

  it('names every bad setting and never its value', () => {
    let error: unknown;
    try {
      loadReportSettings({ REPORT_CONTAINER: 'Bad_Name', REPORT_RETENTION_DAYS: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReportSettingsError);
    const problems = (error as ReportSettingsError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('Bad_Name');
  });
});
