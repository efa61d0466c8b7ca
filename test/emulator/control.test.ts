import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlApiError, type TenantSeed } from '../../dev/graph-emulator/index';
import { startTestGraph, type TestGraph } from './helpers';

/** The control API (`/_emulator/...`) and the request log. */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});

function tinySeed(users: TenantSeed['users']): TenantSeed {
  return {
    version: 1,
    tenant: { id: '0a0a0a0a-1111-4222-8333-444444444444', displayName: 'Tiny', domains: ['tiny.example'] },
    applications: [
      {
        kind: 'managedIdentity',
        key: 'mi',
        displayName: 'tiny-mi',
        clientId: '0b0b0b0b-1111-4222-8333-444444444444',
        objectId: '0c0c0c0c-1111-4222-8333-444444444444',
        identityType: 'userAssigned',
        appRoles: ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
      },
    ],
    defaults: { managedIdentity: 'mi' },
    users,
  };
}

describe('tenant inspection and mutation', () => {
  it('updateUser reports the Graph properties that changed; settings outside Graph change nothing visible', async () => {
    const { changed } = await g.emulator.control.updateUser('anna.schmidt@contoso.com', {
      jobTitle: 'Engineer',
      onPremisesExtensionAttributes: { extensionAttribute15: '+49 170 9999999', extensionAttribute2: 'x' },
    });
    expect(changed.sort()).toEqual(['jobTitle', 'onPremisesExtensionAttributes']);
    const quiet = await g.emulator.control.updateUser('anna.schmidt@contoso.com', { smsSignInEnabled: true });
    expect(quiet.changed).toEqual([]);
    const res = await g.call(
      'GET',
      '/users/anna.schmidt@contoso.com?$select=jobTitle,onPremisesExtensionAttributes',
    );
    expect(res.body.jobTitle).toBe('Engineer');
    expect(res.body.onPremisesExtensionAttributes.extensionAttribute2).toBe('x');
  });

  it('setPhoneMethod writes state directly (test setup) and getUser shows it unmasked', async () => {
    const user = await g.emulator.control.setPhoneMethod('anna.schmidt@contoso.com', 'office', {
      phoneNumber: '+49 301234567x9',
    });
    expect(user.phoneMethods).toEqual([
      {
        id: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
        phoneType: 'office',
        phoneNumber: '+49 301234567x9',
        smsSignInState: 'notSupported',
      },
    ]);
    await g.emulator.control.setPhoneMethod('anna.schmidt@contoso.com', 'office', { phoneNumber: null });
    expect((await g.emulator.control.getUser('anna.schmidt@contoso.com'))?.phoneMethods).toEqual([]);
    expect(await g.emulator.control.getUser('nobody@contoso.com')).toBeUndefined();
  });

  it('phoneMethodWrites audits every Graph write with the number as written, but not control-API setup', async () => {
    const upn = 'david.fischer@contoso.com';
    const before = (await g.emulator.control.getUser(upn))?.phoneMethodWrites.length ?? 0;
    await g.emulator.control.setPhoneMethod(upn, 'office', { phoneNumber: '+49 301234567' });
    const methods = `/users/${upn}/authentication/phoneMethods`;
    expect(
      (await g.call('POST', methods, { body: { phoneType: 'mobile', phoneNumber: '+49 1734567890' } }))
        .status,
    ).toBe(201);
    const mobile = `${methods}/3179e48a-750b-4051-897c-87b9720928f7`;
    expect((await g.call('PATCH', mobile, { body: { phoneNumber: '+49 1734567891' } })).status).toBe(204);
    expect(
      (await g.call('POST', methods, { body: { phoneType: 'mobile', phoneNumber: '+49 1734567892' } }))
        .status,
    ).toBe(400);
    expect((await g.call('DELETE', mobile)).status).toBe(204);
    const writes = (await g.emulator.control.getUser(upn))?.phoneMethodWrites.slice(before);
    expect(
      writes?.map(({ operation, phoneType, phoneNumber }) => ({ operation, phoneType, phoneNumber })),
    ).toEqual([
      { operation: 'create', phoneType: 'mobile', phoneNumber: '+49 1734567890' },
      { operation: 'update', phoneType: 'mobile', phoneNumber: '+49 1734567891' },
      { operation: 'delete', phoneType: 'mobile' },
    ]);
  });

  it('bad control requests fail with the offending fields named', async () => {
    const error = await g.emulator.control
      .addUser({ id: 'not-a-guid', userPrincipalName: 'x', displayName: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlApiError);
    expect((error as ControlApiError).status).toBe(400);
    expect((error as ControlApiError).details.join('\n')).toMatch(
      /id: must be a GUID[\s\S]*userPrincipalName/,
    );
  });

  it('listUsers pages through the tenant; stats report size and memory', async () => {
    const page = await g.emulator.control.listUsers({ top: 5 });
    expect(page.value).toHaveLength(5);
    expect(page.nextSkip).toBe(5);
    const stats = await g.emulator.control.stats();
    expect(stats.users).toBe(page.total);
    expect(stats.memory.heapUsedMb).toBeGreaterThan(0);
  });

  it('reseed replaces the tenant: new users are served, old delta tokens must resync', async () => {
    const delta = await g.call('GET', '/users/delta?$select=id&$deltatoken=latest');
    const summary = await g.emulator.control.reseed(
      tinySeed([
        {
          id: '0d0d0d0d-1111-4222-8333-444444444444',
          userPrincipalName: 'only@tiny.example',
          displayName: 'Only',
        },
      ]),
    );
    try {
      expect(summary).toMatchObject({ tenantId: '0a0a0a0a-1111-4222-8333-444444444444', userCount: 1 });
      expect(g.emulator.tenantId).toBe('0a0a0a0a-1111-4222-8333-444444444444');
      // The old tenant's tokens are for another tenant now.
      expect((await g.call('GET', '/users/only@tiny.example')).status).toBe(401);
      const mi = await g.miToken('0b0b0b0b-1111-4222-8333-444444444444');
      expect((await g.call('GET', '/users/only@tiny.example', { token: mi })).status).toBe(200);
      const link = delta.body['@odata.deltaLink'].slice(g.emulator.graphBaseUrl.length);
      expect((await g.call('GET', link, { token: mi })).status).toBe(410);
    } finally {
      await g.emulator.control.reseed({ path: 'dev/graph-emulator/seeds/demo-tenant.json' });
    }
    expect((await g.call('GET', '/users/anna.schmidt@contoso.com')).status).toBe(200);
  });

  it('an invalid reseed is refused with every problem listed, and the tenant stays as it was', async () => {
    const error = (await g.emulator.control
      .reseed(
        tinySeed([
          {
            id: '0d0d0d0d-1111-4222-8333-444444444444',
            userPrincipalName: 'a@tiny.example',
            displayName: 'A',
          },
          {
            id: '0d0d0d0d-1111-4222-8333-444444444444',
            userPrincipalName: 'b@tiny.example',
            displayName: 'B',
            phoneMethods: [{ phoneType: 'alternateMobile', phoneNumber: '+49 1701234567' }],
          },
        ]),
      )
      .catch((e: unknown) => e)) as ControlApiError;
    expect(error.status).toBe(400);
    expect(error.details.join('\n')).toContain('users[1].phoneMethods: alternateMobile requires a mobile');
    expect((await g.call('GET', '/users/anna.schmidt@contoso.com')).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path, status, client-request-id, app id, timing and the request id it answered with', async () => {
    const since = await g.emulator.control.lastRequestSeq();
    const res = await g.call('GET', '/users/ben.mueller@contoso.com', {
      headers: { 'client-request-id': 'corr-42' },
    });
    const [entry] = await g.emulator.control.requests({ since });
    expect(entry).toMatchObject({
      channel: 'graph',
      method: 'GET',
      path: '/v1.0/users/ben.mueller@contoso.com',
      status: 200,
      clientRequestId: 'corr-42',
      appId: g.emulator.managedIdentity.clientId,
      requestId: res.headers['request-id'],
      resourceUnits: 1,
    });
    expect(entry?.durationMs).toBeGreaterThanOrEqual(0);
    expect(entry?.seq).toBeGreaterThan(since);
  });

  it('masks phone numbers in everything it exposes (paths, queries), whatever their spelling', async () => {
    const since = await g.emulator.control.lastRequestSeq();
    const spellings = ["'+49 170 1234567'", "'%2B49%20170%201234567'", "'+4917012345678'", "'0170-1234567'"];
    for (const s of spellings) {
      await g.call('GET', `/users?$filter=mobilePhone eq ${s.replace(/ /g, '%20')}`);
    }
    const entries = await g.emulator.control.requests({ since });
    expect(entries).toHaveLength(spellings.length);
    const text = JSON.stringify(entries);
    expect(text).not.toMatch(/1234567/);
    expect(text).toContain('XX67');
    // GUIDs are not mistaken for numbers.
    await g.call('GET', '/users/3179e48a-750b-4051-897c-87b9720928f7');
    const [guid] = await g.emulator.control.requests({ since: entries.at(-1)?.seq ?? 0 });
    expect(guid?.path).toBe('/v1.0/users/3179e48a-750b-4051-897c-87b9720928f7');
  });

  it('logs token and managed-identity requests too, and can be cleared', async () => {
    await g.miToken();
    const entries = await g.emulator.control.requests();
    expect(entries.some((e) => e.channel === 'managedIdentity' && e.status === 200)).toBe(true);
    await g.emulator.control.clearRequests();
    expect(await g.emulator.control.requests()).toEqual([]);
  });
});
