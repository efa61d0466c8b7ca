import { z } from 'zod';

/**
 * Where the full reports live. In Azure: the app's own storage account through its managed identity
 * (`AzureWebJobsStorage__blobServiceUri` or `__accountName`, optionally `__clientId` for a user-assigned
 * identity), no keys. Locally: a connection string in `AzureWebJobsStorage` (Azurite's, see dev/azurite.ts).
 *
 * Read apart from lib/config.ts on purpose: the sync itself must keep working when reporting is not set up,
 * and a report door must explain a missing setting rather than take the whole app down.
 */
export type ReportConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; serviceUrl: string; clientId: string | undefined };

export interface ReportSettings {
  connection: ReportConnection;
  container: string;
  retentionDays: number;
}

export class ReportSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid report settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ReportSettingsError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_REPORT_CONTAINER = 'sync-reports';
export const DEFAULT_RETENTION_DAYS = 30;

// Blob container naming rules: 3-63 chars, lowercase letters, digits, single dashes, no dash at either end.
const containerName = z
  .string()
  .regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'must be 3-63 lowercase letters, digits and single dashes');
const retentionDays = z.coerce.number().int().min(1).max(3650);

export function loadReportSettings(env: Env): ReportSettings {
  const problems: string[] = [];
  const container = containerName.safeParse(env['REPORT_CONTAINER'] ?? DEFAULT_REPORT_CONTAINER);
  if (!container.success)
    problems.push(`REPORT_CONTAINER ${container.error.issues[0]?.message ?? 'is invalid'}`);
  const retention = retentionDays.safeParse(env['REPORT_RETENTION_DAYS'] ?? DEFAULT_RETENTION_DAYS);
  if (!retention.success)
    problems.push('REPORT_RETENTION_DAYS must be a whole number of days from 1 to 3650');
  const connection = readConnection(env, problems);
  if (problems.length > 0 || connection === undefined || !container.success || !retention.success) {
    throw new ReportSettingsError(problems);
  }
  return { connection, container: container.data, retentionDays: retention.data };
}

function readConnection(env: Env, problems: string[]): ReportConnection | undefined {
  const connectionString = nonEmpty(env['AzureWebJobsStorage']);
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  const clientId = nonEmpty(env['AzureWebJobsStorage__clientId']);
  const serviceUri = nonEmpty(env['AzureWebJobsStorage__blobServiceUri']);
  if (serviceUri !== undefined) {
    if (!/^https:\/\/[^/?#]+\/?$/i.test(serviceUri)) {
      problems.push('AzureWebJobsStorage__blobServiceUri must be an https URL of a blob service');
      return undefined;
    }
    return { kind: 'identity', serviceUrl: serviceUri.replace(/\/$/, ''), clientId };
  }
  const accountName = nonEmpty(env['AzureWebJobsStorage__accountName']);
  if (accountName !== undefined) {
    if (!/^[a-z0-9]{3,24}$/.test(accountName)) {
      problems.push(
        'AzureWebJobsStorage__accountName must be a storage account name (3-24 lowercase letters/digits)',
      );
      return undefined;
    }
    return { kind: 'identity', serviceUrl: `https://${accountName}.blob.core.windows.net`, clientId };
  }
  problems.push(
    'no report storage: set AzureWebJobsStorage__blobServiceUri or AzureWebJobsStorage__accountName (managed identity), or AzureWebJobsStorage (connection string, local)',
  );
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
