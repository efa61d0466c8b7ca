import { type PurgeHistoryResult } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { type ReportStore } from '../../../lib/report/blobReportStore';
import { purgeOldRuns, type PurgeClient } from '../../../lib/report/retention';

describe('retention sweep', () => {
  it('deletes reports and purges finished history older than the retention, with one cutoff for both', async () => {
    const cutoffs: Date[] = [];
    const store: ReportStore = {
      writeChunk: () => Promise.reject(new Error('unused')),
      listChunks: () => Promise.reject(new Error('unused')),
      openChunk: () => Promise.reject(new Error('unused')),
      deleteOlderThan: (cutoff) => {
        cutoffs.push(cutoff);
        return Promise.resolve(4);
      },
    };
    const filters: Parameters<PurgeClient['purgeInstanceHistoryBy']>[0][] = [];
    const client: PurgeClient = {
      purgeInstanceHistoryBy: (filter) => {
        filters.push(filter);
        return Promise.resolve({ instancesDeleted: 9 } as PurgeHistoryResult);
      },
    };
    const result = await purgeOldRuns(store, client, 30, new Date('2026-03-31T00:00:00Z'));
    expect(result).toEqual({ cutoff: '2026-03-01T00:00:00.000Z', reportBlobsDeleted: 4, instancesPurged: 9 });
    expect(cutoffs).toEqual([new Date('2026-03-01T00:00:00Z')]);
    expect(filters[0]?.createdTimeTo).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(filters[0]?.runtimeStatus).toEqual(['Completed', 'Failed', 'Terminated']);
  });
});
