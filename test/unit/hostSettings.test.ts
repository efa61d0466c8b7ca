import { describe, expect, it } from 'vitest';
import { hostSettingProblems } from '../../lib/hostSettings';

describe('host-resolved settings checked at start-up', () => {
  it('accepts the names the templates and the local stack use', () => {
    expect(
      hostSettingProblems({ TASKHUB_NAME: 'mfaphonesync', SERVICEBUS_QUEUE_NAME: 'mfa-phone-sync-requests' }),
    ).toEqual([]);
    expect(hostSettingProblems({ TASKHUB_NAME: 'mfaphonesynclocal', SERVICEBUS_QUEUE_NAME: 'a' })).toEqual(
      [],
    );
  });

  it('names each missing or invalid setting', () => {
    expect(hostSettingProblems({})).toEqual([
      expect.stringMatching(/^TASKHUB_NAME: .*got nothing/),
      expect.stringMatching(/^SERVICEBUS_QUEUE_NAME: .*got nothing/),
    ]);
    for (const taskHub of ['ab', 'mfa-phone-sync', '1hub', 'a'.repeat(46)]) {
      expect(hostSettingProblems({ TASKHUB_NAME: taskHub, SERVICEBUS_QUEUE_NAME: 'q' })).toHaveLength(1);
    }
    for (const queue of ['-queue', 'queue-', 'que ue', 'q'.repeat(261)]) {
      expect(hostSettingProblems({ TASKHUB_NAME: 'hub', SERVICEBUS_QUEUE_NAME: queue })).toHaveLength(1);
    }
  });
});
