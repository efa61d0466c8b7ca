import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../lib/config';
import { ChangeBatcher, type ChangeBatch } from '../lib/directory/changeBatcher';
import { clientStateMatches, parseGraphEvent } from '../lib/directory/graphEvents';
import { processDirectoryApi, processPilotScope } from '../lib/directory/services';
import { eventsEnabled, getDirectorySettings, type DirectorySettings } from '../lib/directory/settings';
import { renewSubscription } from '../lib/directory/subscriptions';
import { type DirectoryApi } from '../lib/graph/directoryApi';
import { createLogger, type Logger } from '../lib/log';
import { buildRunInput, startRunOnce, type RunClient } from '../lib/runs';
import { type PilotScope } from '../lib/directory/pilotScope';

/**
 * Event Grid door (DESIGN.md §4): Graph's partner events for users, CloudEvents schema.
 *
 * - `UserUpdated`: the user joins the open change batch (lib/directory/changeBatcher.ts); the invocation
 *   returns only once the batch's run is durably started, so an unacknowledged delivery is redelivered.
 * - `UserDeleted`: nothing to write; logged.
 * - `SubscriptionReauthorizationRequired`: reauthorize, then renew.
 * - A wrong or missing `clientState` changes nothing: a warning with the event id (never the secret).
 * - A malformed event throws, so Event Grid retries it and then dead-letters it: nothing is lost silently.
 */
export class InvalidDirectoryEventError extends Error {
  constructor(detail: string) {
    super(`invalid directory event: ${detail}`);
    this.name = 'InvalidDirectoryEventError';
  }
}

export interface DirectoryEventDeps {
  settings: DirectorySettings & { clientState: string };
  batcher: ChangeBatcher;
  directory: () => DirectoryApi;
  now?: () => number;
}

export async function directoryEvent(
  raw: unknown,
  deps: DirectoryEventDeps,
  log: Logger,
): Promise<'queued' | 'ignored' | 'refused' | 'reauthorized'> {
  const parsed = parseGraphEvent(raw);
  if (!parsed.ok) {
    log.error('directory event refused', { eventId: parsed.eventId ?? '(none)', reason: parsed.reason });
    throw new InvalidDirectoryEventError(parsed.reason);
  }
  const { event } = parsed;
  if (!clientStateMatches(event.clientState, deps.settings.clientState)) {
    log.warn('directory event with a wrong clientState ignored', {
      eventId: event.eventId,
      type: event.kind,
    });
    return 'refused';
  }
  switch (event.kind) {
    case 'userUpdated':
      await deps.batcher.add(event.eventId, event.userId);
      return 'queued';
    case 'userDeleted':
      log.info('user deleted in the directory: nothing to write', {
        eventId: event.eventId,
        userId: event.userId,
      });
      return 'ignored';
    case 'reauthorizationRequired': {
      const directory = deps.directory();
      await directory.reauthorizeSubscription(event.subscriptionId, { priority: 'normal' });
      const renewed = await renewSubscription(directory, event.subscriptionId, deps.settings, deps.now);
      log.info('subscription reauthorized and renewed', {
        eventId: event.eventId,
        subscriptionId: event.subscriptionId,
        expires: renewed.expirationDateTime,
      });
      return 'reauthorized';
    }
  }
}

/** Starts one run for a change batch, limited to the pilot group when one is set. */
export async function startChangeBatch(
  batch: ChangeBatch,
  client: RunClient,
  scope: PilotScope,
  log: Logger,
): Promise<void> {
  const users = await scope.filter(batch.userIds);
  if (users.length === 0) {
    log.info('changed users are outside the pilot group: no run', { users: batch.userIds.length });
    return;
  }
  const config = getConfig();
  const input = buildRunInput(
    { users, dryRun: config.dryRunDefault, trigger: 'eventGrid', requester: 'eventGrid', priority: 'normal' },
    config,
  );
  const started = await startRunOnce(client, batch.runId, input);
  log.info(started.kind === 'started' ? 'event run started' : 'redelivered batch: run exists already', {
    runId: batch.runId,
    users: users.length,
    events: batch.eventIds.length,
    outOfScope: batch.userIds.length - users.length,
  });
}

const settings = getDirectorySettings();
if (eventsEnabled(settings)) {
  // The batch starts with the client of the invocation that is current when the window closes: every
  // client of this app talks to the same task hub.
  let client: RunClient | undefined;
  const workerLog = createLogger(console);
  const batcher = new ChangeBatcher({
    windowMs: settings.batchWindowMs,
    maxUsers: settings.batchMaxUsers,
    start: async (batch) => {
      if (client === undefined) throw new Error('no durable client yet');
      await startChangeBatch(batch, client, processPilotScope(), workerLog);
    },
  });
  df.app.client.eventGrid('directoryEvents', {
    handler: async (event: unknown, durableClient: RunClient, context: InvocationContext) => {
      client = durableClient;
      await directoryEvent(
        event,
        { settings, batcher, directory: processDirectoryApi },
        createLogger(context),
      );
    },
  });
}
