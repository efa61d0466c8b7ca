import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOBILE_ID, startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: tokens and permissions (reference/graph.md §2.7 401/403, §3). */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});

const methods = (upn: string): string => `/users/${upn}/authentication/phoneMethods`;

async function delegated(user: string, extra: Record<string, unknown> = {}): Promise<string> {
  const legacy = g.emulator.credentials.password!;
  return (await g.emulator.control.mintToken({ kind: 'user', appId: legacy.clientId, user, ...extra }))
    .accessToken;
}

describe('§2.7 401 InvalidAuthenticationToken', () => {
  it('§2.7 a missing token is 401 with WWW-Authenticate and the innerError trio', async () => {
    const res = await g.call('GET', '/users/anna.schmidt@contoso.com', { token: '' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidAuthenticationToken');
    expect(res.body.error.message).toBe('Access token is empty.');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(Object.keys(res.body.error.innerError).sort()).toEqual([
      'client-request-id',
      'date',
      'request-id',
    ]);
  });

  it('§2.7 expired, foreign-signed, tampered, wrong-audience and garbage tokens are all 401', async () => {
    const expired = (await g.emulator.control.mintToken({ expiresInSeconds: -60 })).accessToken;
    const foreign = (await g.emulator.control.mintToken({ signature: 'foreignKey' })).accessToken;
    const tampered = (await g.emulator.control.mintToken({ signature: 'tampered' })).accessToken;
    const audience = (await g.emulator.control.mintToken({ audience: 'https://management.azure.com' }))
      .accessToken;
    const cases: [string, RegExp][] = [
      [expired, /expired/],
      [foreign, /signature/i],
      [tampered, /signature/i],
      [audience, /audience/i],
      ['not-a-jwt', /JWT/],
    ];
    for (const [token, message] of cases) {
      const res = await g.call('GET', '/users/anna.schmidt@contoso.com', { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('InvalidAuthenticationToken');
      expect(res.body.error.message).toMatch(message);
    }
  });

  it('§3.4 a managed-identity token for another resource is refused by Graph (audience)', async () => {
    const mi = g.emulator.managedIdentity;
    const res = await fetch(
      `${mi.endpoint}?api-version=2019-08-01&resource=https://vault.azure.net&client_id=${mi.clientId}`,
      {
        headers: { 'X-IDENTITY-HEADER': mi.header },
      },
    );
    const token = ((await res.json()) as { access_token: string }).access_token;
    expect((await g.call('GET', '/users/anna.schmidt@contoso.com', { token })).status).toBe(401);
  });
});

describe('§3.1 application permissions', () => {
  it('§3.1 an app with only User.Read.All reads users but gets 403 on phone methods (read and write)', async () => {
    const reader = g.emulator.credentials.readOnly!;
    const token = (await g.emulator.control.mintToken({ appId: reader.clientId })).accessToken;
    expect((await g.call('GET', '/users/ben.mueller@contoso.com', { token })).status).toBe(200);
    const list = await g.call('GET', methods('ben.mueller@contoso.com'), { token });
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('accessDenied');
    const write = await g.call('POST', methods('anna.schmidt@contoso.com'), {
      token,
      body: { phoneNumber: '+49 1700000001', phoneType: 'mobile' },
    });
    expect(write.status).toBe(403);
    expect((await g.emulator.control.getUser('anna.schmidt@contoso.com'))?.phoneMethods).toEqual([]);
  });

  it('§3.1 read-only authentication-method permissions can list but not write', async () => {
    const token = (
      await g.emulator.control.mintToken({ roles: ['User.Read.All', 'UserAuthMethod-Phone.Read.All'] })
    ).accessToken;
    expect((await g.call('GET', methods('ben.mueller@contoso.com'), { token })).status).toBe(200);
    const write = await g.call('PATCH', `${methods('ben.mueller@contoso.com')}/${MOBILE_ID}`, {
      token,
      body: { phoneNumber: '+49 1700000002' },
    });
    expect(write.status).toBe(403);
  });

  it('§3.1 the narrower UserAuthMethod-Phone.ReadWrite.All also writes', async () => {
    const token = (await g.emulator.control.mintToken({ roles: ['UserAuthMethod-Phone.ReadWrite.All'] }))
      .accessToken;
    const res = await g.call('POST', methods('reader.global@contoso.com'), {
      token,
      body: { phoneNumber: '+49 1700000003', phoneType: 'office' },
    });
    expect(res.status).toBe(201);
  });

  it('§4.1 no user-read permission: 403 Authorization_RequestDenied; User.ReadBasic.All only for basic properties', async () => {
    const none = (await g.emulator.control.mintToken({ roles: [] })).accessToken;
    const denied = await g.call('GET', '/users/anna.schmidt@contoso.com', { token: none });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
    const basic = (await g.emulator.control.mintToken({ roles: ['User.ReadBasic.All'] })).accessToken;
    expect(
      (await g.call('GET', '/users/anna.schmidt@contoso.com?$select=id,displayName', { token: basic }))
        .status,
    ).toBe(200);
    expect(
      (
        await g.call('GET', '/users/anna.schmidt@contoso.com?$select=id,onPremisesExtensionAttributes', {
          token: basic,
        })
      ).status,
    ).toBe(403);
  });

  it('§3.3 app-only writes reach admins (DOCS SILENT: emulator choice, admins are reachable)', async () => {
    const res = await g.call('POST', methods('admin.global@contoso.com'), {
      body: { phoneNumber: '+49 1609876543', phoneType: 'mobile' },
    });
    expect(res.status).toBe(201);
  });

  it('§3.3 /me needs a delegated token', async () => {
    const res = await g.call('GET', '/me');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('/me request is only valid with delegated authentication flow');
  });
});

describe('§3.3 delegated callers and directory roles', () => {
  it('§2.1 an Authentication Administrator reads a non-admin with masked numbers', async () => {
    const token = await delegated('helpdesk.authadmin@contoso.com');
    const res = await g.call('GET', methods('paula.krause@contoso.com'), { token });
    expect(res.status).toBe(200);
    for (const m of res.body.value as Json[]) {
      expect(m.phoneNumber).toMatch(/^\+\d{1,3} X+\d{2}(x\d+)?$/);
    }
    const full = await g.call('GET', methods('paula.krause@contoso.com'));
    expect(full.body.value[0].phoneNumber.slice(-2)).toBe(res.body.value[0].phoneNumber.slice(-2));
  });

  it('§3.3 an Authentication Administrator cannot read or change an admin; a Privileged Authentication Administrator can', async () => {
    const authAdmin = await delegated('helpdesk.authadmin@contoso.com');
    expect((await g.call('GET', methods('admin.exchange@contoso.com'), { token: authAdmin })).status).toBe(
      403,
    );
    const write = await g.call('PATCH', `${methods('admin.exchange@contoso.com')}/${MOBILE_ID}`, {
      token: authAdmin,
      body: { phoneNumber: '+49 1605556668' },
    });
    expect(write.status).toBe(403);
    const privileged = await delegated('svc-mfa-sync@contoso.com');
    const read = await g.call('GET', methods('admin.exchange@contoso.com'), { token: privileged });
    expect(read.status).toBe(200);
    expect(read.body.value[0].phoneNumber).not.toContain('X');
    const ok = await g.call('PATCH', `${methods('admin.exchange@contoso.com')}/${MOBILE_ID}`, {
      token: privileged,
      body: { phoneNumber: '+49 1605556668' },
    });
    expect(ok.status).toBe(204);
  });

  it('§3.3 an Authentication Administrator may change non-admins and holders of the roles it manages', async () => {
    const token = await delegated('helpdesk.authadmin@contoso.com');
    const res = await g.call('POST', methods('david.fischer@contoso.com'), {
      token,
      body: { phoneNumber: '+49 1734567890', phoneType: 'mobile' },
    });
    expect(res.status).toBe(201);
    await g.emulator.control.updateUser('sara.cloud@contoso.com', {
      directoryRoles: ['Password Administrator'],
    });
    const roleHolder = await g.call('POST', methods('sara.cloud@contoso.com'), {
      token,
      body: { phoneNumber: '+49 1621212121', phoneType: 'mobile' },
    });
    expect(roleHolder.status).toBe(201);
    await g.emulator.control.updateUser('eva.wagner@contoso.com', { roleAssignableGroupMember: true });
    const groupMember = await g.call('POST', methods('eva.wagner@contoso.com'), {
      token,
      body: { phoneNumber: '+49 1745678901', phoneType: 'mobile' },
    });
    expect(groupMember.status).toBe(403);
  });

  it('§3.3 self-service writes are not supported; reading your own methods is', async () => {
    const token = await delegated('helpdesk.authadmin@contoso.com');
    expect((await g.call('GET', '/me/authentication/phoneMethods', { token })).status).toBe(200);
    const res = await g.call('PATCH', `/me/authentication/phoneMethods/${MOBILE_ID}`, {
      token,
      body: { phoneNumber: '+49 15110000009' },
    });
    expect(res.status).toBe(403);
  });

  it('§3.3 Global Reader reads unmasked but cannot write; a user without a role gets 403', async () => {
    const reader = await delegated('reader.global@contoso.com');
    const read = await g.call('GET', methods('ben.mueller@contoso.com'), { token: reader });
    expect(read.status).toBe(200);
    expect(read.body.value[0].phoneNumber).not.toContain('X');
    const write = await g.call('PATCH', `${methods('ben.mueller@contoso.com')}/${MOBILE_ID}`, {
      token: reader,
      body: { phoneNumber: '+49 1712345678' },
    });
    expect(write.status).toBe(403);
    const nobody = await delegated('anna.schmidt@contoso.com');
    expect((await g.call('GET', methods('ben.mueller@contoso.com'), { token: nobody })).status).toBe(403);
  });

  it('§3.1 delegated scopes matter too: without an authentication-method scope even a PAA is refused', async () => {
    const token = await delegated('svc-mfa-sync@contoso.com', { scopes: ['User.Read.All'] });
    expect((await g.call('GET', methods('ben.mueller@contoso.com'), { token })).status).toBe(403);
  });
});
