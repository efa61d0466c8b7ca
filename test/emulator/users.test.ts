import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: users (reference/graph.md §4, §2.7), over real HTTPS against the demo tenant. */
let g: TestGraph;

beforeAll(async () => {
  g = await startTestGraph();
});
afterAll(async () => {
  await g.emulator.stop();
});

const DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];

describe('§4.3 addressing users', () => {
  it('§4.3 finds a user by object id and by UPN (case-insensitive), same user', async () => {
    const byUpn = await g.call('GET', '/users/Anna.Schmidt@Contoso.com');
    expect(byUpn.status).toBe(200);
    const byId = await g.call('GET', `/users/${byUpn.body.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body.userPrincipalName).toBe('anna.schmidt@contoso.com');
  });

  it("§4.3 a '$'-prefixed UPN in the path is a 400; /users('$upn') works", async () => {
    const bad = await g.call('GET', '/users/$kiosk-frontdesk@contoso.com');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BadRequest');
    const good = await g.call('GET', "/users('$kiosk-frontdesk@contoso.com')");
    expect(good.status).toBe(200);
    expect(good.body.userPrincipalName).toBe('$kiosk-frontdesk@contoso.com');
    const encoded = await g.call('GET', "/users('%24kiosk-frontdesk%40contoso.com')");
    expect(encoded.body.id).toBe(good.body.id);
  });

  it('§4.3 B2B guests: #EXT# must be sent as %23EXT%23; the part before an unencoded # is not a user', async () => {
    const ok = await g.call('GET', '/users/karl.klein_fabrikam.com%23EXT%23@contoso.onmicrosoft.com');
    expect(ok.status).toBe(200);
    expect(ok.body.userPrincipalName).toBe('karl.klein_fabrikam.com#EXT#@contoso.onmicrosoft.com');
    // What reaches the server when a client leaves '#' unencoded: everything after it is a fragment.
    const cut = await g.call('GET', '/users/karl.klein_fabrikam.com');
    expect(cut.status).toBe(404);
  });

  it("§4.3 apostrophes: raw in a path segment, doubled inside users('…')", async () => {
    const raw = await g.call('GET', "/users/liam.o'connor@contoso.com");
    expect(raw.status).toBe(200);
    const encoded = await g.call('GET', '/users/liam.o%27connor%40contoso.com');
    expect(encoded.body.id).toBe(raw.body.id);
    const fn = await g.call('GET', "/users('liam.o''connor@contoso.com')");
    expect(fn.body.id).toBe(raw.body.id);
  });

  it('§4.3 soft-deleted users are not found', async () => {
    const res = await g.call('GET', '/users/emil.deleted@contoso.com');
    expect(res.status).toBe(404);
  });
});

describe('§2.7 error body and correlation headers', () => {
  it('§2.7 404 Request_ResourceNotFound with the real message and innerError trio', async () => {
    const res = await g.call('GET', '/users/nobody@contoso.com', {
      headers: { 'client-request-id': 'my-correlation-1' },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('Request_ResourceNotFound');
    expect(res.body.error.message).toBe(
      "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
    const inner = res.body.error.innerError;
    expect(inner['client-request-id']).toBe('my-correlation-1');
    expect(inner['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(inner.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/); // no zone suffix, as in real samples
    expect(res.headers['request-id']).toBe(inner['request-id']);
    expect(res.headers['client-request-id']).toBe('my-correlation-1');
  });

  it('§2.7 successful responses carry request-id, client-request-id, OData JSON and x-ms-ags-diagnostic', async () => {
    const res = await g.call('GET', '/users/anna.schmidt@contoso.com', {
      headers: { 'client-request-id': 'abc-123' },
    });
    expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['client-request-id']).toBe('abc-123');
    expect(res.headers['content-type']).toContain('application/json;odata.metadata=minimal');
    expect(res.headers['odata-version']).toBe('4.0');
    expect(JSON.parse(String(res.headers['x-ms-ags-diagnostic']))).toHaveProperty('ServerInfo');
  });

  it('§2.7 unknown segments are 400 BadRequest; unsupported methods 405', async () => {
    const seg = await g.call('GET', '/groupsx');
    expect(seg.status).toBe(400);
    expect(seg.body.error.innerError['request-id']).toBeTruthy();
    const method = await g.call('DELETE', '/users/anna.schmidt@contoso.com');
    expect(method.status).toBe(405);
  });
});

describe('§4.1-4.2 $select semantics', () => {
  it('§4.3 without $select only the default properties come back (no extension attributes)', async () => {
    const res = await g.call('GET', '/users/anna.schmidt@contoso.com');
    const keys = Object.keys(res.body).filter((k) => !k.startsWith('@odata'));
    expect(keys.sort()).toEqual(DEFAULT_PROPERTIES);
    expect(res.body['@odata.context']).toBe(`${g.emulator.graphBaseUrl}/$metadata#users/$entity`);
  });

  it('§4.1 onPremisesExtensionAttributes only when selected, with all 15 keys', async () => {
    const res = await g.call(
      'GET',
      '/users/anna.schmidt@contoso.com?$select=id,userPrincipalName,onPremisesExtensionAttributes',
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).filter((k) => !k.startsWith('@odata'))).toEqual([
      'id',
      'userPrincipalName',
      'onPremisesExtensionAttributes',
    ]);
    const attrs = res.body.onPremisesExtensionAttributes;
    expect(Object.keys(attrs)).toHaveLength(15);
    expect(attrs.extensionAttribute1).toBeNull();
    expect(typeof attrs.extensionAttribute15).toBe('string');
    expect(res.body['@odata.context']).toBe(
      `${g.emulator.graphBaseUrl}/$metadata#users(id,userPrincipalName,onPremisesExtensionAttributes)/$entity`,
    );
  });

  it('§4.2 directory extensions only when selected; unset ones are omitted', async () => {
    const ext = 'extension_9ab4ae146a43555c9fbffc8d6ffa168a_mfaPhone';
    const plain = await g.call('GET', '/users/zoe.bauer@contoso.com?$select=id,displayName');
    expect(plain.body[ext]).toBeUndefined();
    const selected = await g.call('GET', `/users/zoe.bauer@contoso.com?$select=id,${ext}`);
    expect(typeof selected.body[ext]).toBe('string');
    const unset = await g.call('GET', `/users/anna.schmidt@contoso.com?$select=id,${ext}`);
    expect(unset.status).toBe(200);
    expect(unset.body).not.toHaveProperty(ext);
  });

  it('§4.1 selecting something that is not a user property is a 400', async () => {
    const res = await g.call('GET', '/users/anna.schmidt@contoso.com?$select=id,favouriteColour');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("'favouriteColour'");
    const ext = await g.call(
      'GET',
      '/users/anna.schmidt@contoso.com?$select=extension_00000000000000000000000000000000_x',
    );
    expect(ext.status).toBe(400);
  });

  it('§4.1 known but unset properties come back as null (or [] for collections)', async () => {
    const res = await g.call(
      'GET',
      '/users/anna.schmidt@contoso.com?$select=employeeId,proxyAddresses,accountEnabled',
    );
    expect(res.body.employeeId).toBeNull();
    expect(res.body.proxyAddresses).toEqual([]);
    expect(res.body.accountEnabled).toBe(true);
  });
});

