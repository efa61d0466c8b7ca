import { describe, expect, it } from 'vitest';
import { clientStateMatches, parseGraphEvent } from '../../../lib/directory/graphEvents';
import { DirectorySettingsError, loadDirectorySettings } from '../../../lib/directory/settings';

const USER = '2f6b1b3a-7a0e-4c47-9a54-0d3c1f0e9b11';

function userUpdated(data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt-1',
    type: 'Microsoft.Graph.UserUpdated',
    source: '/tenants/t/applications/a',
    subject: `Users/${USER}`,
    specversion: '1.0',
    data: {
      changeType: 'updated',
      clientState: 'a-secret-of-sixteen-chars',
      resource: `Users/${USER}`,
      resourceData: { id: USER.toUpperCase(), '@odata.type': '#Microsoft.Graph.User' },
      ...data,
    },
  };
}

describe('parseGraphEvent', () => {
  it('reads the user id of a UserUpdated CloudEvent, also when data is JSON text', () => {
    const event = userUpdated();
    expect(parseGraphEvent(event)).toEqual({
      ok: true,
      event: {
        kind: 'userUpdated',
        eventId: 'evt-1',
        userId: USER,
        clientState: 'a-secret-of-sixteen-chars',
      },
    });
    const asText = { ...event, data: JSON.stringify(event['data']) };
    expect(parseGraphEvent(asText).ok).toBe(true);
  });

  it('reads a reauthorization event and refuses unknown types and malformed data', () => {
    const lifecycle = parseGraphEvent({
      id: 'evt-2',
      type: 'Microsoft.Graph.SubscriptionReauthorizationRequired',
      data: { subscriptionId: 'abc-123', clientState: 'x', lifecycleEvent: 'reauthorizationRequired' },
    });
    expect(lifecycle).toMatchObject({
      ok: true,
      event: { kind: 'reauthorizationRequired', subscriptionId: 'abc-123' },
    });
    expect(parseGraphEvent({ id: 'e', type: 'Microsoft.Graph.GroupUpdated', data: {} })).toMatchObject({
      ok: false,
      eventId: 'e',
    });
    expect(parseGraphEvent(userUpdated({ resourceData: { id: '../../me' } }))).toMatchObject({ ok: false });
    expect(parseGraphEvent('not an event')).toMatchObject({ ok: false, eventId: null });
  });
});

describe('clientStateMatches', () => {
  it('accepts only the exact secret, whatever the length of the forgery', () => {
    expect(clientStateMatches('a-secret-of-sixteen-chars', 'a-secret-of-sixteen-chars')).toBe(true);
    expect(clientStateMatches('a-secret-of-sixteen-charz', 'a-secret-of-sixteen-chars')).toBe(false);
    expect(clientStateMatches('short', 'a-secret-of-sixteen-chars')).toBe(false);
    expect(clientStateMatches(null, 'a-secret-of-sixteen-chars')).toBe(false);
  });
});

describe('loadDirectorySettings', () => {
  it('leaves the automatic doors off without settings and names bad settings without their values', () => {
    const none = loadDirectorySettings({});
    expect(none.clientState).toBeNull();
    expect(none.batchWindowMs).toBe(1000);
    expect(none.subscriptionMinutes).toBe(41_759);
    let error: unknown;
    try {
      loadDirectorySettings({ EVENTS_CLIENT_STATE: 'too-short-secret', EVENTS_BATCH_WINDOW_MS: 'soon' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DirectorySettingsError);
    expect(String(error)).toContain('EVENTS_BATCH_WINDOW_MS');
    expect(String(error)).not.toContain('soon');
    expect(loadDirectorySettings({ EVENTS_CLIENT_STATE: 'exactly-16-chars' }).clientState).toBe(
      'exactly-16-chars',
    );
  });
});
