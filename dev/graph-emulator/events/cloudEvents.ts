import { randomUUID } from 'node:crypto';
import { type Subscription } from '../store/subscriptionStore';

/**
 * Shapes of what Graph delivers (reference/graph.md §7.3 for Event Grid CloudEvents, §7.2/§8 for webhooks).
 */
export interface CloudEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  specversion: '1.0';
  data: Record<string, unknown>;
}

/** `2022-05-24T23:21:19.3554403+00:00`: Graph writes the subscription expiry with an offset. */
function withOffset(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$10000+00:00').replace(/Z$/, '+00:00');
}

/** Event time as Graph writes it: seven fractional digits. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function userChangeCloudEvent(
  sub: Subscription,
  tenantId: string,
  userId: string,
  changeType: 'updated' | 'deleted',
  sequenceNumber: number,
  now: Date,
): CloudEvent {
  const time = eventTime(now);
  return {
    id: randomUUID(),
    type: changeType === 'deleted' ? 'Microsoft.Graph.UserDeleted' : 'Microsoft.Graph.UserUpdated',
    source: `/tenants/${tenantId}/applications/${sub.applicationId}`,
    subject: `Users/${userId}`,
    time,
    datacontenttype: 'application/json',
    specversion: '1.0',
    data: {
      changeType,
      clientState: sub.clientState,
      resource: `Users/${userId}`,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.User',
        '@odata.id': `Users/${userId}`,
        id: userId,
        organizationId: tenantId,
        eventTime: time,
        sequenceNumber,
      },
      subscriptionExpirationDateTime: withOffset(sub.expirationDateTime),
      subscriptionId: sub.id,
      tenantId,
    },
  };
}

export function reauthorizationCloudEvent(sub: Subscription, tenantId: string, now: Date): CloudEvent {
  return {
    id: randomUUID(),
    type: 'Microsoft.Graph.SubscriptionReauthorizationRequired',
    source: `/tenants/${tenantId}/applications/${sub.applicationId}`,
    subject: `Subscriptions/${sub.id}`,
    time: eventTime(now),
    datacontenttype: 'application/json',
    specversion: '1.0',
    data: {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: withOffset(sub.expirationDateTime),
      tenantId,
      clientState: sub.clientState,
      lifecycleEvent: 'reauthorizationRequired',
      resource: sub.resource,
    },
  };
}

/** Webhook change notification collection (graph.md §8 item 6). */
export function webhookNotification(
  sub: Subscription,
  tenantId: string,
  userId: string,
  changeType: 'updated' | 'deleted',
): unknown {
  return {
    value: [
      {
        id: randomUUID(),
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: withOffset(sub.expirationDateTime),
        clientState: sub.clientState,
        changeType,
        resource: `Users/${userId}`,
        tenantId,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.User',
          '@odata.id': `Users/${userId}`,
          id: userId,
          organizationId: tenantId,
        },
      },
    ],
  };
}

/** Webhook lifecycle notification (graph.md §7.2). */
export function webhookLifecycleNotification(sub: Subscription, tenantId: string): unknown {
  return {
    value: [
      {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: withOffset(sub.expirationDateTime),
        tenantId,
        clientState: sub.clientState,
        lifecycleEvent: 'reauthorizationRequired',
      },
    ],
  };
}