describe('§4.1 listing users', () => {
  it('§4.1 pages with $top and @odata.nextLink until every live user was seen', async () => {
    const seen = new Set<string>();
    let url: string | undefined = `${g.emulator.graphBaseUrl}/users?$select=id&$top=10`;
    let pages = 0;
    while (url) {
      const res = await g.call('GET', url.slice(g.emulator.graphBaseUrl.length));
      expect(res.status).toBe(200);
      expect(res.body.value.length).toBeLessThanOrEqual(10);
      for (const u of res.body.value) seen.add(u.id);
      url = res.body['@odata.nextLink'];
      pages++;
    }
    const info = await g.emulator.control.info();
    expect(seen.size).toBe(info.userCount);
    expect(pages).toBe(Math.ceil(info.userCount / 10));
  });

  it('§4.1 advanced filters need ConsistencyLevel: eventual and $count=true', async () => {
    const filter = encodeURIComponent('onPremisesExtensionAttributes/extensionAttribute15 ne null');
    const refused = await g.call('GET', `/users?$filter=${filter}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
    const ok = await g.call(
      'GET',
      `/users?$filter=${filter}&$count=true&$select=id,onPremisesExtensionAttributes&$top=999`,
      {
        headers: { ConsistencyLevel: 'eventual' },
      },
    );
    expect(ok.status).toBe(200);
    expect(ok.body['@odata.count']).toBe(ok.body.value.length);
    expect(
      ok.body.value.every((u: Json) => u.onPremisesExtensionAttributes.extensionAttribute15 !== null),
    ).toBe(true);
  });

  it('§4.1 simple filters (eq, startswith, in) work without advanced headers', async () => {
    const res = await g.call(
      'GET',
      `/users?$filter=${encodeURIComponent("startswith(displayName,'Anna') or userPrincipalName in ('ben.mueller@contoso.com')")}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.value.map((u: Json) => u.userPrincipalName).sort()).toEqual([
      'anna.schmidt@contoso.com',
      'ben.mueller@contoso.com',
    ]);
  });
});
