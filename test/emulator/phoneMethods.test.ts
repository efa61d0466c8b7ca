import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHOICES } from '../../dev/graph-emulator/index';
import { ALTERNATE_ID, MOBILE_ID, OFFICE_ID, startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: phone authentication methods (reference/graph.md §1-2). */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});
afterEach(async () => {
  await g.emulator.control.setChoices(DEFAULT_CHOICES);
});

const path = (upn: string, suffix = ''): string => `/users/${upn}/authentication/phoneMethods${suffix}`;

async function freshUser(slug: string, extra: Record<string, unknown> = {}): Promise<string> {
  const n = Math.floor(Math.random() * 1e12)
    .toString(16)
    .padStart(12, '0');
  const upn = `${slug}.${n}@contoso.com`;
  await g.emulator.control.addUser({
    id: `00000000-0000-4000-8000-${n}`,
    userPrincipalName: upn,
    displayName: slug,
    ...extra,
  });
  return upn;
}

describe('§2.1-2.2 list and get', () => {
  it('§2.1 lists 0-3 methods in the documented shape with the fixed ids', async () => {
    const res = await g.call('GET', path('paula.krause@contoso.com'));
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toMatch(
      /\$metadata#users\('[0-9a-f-]{36}'\)\/authentication\/phoneMethods$/,
    );
    const byType = Object.fromEntries(res.body.value.map((m: Json) => [m.phoneType, m]));
    expect(Object.keys(byType).sort()).toEqual(['alternateMobile', 'mobile', 'office']);
    expect(byType.mobile.id).toBe(MOBILE_ID);
    expect(byType.alternateMobile.id).toBe(ALTERNATE_ID);
    expect(byType.office.id).toBe(OFFICE_ID);
    expect(byType.office.phoneNumber).toMatch(/^\+\d{1,3} \d+x\d+$/);
    expect(Object.keys(byType.mobile).sort()).toEqual(['id', 'phoneNumber', 'phoneType', 'smsSignInState']);
    expect(byType.alternateMobile.smsSignInState).toBe('notSupported');
    const empty = await g.call('GET', path('anna.schmidt@contoso.com'));
    expect(empty.body.value).toEqual([]);
  });

  it("§2.1 tolerates $filter=phoneType eq '…' (third-party usage)", async () => {
    const res = await g.call(
      'GET',
      `${path('paula.krause@contoso.com')}?$filter=${encodeURIComponent("phoneType eq 'mobile'")}`,
    );
    expect(res.body.value.map((m: Json) => m.phoneType)).toEqual(['mobile']);
  });

  it('§2.2 gets one method by its fixed id; a missing type or an unknown id is 404', async () => {
    const ok = await g.call('GET', path('ben.mueller@contoso.com', `/${MOBILE_ID}`));
    expect(ok.status).toBe(200);
    expect(ok.body.phoneType).toBe('mobile');
    const absent = await g.call('GET', path('ben.mueller@contoso.com', `/${OFFICE_ID}`));
    expect(absent.status).toBe(404);
    const unknown = await g.call(
      'GET',
      path('ben.mueller@contoso.com', '/00000000-0000-0000-0000-000000000000'),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.innerError['request-id']).toBeTruthy();
  });

  it('§2.7 a missing user under /authentication answers like /users: 404 Request_ResourceNotFound', async () => {
    const res = await g.call('GET', path('ghost@contoso.com'));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('Request_ResourceNotFound');
  });
});

