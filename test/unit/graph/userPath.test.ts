import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../../lib/graph/errors';
import { PHONE_METHOD_IDS } from '../../../lib/graph/phoneMethods';
import { phoneMethodPath, phoneMethodsPath, selectValue, userPath } from '../../../lib/graph/userPath';
import { BASE_URL, harness, json, rejectionOf } from './support';

const USER = { id: '6e7b768e-07e2-4810-8459-485f84f8f204', userPrincipalName: 'x@contoso.com' };

describe('userPath', () => {
  it.each([
    // [key, expected path]
    ['adele@contoso.com', '/users/adele@contoso.com'],
    ['6E7B768E-07E2-4810-8459-485F84F8F204', '/users/6e7b768e-07e2-4810-8459-485f84f8f204'],
    ['6e7b768e-07e2-4810-8459-485f84f8f204', '/users/6e7b768e-07e2-4810-8459-485f84f8f204'],
    ['AdeleVance_adatum.com#EXT#@contoso.com', '/users/AdeleVance_adatum.com%23EXT%23@contoso.com'],
    ['$admin@contoso.com', "/users('$admin@contoso.com')"],
    ["$o'neil@contoso.com", "/users('$o%27%27neil@contoso.com')"],
    ["o'neil@contoso.com", '/users/o%27neil@contoso.com'],
    ['jürgen.müller@contoso.de', '/users/j%C3%BCrgen.m%C3%BCller@contoso.de'],
    ['名前@contoso.jp', '/users/%E5%90%8D%E5%89%8D@contoso.jp'],
    ['100%user@contoso.com', '/users/100%25user@contoso.com'],
    ['first last@contoso.com', '/users/first%20last@contoso.com'],
    ['a+b@contoso.com', '/users/a%2Bb@contoso.com'],
    ['a&b=c@contoso.com', '/users/a%26b%3Dc@contoso.com'],
    ['(x)!*@contoso.com', '/users/%28x%29%21%2A@contoso.com'],
    ['a$b@contoso.com', '/users/a$b@contoso.com'],
  ])('%s → %s', (key, expected) => {
    expect(userPath(key)).toBe(expected);
  });

  it.each([
    ['../../me', '/users/..%2F..%2Fme'],
    ['a/b@contoso.com', '/users/a%2Fb@contoso.com'],
    ['x@y.com/authentication/phoneMethods', '/users/x@y.com%2Fauthentication%2FphoneMethods'],
    ['x@y.com?$select=passwordProfile', '/users/x@y.com%3F$select%3DpasswordProfile'],
    ['x@y.com#frag', '/users/x@y.com%23frag'],
    ['%2e%2e', '/users/%252e%252e'],
    ['..%2Fme', '/users/..%252Fme'],
    ["$x@y.com')/authentication('", "/users('$x@y.com%27%27%29%2Fauthentication%28%27%27')"],
    ['https://evil.example/v1.0/users', '/users/https%3A%2F%2Fevil.example%2Fv1.0%2Fusers'],
    ['a\r\nHost: evil', '/users/a%0D%0AHost%3A%20evil'],
  ])('adversarial %j stays one segment: %s', (key, expected) => {
    const path = userPath(key);
    expect(path).toBe(expected);
    // Exactly one segment (or one quoted key with no bare quote inside) after /users, and a URL parser
    // keeps it as it is.
    expect(path).toMatch(/^\/users(?:\/[^/?#]+|\('[^/?#']*'\))$/);
    expect(new URL(`${BASE_URL}${path}`).pathname).toBe(`/v1.0${path}`);
  });

  it.each([
    ['', 'empty'],
    ['.', 'relative'],
    ['..', 'relative'],
    ['\uD800@contoso.com', 'Unicode'],
    ['a'.repeat(1025), 'too long'],
  ])('refuses %j (%s) as invalid without building a path', (key) => {
    let thrown: unknown;
    try {
      userPath(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphRequestError);
    expect(thrown).toMatchObject({ kind: 'invalid', status: 0, code: 'InvalidUserKey' });
  });

  it('builds phone-method paths from the object id and the fixed method ids', () => {
    expect(phoneMethodsPath(USER.id)).toBe(`/users/${USER.id}/authentication/phoneMethods`);
    expect(phoneMethodPath(USER.id, 'mobile')).toBe(
      `/users/${USER.id}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7`,
    );
    expect(phoneMethodPath(USER.id, 'alternateMobile')).toBe(
      `/users/${USER.id}/authentication/phoneMethods/${PHONE_METHOD_IDS.alternateMobile}`,
    );
    expect(phoneMethodPath('a/b', 'office')).toBe(
      `/users/a%2Fb/authentication/phoneMethods/${PHONE_METHOD_IDS.office}`,
    );
  });
});

describe('selectValue', () => {
  it('puts id and userPrincipalName first and drops duplicates (case-insensitive)', () => {
    expect(selectValue(['onPremisesExtensionAttributes', 'ID', 'mobilePhone', 'mobilePhone'])).toBe(
      'id,userPrincipalName,onPremisesExtensionAttributes,mobilePhone',
    );
    expect(selectValue([])).toBe('id,userPrincipalName');
    expect(selectValue(['extension_b7d8e5f0a1b2c3d4e5f6a7b8c9d0e1f2_costCenter'])).toBe(
      'id,userPrincipalName,extension_b7d8e5f0a1b2c3d4e5f6a7b8c9d0e1f2_costCenter',
    );
  });

  it.each(['a,b', 'manager($select=id)', 'x&$expand=manager', 'a b', '', 'onPremisesExtensionAttributes/x'])(
    'refuses %j as a property name',
    (name) => {
      expect(() => selectValue([name])).toThrow(GraphRequestError);
    },
  );
});

describe('the URL the transport receives', () => {
  it.each([
    ['adele@contoso.com', `${BASE_URL}/users/adele@contoso.com?$select=id,userPrincipalName`],
    ['$admin@contoso.com', `${BASE_URL}/users('$admin@contoso.com')?$select=id,userPrincipalName`],
    [
      'AdeleVance_adatum.com#EXT#@contoso.com',
      `${BASE_URL}/users/AdeleVance_adatum.com%23EXT%23@contoso.com?$select=id,userPrincipalName`,
    ],
    ['../me?x=1#y', `${BASE_URL}/users/..%2Fme%3Fx%3D1%23y?$select=id,userPrincipalName`],
    ['a b/c', `${BASE_URL}/users/a%20b%2Fc?$select=id,userPrincipalName`],
  ])('getUser(%j) requests %s', async (key, expected) => {
    const h = harness([() => json(200, USER)]);
    await h.gateway.getUser(key, []);
    expect(h.transport.requests.map((r) => r.url)).toEqual([expected]);
    const url = new URL(expected);
    expect(url.host).toBe('graph.test');
    expect(url.search).toBe('?$select=id,userPrincipalName');
    expect(url.hash).toBe('');
  });

  it('getUser asks for the selected properties', async () => {
    const h = harness([() => json(200, USER)]);
    await h.gateway.getUser(USER.id, ['onPremisesExtensionAttributes', 'displayName']);
    expect(h.transport.requests[0]?.url).toBe(
      `${BASE_URL}/users/${USER.id}?$select=id,userPrincipalName,onPremisesExtensionAttributes,displayName`,
    );
  });

  it('phone-method calls address the user by the id they are given and the fixed method id', async () => {
    const h = harness([
      () => json(200, { value: [] }),
      () => json(201, { id: PHONE_METHOD_IDS.mobile, phoneNumber: '+1 2065550100', phoneType: 'mobile' }),
      () => new Response(null, { status: 204 }),
      () => new Response(null, { status: 204 }),
    ]);
    await h.gateway.listPhoneMethods(USER.id);
    await h.gateway.createPhoneMethod(USER.id, 'mobile', '+1 2065550100');
    await h.gateway.updatePhoneMethod(USER.id, 'office', '+1 2065550100');
    await h.gateway.deletePhoneMethod(USER.id, 'alternateMobile');
    expect(h.transport.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${BASE_URL}/users/${USER.id}/authentication/phoneMethods`,
      `POST ${BASE_URL}/users/${USER.id}/authentication/phoneMethods`,
      `PATCH ${BASE_URL}/users/${USER.id}/authentication/phoneMethods/${PHONE_METHOD_IDS.office}`,
      `DELETE ${BASE_URL}/users/${USER.id}/authentication/phoneMethods/${PHONE_METHOD_IDS.alternateMobile}`,
    ]);
  });

  it('keeps a base URL path prefix in front of the version', async () => {
    const h = harness([() => json(200, USER)], {
      settings: { baseUrl: 'https://127.0.0.1:8443/graph/v1.0/' },
    });
    await h.gateway.getUser('x@contoso.com', []);
    expect(h.transport.requests[0]?.url).toBe(
      'https://127.0.0.1:8443/graph/v1.0/users/x@contoso.com?$select=id,userPrincipalName',
    );
  });

  it('sends nothing for a key no user can have, and rejects with invalid', async () => {
    const h = harness([() => json(200, USER)]);
    const error = await rejectionOf(h.gateway.getUser('..', []));
    expect(error).toMatchObject({ kind: 'invalid', code: 'InvalidUserKey' });
    const badSelect = await rejectionOf(h.gateway.getUser('x@contoso.com', ['a,passwordProfile']));
    expect(badSelect).toMatchObject({ kind: 'invalid', code: 'InvalidSelect' });
    expect(h.transport.requests).toHaveLength(0);
  });
});
