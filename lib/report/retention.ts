import { type DurableClient, OrchestrationRuntimeStatus } from 'durable-functions';
import { type ReportStore } from './blobReportStore';

/** The part of Durable's client the retention sweep uses. */
export type PurgeClient = Pick<DurableClient, 'purgeInstanceHistoryBy'>;

export interface RetentionResult {
  cutoff: string;
  reportBlobsDeleted: number;
  instancesPurged: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Only finished instances may be purged (Durable refuses running ones); a run still going is kept whole. */
const PURGEABLE = [
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
];

/**
 * Deletes report blobs last written, and finished Durable instances (runs and their chunk
 * sub-orchestrations) created, more than `retentionDays` before `now`: a run's report and its history go
 * together, so the runs list never shows a run whose report is gone for long.
 */
export async function purgeOldRuns(
  store: ReportStore,
  client: PurgeClient,
  retentionDays: number,
  now: Date,
): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const reportBlobsDeleted = await store.deleteOlderThan(cutoff);
  const purged = await client.purgeInstanceHistoryBy({
    createdTimeFrom: new Date(0),
    createdTimeTo: cutoff,
    runtimeStatus: PURGEABLE,
  });
  return { cutoff: cutoff.toISOString(), reportBlobsDeleted, instancesPurged: purged.instancesDeleted };
}
