import { isGraphRequestError } from '../graph/errors';
import { type DirectoryApi, type GraphSubscription } from '../graph/directoryApi';
import { type Logger } from '../log';
import { type DirectorySettings } from './settings';

/**
 * Upkeep of the app's users subscription (DESIGN.md §4). No id is stored anywhere: the subscription is
 * found by resource + notificationUrl, so any instance, after any restart, finds the same one.
 *
 * - none → create (`updated,deleted`, settings' URLs and clientState, the longest lifetime);
 * - found, expiring within `renewWithinHours` → renew; Graph answers 404 (it removed it) → create;
 * - a create that Graph refuses with 409 (another instance's timer created it a moment ago) → list again
 *   and adopt that one. Two timers at once therefore never leave two subscriptions.
 */
export type UpkeepResult =
  | { action: 'created' | 'renewed' | 'recreated' | 'adopted'; subscription: GraphSubscription }
  | { action: 'kept'; subscription: GraphSubscription };

type UpkeepSettings = Pick<DirectorySettings, 'subscriptionMinutes' | 'renewWithinHours'> & {
  clientState: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
};

export const USERS_RESOURCE = 'users';
export const USERS_CHANGE_TYPES = 'updated,deleted';

export async function keepSubscription(
  directory: DirectoryApi,
  settings: UpkeepSettings,
  log: Logger,
  now: () => number = Date.now,
): Promise<UpkeepResult> {
  const existing = await findOurs(directory, settings);
  if (existing === undefined) return create(directory, settings, log, now, 'created');

  const expiresAt = Date.parse(existing.expirationDateTime);
  const renewBefore = now() + settings.renewWithinHours * 3_600_000;
  if (Number.isFinite(expiresAt) && expiresAt > renewBefore)
    return { action: 'kept', subscription: existing };
  try {
    const renewed = await renewSubscription(directory, existing.id, settings, now);
    log.info('subscription renewed', { subscriptionId: existing.id, expires: renewed.expirationDateTime });
    return { action: 'renewed', subscription: renewed };
  } catch (error) {
    if (!isGraphRequestError(error) || error.kind !== 'notFound') throw error;
    log.warn('subscription gone before renewal: creating it again', { subscriptionId: existing.id });
    return create(directory, settings, log, now, 'recreated');
  }
}

/** PATCH the expiry to the longest lifetime from now. */
export function renewSubscription(
  directory: DirectoryApi,
  id: string,
  settings: Pick<DirectorySettings, 'subscriptionMinutes'>,
  now: () => number = Date.now,
): Promise<GraphSubscription> {
  return directory.renewSubscription(id, expiryFrom(now(), settings.subscriptionMinutes));
}

async function create(
  directory: DirectoryApi,
  settings: UpkeepSettings,
  log: Logger,
  now: () => number,
  action: 'created' | 'recreated',
): Promise<UpkeepResult> {
  try {
    const subscription = await directory.createSubscription({
      resource: USERS_RESOURCE,
      changeType: USERS_CHANGE_TYPES,
      notificationUrl: settings.notificationUrl,
      lifecycleNotificationUrl: settings.lifecycleNotificationUrl,
      clientState: settings.clientState,
      expirationDateTime: expiryFrom(now(), settings.subscriptionMinutes),
    });
    log.info(`subscription ${action}`, {
      subscriptionId: subscription.id,
      expires: subscription.expirationDateTime,
    });
    return { action, subscription };
  } catch (error) {
    if (!isGraphRequestError(error) || error.kind !== 'conflict') throw error;
    const adopted = await findOurs(directory, settings);
    if (adopted === undefined) throw error;
    log.info('subscription created meanwhile by another instance: adopted', { subscriptionId: adopted.id });
    return { action: 'adopted', subscription: adopted };
  }
}

/** Ours: the users resource with our notification URL. Several (should never be): the latest expiry. */
async function findOurs(
  directory: DirectoryApi,
  settings: Pick<UpkeepSettings, 'notificationUrl'>,
): Promise<GraphSubscription | undefined> {
  const all = await directory.listSubscriptions();
  return all
    .filter(
      (sub) =>
        sub.resource.toLowerCase() === USERS_RESOURCE &&
        sameUrl(sub.notificationUrl, settings.notificationUrl),
    )
    .sort((a, b) => Date.parse(b.expirationDateTime) - Date.parse(a.expirationDateTime))[0];
}

function sameUrl(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function expiryFrom(nowMs: number, minutes: number): string {
  return new Date(nowMs + minutes * 60_000).toISOString();
}
