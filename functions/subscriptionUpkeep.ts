import { app, type InvocationContext } from '@azure/functions';
import { processDirectoryApi } from '../lib/directory/services';
import { getDirectorySettings, upkeepEnabled } from '../lib/directory/settings';
import { keepSubscription } from '../lib/directory/subscriptions';
import { createLogger } from '../lib/log';

/**
 * Keeps the users change subscription alive (lib/directory/subscriptions.ts): on EVENTS_UPKEEP_SCHEDULE
 * and once at start-up. Registered only when EVENTS_CLIENT_STATE and EVENTS_NOTIFICATION_URL are set.
 */
export async function subscriptionUpkeep(_timer: unknown, context: InvocationContext): Promise<void> {
  const settings = getDirectorySettings();
  if (!upkeepEnabled(settings)) return;
  const result = await keepSubscription(processDirectoryApi(), settings, createLogger(context));
  createLogger(context).info('subscription upkeep done', {
    action: result.action,
    subscriptionId: result.subscription.id,
    expires: result.subscription.expirationDateTime,
  });
}

const settings = getDirectorySettings();
if (upkeepEnabled(settings)) {
  app.timer('subscriptionUpkeep', {
    schedule: settings.upkeepSchedule,
    runOnStartup: true,
    handler: subscriptionUpkeep,
  });
}