describe('§2.3 create', () => {
  it('§2.3 201 with the new method, its fixed id and a derived smsSignInState', async () => {
    const upn = await freshUser('create');
    const res = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112233', phoneType: 'mobile' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ phoneNumber: '+49 1701112233', phoneType: 'mobile', id: MOBILE_ID });
    expect(res.body.smsSignInState).toBe('notAllowedByPolicy');
    expect(res.headers.location).toContain(`/authentication/phoneMethods/${MOBILE_ID}`);
    const smsUser = await freshUser('sms', { smsSignInEnabled: true });
    const sms = await g.call('POST', path(smsUser), {
      body: { phoneNumber: '+49 1701112299', phoneType: 'mobile' },
    });
    expect(sms.body.smsSignInState).toBe('ready');
  });

  it('§1.1 one method per type: a second mobile is refused (default 400; configurable status)', async () => {
    const upn = await freshUser('dup');
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112234', phoneType: 'mobile' } });
    const second = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112235', phoneType: 'mobile' },
    });
    expect(second.status).toBe(400);
    await g.emulator.control.setChoices({ duplicatePhoneType: { status: 409, code: 'conflict' } });
    const third = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112235', phoneType: 'mobile' },
    });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('conflict');
    const user = await g.emulator.control.getUser(upn);
    expect(user?.phoneMethods.map((m: Json) => m.phoneNumber)).toEqual(['+49 1701112234']);
  });

  it('§1.1 alternateMobile needs a mobile', async () => {
    const upn = await freshUser('alt');
    const refused = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112236', phoneType: 'alternateMobile' },
    });
    expect(refused.status).toBe(400);
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112237', phoneType: 'mobile' } });
    const ok = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112236', phoneType: 'alternateMobile' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.id).toBe(ALTERNATE_ID);
  });

  it('§1.2 numbers not in +<cc> <number>[x<ext>] form are rejected and never written; messages never echo them', async () => {
    const upn = await freshUser('format');
    for (const bad of [
      '+4917011122',
      '0170 1112233',
      '+49 170-1112233',
      '+49  1701112233',
      '49 1701112233',
      '+49 17',
      'n/a',
    ]) {
      const res = await g.call('POST', path(upn), { body: { phoneNumber: bad, phoneType: 'mobile' } });
      expect(res.status, bad).toBe(400);
      const digits = bad.replace(/\D/g, '');
      if (digits.length >= 6) expect(res.text).not.toContain(digits.slice(-6));
    }
    expect((await g.emulator.control.getUser(upn))?.phoneMethods).toEqual([]);
    const ext = await g.call('POST', path(upn), {
      body: { phoneNumber: '+1 5555551234x123', phoneType: 'office' },
    });
    expect(ext.status).toBe(201);
  });

  it('§1.2 lenient mode (choice) accepts no-space E.164 and stores it with the single space', async () => {
    await g.emulator.control.setChoices({ phoneFormat: 'lenient' });
    const upn = await freshUser('lenient');
    const res = await g.call('POST', path(upn), {
      body: { phoneNumber: '+4917011122334', phoneType: 'mobile' },
    });
    expect(res.status).toBe(201);
    expect(res.body.phoneNumber).toBe('+49 17011122334');
  });

  it('§2.3 smsSignInState is read-only; phoneType must be a known value; JSON must be JSON', async () => {
    const upn = await freshUser('body');
    const ro = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112238', phoneType: 'mobile', smsSignInState: 'ready' },
    });
    expect(ro.status).toBe(400);
    const type = await g.call('POST', path(upn), {
      body: { phoneNumber: '+49 1701112238', phoneType: 'pager' },
    });
    expect(type.status).toBe(400);
    const json = await g.call('POST', path(upn), {
      rawBody: '{"phoneNumber":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(json.status).toBe(400);
    expect(json.body.error.message).toContain('Unable to read JSON request payload');
  });

  it('§2.3 409 phoneNumberNotUnique when the number is used for SMS sign-in by someone else, yet the write is applied', async () => {
    const res = await g.call('POST', path('mia.neumann@contoso.com'), {
      body: { phoneNumber: '+49 1761234500', phoneType: 'mobile' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('phoneNumberNotUnique');
    expect(res.text).not.toContain('1761234500');
    const after = await g.call('GET', path('mia.neumann@contoso.com'));
    expect(after.body.value).toEqual([
      {
        phoneNumber: '+49 1761234500',
        phoneType: 'mobile',
        smsSignInState: 'phoneNumberNotUnique',
        id: MOBILE_ID,
      },
    ]);
    // The original holder keeps SMS sign-in.
    const nina = await g.call('GET', path('nina.sms@contoso.com'));
    expect(nina.body.value[0].smsSignInState).toBe('ready');
  });

  it('§2.3 phoneNumberNotUnique variants (choices): not applied, or applied only after a delay', async () => {
    await g.emulator.control.setChoices({ phoneNumberNotUnique: 'conflictNotApplied' });
    const a = await freshUser('conflict-a', { smsSignInEnabled: true });
    const res = await g.call('POST', path(a), {
      body: { phoneNumber: '+49 1761234500', phoneType: 'mobile' },
    });
    expect(res.status).toBe(409);
    expect((await g.emulator.control.getUser(a))?.phoneMethods).toEqual([]);

    await g.emulator.control.setChoices({
      phoneNumberNotUnique: 'conflictButApplied',
      conflictApplyDelayMs: 1500,
    });
    const b = await freshUser('conflict-b', { smsSignInEnabled: true });
    const late = await g.call('POST', path(b), {
      body: { phoneNumber: '+49 1761234500', phoneType: 'mobile' },
    });
    expect(late.status).toBe(409);
    expect((await g.call('GET', path(b))).body.value).toEqual([]);
    await new Promise((r) => setTimeout(r, 1700));
    expect((await g.call('GET', path(b))).body.value).toHaveLength(1);
  });
});

describe('§2.4 update', () => {
  it('§2.4 PATCH answers 204 with no body and changes the number', async () => {
    const upn = await freshUser('patch');
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112240', phoneType: 'mobile' } });
    const res = await g.call('PATCH', path(upn, `/${MOBILE_ID}`), {
      body: { phoneNumber: '+49 1701112241', phoneType: 'mobile' },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await g.call('GET', path(upn, `/${MOBILE_ID}`))).body.phoneNumber).toBe('+49 1701112241');
  });

  it('§2.4 the type cannot change; a method that does not exist cannot be patched; format is checked', async () => {
    const upn = await freshUser('patch2');
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112242', phoneType: 'mobile' } });
    const type = await g.call('PATCH', path(upn, `/${MOBILE_ID}`), {
      body: { phoneNumber: '+49 1701112243', phoneType: 'office' },
    });
    expect(type.status).toBe(400);
    const missing = await g.call('PATCH', path(upn, `/${OFFICE_ID}`), {
      body: { phoneNumber: '+49 1701112243' },
    });
    expect(missing.status).toBe(404);
    const format = await g.call('PATCH', path(upn, `/${MOBILE_ID}`), {
      body: { phoneNumber: '01701112243' },
    });
    expect(format.status).toBe(400);
    expect((await g.call('GET', path(upn, `/${MOBILE_ID}`))).body.phoneNumber).toBe('+49 1701112242');
  });

  it('§2.4 an update to a number used for SMS sign-in elsewhere is also 409-but-applied', async () => {
    const upn = await freshUser('patch3', { smsSignInEnabled: true });
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112244', phoneType: 'mobile' } });
    const res = await g.call('PATCH', path(upn, `/${MOBILE_ID}`), {
      body: { phoneNumber: '+49 1761234500' },
    });
    expect(res.status).toBe(409);
    expect((await g.call('GET', path(upn, `/${MOBILE_ID}`))).body.phoneNumber).toBe('+49 1761234500');
  });
});

describe('§2.5 delete', () => {
  it('§2.5 DELETE answers 204 and the method is gone', async () => {
    const upn = await freshUser('del');
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112250', phoneType: 'mobile' } });
    const res = await g.call('DELETE', path(upn, `/${MOBILE_ID}`));
    expect(res.status).toBe(204);
    expect((await g.call('GET', path(upn))).body.value).toEqual([]);
    expect((await g.call('DELETE', path(upn, `/${MOBILE_ID}`))).status).toBe(404);
  });

  it('§2.5 the mobile cannot be deleted while an alternateMobile exists', async () => {
    const res = await g.call('DELETE', path('oskar.wolf@contoso.com', `/${MOBILE_ID}`));
    expect(res.status).toBe(400);
    expect((await g.call('DELETE', path('oskar.wolf@contoso.com', `/${ALTERNATE_ID}`))).status).toBe(204);
    expect((await g.call('DELETE', path('oskar.wolf@contoso.com', `/${MOBILE_ID}`))).status).toBe(204);
  });

  it('§2.5 the default method is refused while other methods exist (choice: allow)', async () => {
    const refused = await g.call('DELETE', path('julia.richter@contoso.com', `/${MOBILE_ID}`));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('Cannot delete default method');
    await g.emulator.control.setChoices({ defaultMethodDelete: 'allow' });
    expect((await g.call('DELETE', path('julia.richter@contoso.com', `/${MOBILE_ID}`))).status).toBe(204);
  });

  it('§2.5 a default method that is the only method can be deleted', async () => {
    const upn = await freshUser('only', { defaultMfaMethod: 'mobile' });
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112251', phoneType: 'mobile' } });
    expect((await g.call('DELETE', path(upn, `/${MOBILE_ID}`))).status).toBe(204);
  });
});

describe('§2.6 SMS sign-in actions', () => {
  it('§2.6 disableSmsSignIn frees the number; enableSmsSignIn on a taken number is 409', async () => {
    const upn = await freshUser('smsact', { smsSignInEnabled: true });
    await g.call('POST', path(upn), { body: { phoneNumber: '+49 1701112260', phoneType: 'mobile' } });
    expect((await g.call('POST', path(upn, `/${MOBILE_ID}/disableSmsSignIn`))).status).toBe(204);
    expect((await g.call('GET', path(upn, `/${MOBILE_ID}`))).body.smsSignInState).toBe('notEnabled');
    expect((await g.call('POST', path(upn, `/${MOBILE_ID}/enableSmsSignIn`))).status).toBe(204);
    expect((await g.call('GET', path(upn, `/${MOBILE_ID}`))).body.smsSignInState).toBe('ready');
    await g.call('POST', path(upn, `/${MOBILE_ID}/disableSmsSignIn`));
    const other = await freshUser('smsact-other', { smsSignInEnabled: true });
    const taken = await g.call('POST', path(other), {
      body: { phoneNumber: '+49 1701112260', phoneType: 'mobile' },
    });
    expect(taken.status).toBe(201);
    expect(taken.body.smsSignInState).toBe('ready');
    const enable = await g.call('POST', path(upn, `/${MOBILE_ID}/enableSmsSignIn`));
    expect(enable.status).toBe(409);
    expect(enable.body.error.code).toBe('phoneNumberNotUnique');
  });
});
