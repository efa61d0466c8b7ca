import { z } from 'zod';

/**
 * Settings of the automatic doors (Graph change events, subscription upkeep, delta reconciliation,
 * pilot scope). Kept apart from lib/config.ts: none of them is needed by the HTTP and queue doors, and
 * without them the automatic doors start nothing (local runs keep working unchanged).
 */
export interface DirectorySettings {
  /** The `clientState` secret the subscription is created with and every event must carry. */
  clientState: string | null;
  /** Graph `notificationUrl` (`EventGrid:?azuresubscriptionid=…` form in Azure). */
  notificationUrl: string | null;
  /** Graph `lifecycleNotificationUrl`; defaults to the notification URL (same partner topic). */
  lifecycleNotificationUrl: string | null;
  /** Requested subscription lifetime; users allow at most 41,760 minutes. */
  subscriptionMinutes: number;
  /** Renew when the subscription expires within this many hours. */
  renewWithinHours: number;
  /** How long the event door collects changed users before it starts one run for them. */
  batchWindowMs: number;
  /** Most users one event run carries; a bigger burst becomes several runs. */
  batchMaxUsers: number;
  /** When set, the automatic doors sync only transitive members of this group. */
  pilotGroupId: string | null;
  /** NCRONTAB schedule of the subscription upkeep timer. */
  upkeepSchedule: string;
  /** NCRONTAB schedule of delta reconciliation; null = only on demand. */
  reconcileSchedule: string | null;
}

/** Users' maximum subscription lifetime (reference/graph.md §7.1), minus a minute of clock skew. */
export const MAX_USER_SUBSCRIPTION_MINUTES = 41_760;
export const DEFAULT_SUBSCRIPTION_MINUTES = MAX_USER_SUBSCRIPTION_MINUTES - 1;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Six-field NCRONTAB (seconds first), as Azure Functions timers take it. */
const NCRONTAB = /^\S+( \S+){5}$/;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const notificationUrl = optionalText.refine(
  (value) => value === undefined || /^EventGrid:\?/.test(value) || /^https?:\/\//.test(value),
  'expected an "EventGrid:?azuresubscriptionid=…" URL or an http(s) URL',
);

function integer(fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      const text = value?.trim() ?? '';
      if (text === '') return fallback;
      const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(number >= min && number <= max)) {
        context.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return number;
    });
}

const schema = z.object({
  EVENTS_CLIENT_STATE: optionalText.refine(
    (value) => value === undefined || (value.length >= 16 && value.length <= 128),
    'must be 16 to 128 characters (Graph allows up to 128)',
  ),
  EVENTS_NOTIFICATION_URL: notificationUrl,
  EVENTS_LIFECYCLE_NOTIFICATION_URL: notificationUrl,
  EVENTS_SUBSCRIPTION_MINUTES: integer(DEFAULT_SUBSCRIPTION_MINUTES, 45, MAX_USER_SUBSCRIPTION_MINUTES),
  EVENTS_RENEW_WITHIN_HOURS: integer(72, 4, 600),
  EVENTS_BATCH_WINDOW_MS: integer(1_000, 0, 60_000),
  EVENTS_BATCH_MAX_USERS: integer(1_000, 1, 10_000),
  SYNC_PILOT_GROUP_ID: optionalText.refine(
    (value) => value === undefined || GUID.test(value),
    'expected a group object id (GUID)',
  ),
  EVENTS_UPKEEP_SCHEDULE: optionalText.refine(
    (value) => value === undefined || NCRONTAB.test(value),
    'expected a six-field NCRONTAB expression',
  ),
  RECONCILE_SCHEDULE: optionalText.refine(
    (value) => value === undefined || NCRONTAB.test(value),
    'expected a six-field NCRONTAB expression',
  ),
});

export class DirectorySettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid directory-event settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DirectorySettingsError';
  }
}

/** Reads and checks the settings; the error names each bad setting, never a value (the secret is one). */
export function loadDirectorySettings(env: Readonly<Record<string, string | undefined>>): DirectorySettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new DirectorySettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const s = parsed.data;
  const notification = s.EVENTS_NOTIFICATION_URL ?? null;
  return {
    clientState: s.EVENTS_CLIENT_STATE ?? null,
    notificationUrl: notification,
    lifecycleNotificationUrl: s.EVENTS_LIFECYCLE_NOTIFICATION_URL ?? notification,
    subscriptionMinutes: s.EVENTS_SUBSCRIPTION_MINUTES,
    renewWithinHours: s.EVENTS_RENEW_WITHIN_HOURS,
    batchWindowMs: s.EVENTS_BATCH_WINDOW_MS,
    batchMaxUsers: s.EVENTS_BATCH_MAX_USERS,
    pilotGroupId: s.SYNC_PILOT_GROUP_ID?.toLowerCase() ?? null,
    upkeepSchedule: s.EVENTS_UPKEEP_SCHEDULE ?? '0 17 */6 * * *',
    reconcileSchedule: s.RECONCILE_SCHEDULE ?? null,
  };
}

/** Events are handled only when the secret to check them is configured. */
export function eventsEnabled(settings: DirectorySettings): settings is DirectorySettings & {
  clientState: string;
} {
  return settings.clientState !== null;
}

/** The subscription is kept only when there is somewhere to send notifications and a secret for them. */
export function upkeepEnabled(settings: DirectorySettings): settings is DirectorySettings & {
  clientState: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
} {
  return settings.clientState !== null && settings.notificationUrl !== null;
}

let cached: DirectorySettings | undefined;

export function getDirectorySettings(): DirectorySettings {
  cached ??= loadDirectorySettings(process.env);
  return cached;
}

export function resetDirectorySettingsForTests(): void {
  cached = undefined;
}
