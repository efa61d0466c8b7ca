import { type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { createLogger } from '../lib/log';
import { processReportSettings, processReportStore } from '../lib/report/processReportStore';
import { purgeOldRuns, type PurgeClient } from '../lib/report/retention';

/**
 * Retention: once a day, delete reports and Durable history older than REPORT_RETENTION_DAYS (default 30).
 * A fixed daily schedule (03:30 UTC): a sweep is cheap and idempotent, so there is nothing to tune, and a
 * `%SETTING%` schedule would stop the function from indexing wherever the setting is missing.
 */
export async function reportRetention(
  _timer: Timer,
  client: PurgeClient,
  context: InvocationContext,
): Promise<void> {
  const { retentionDays } = processReportSettings();
  const result = await purgeOldRuns(processReportStore(), client, retentionDays, new Date());
  createLogger(context).info('retention sweep done', { retentionDays, ...result });
}

df.app.client.timer('reportRetention', {
  schedule: '0 30 3 * * *',
  handler: reportRetention,
});
