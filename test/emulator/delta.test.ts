import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type Json, type TestGraph } from './helpers';

/** Contract tests: /users/delta (reference/graph.md §6). */
let g: TestGraph;
const SELECT = '$select=id,userPrincipalName,onPremisesExtensionAttributes';

beforeAll(async () => {
  g = await startTestGraph({ pageSize: 10 });
});
afterAll(async () => {
  await g.emulator.stop();
});

const rel = (url: string): string => url.slice(g.emulator.graphBaseUrl.length);

/** Follows nextLinks to the deltaLink; returns every item and the deltaLink. */
async function round(
  start: string,
  headers: Record<string, string> = {},
): Promise<{ items: Json[]; deltaLink: string; pages: number }> {
  const items: Json[] = [];
  let url = start;
  let pages = 0;
  for (;;) {
    const res = await g.call('GET', url, { headers });
    expect(res.status, res.text).toBe(200);
    pages++;
    items.push(...(res.body.value as Json[]));
    if (res.body['@odata.nextLink']) {
      expect(res.body['@odata.deltaLink']).toBeUndefined();
      url = rel(res.body['@odata.nextLink']);
      continue;
    }
    return { items, deltaLink: rel(res.body['@odata.deltaLink']), pages };
  }
}

describe('§6 users/delta', () => {
  it('§6 the initial round pages with nextLink ($skiptoken) and ends with a deltaLink ($deltatoken)', async () => {
    const { items, deltaLink, pages } = await round(`/users/delta?${SELECT}`);
    const info = await g.emulator.control.info();
    const present = items.filter((i) => !i['@removed']);
    expect(present).toHaveLength(info.userCount);
    expect(pages).toBeGreaterThan(3);
    expect(deltaLink).toMatch(/^\/users\/delta\?\$deltatoken=/);
    for (const item of present) {
      expect(Object.keys(item).sort()).toEqual(['id', 'onPremisesExtensionAttributes', 'userPrincipalName']);
    }
    // A soft-deleted user shows up as @removed (reason "changed").
    expect(items.filter((i) => i['@removed'])).toEqual([
      { id: expect.any(String), '@removed': { reason: 'changed' } },
    ]);
  });

  it('§6 $deltatoken=latest returns no data, only a deltaLink', async () => {
    const res = await g.call('GET', `/users/delta?${SELECT}&$deltatoken=latest`);
    expect(res.body.value).toEqual([]);
    expect(res.body['@odata.deltaLink']).toBeTruthy();
    expect(res.body['@odata.nextLink']).toBeUndefined();
  });

  it('§6 later rounds return only users whose selected properties changed; id is always there', async () => {
    const start = await g.call('GET', `/users/delta?${SELECT}&$deltatoken=latest`);
    const link = rel(start.body['@odata.deltaLink']);
    await g.emulator.control.updateUser('anna.schmidt@contoso.com', {
      onPremisesExtensionAttributes: { extensionAttribute15: '+49 170 7654321' },
    });
    await g.emulator.control.updateUser('ben.mueller@contoso.com', { jobTitle: 'Not selected' });
    const next = await round(link);
    expect(next.items).toHaveLength(1);
    expect(next.items[0].userPrincipalName).toBe('anna.schmidt@contoso.com');
    expect(next.items[0].onPremisesExtensionAttributes.extensionAttribute15).toBe('+49 170 7654321');
    // Nothing changed since: an empty round with a fresh deltaLink.
    const again = await round(next.deltaLink);
    expect(again.items).toEqual([]);
  });

  it('§6 without $select, any property change surfaces the user', async () => {
    const start = await g.call('GET', '/users/delta?$deltatoken=latest');
    await g.emulator.control.updateUser('ben.mueller@contoso.com', { jobTitle: 'Changed again' });
    const next = await round(rel(start.body['@odata.deltaLink']));
    expect(next.items.map((i) => i.userPrincipalName)).toEqual(['ben.mueller@contoso.com']);
    expect(next.items[0].jobTitle).toBe('Changed again');
  });

  it('§6 Prefer: return=minimal returns only the changed properties', async () => {
    const start = await g.call('GET', '/users/delta?$select=id,displayName,jobTitle&$deltatoken=latest');
    await g.emulator.control.updateUser('clara.weber@contoso.com', { jobTitle: 'Minimal' });
    const next = await round(rel(start.body['@odata.deltaLink']), { Prefer: 'return=minimal' });
    expect(next.items).toEqual([{ id: expect.any(String), jobTitle: 'Minimal' }]);
  });

  it('§6 a property set to null appears as null', async () => {
    const start = await g.call('GET', '/users/delta?$select=id,jobTitle&$deltatoken=latest');
    await g.emulator.control.updateUser('clara.weber@contoso.com', { jobTitle: null });
    const next = await round(rel(start.body['@odata.deltaLink']));
    expect(next.items).toEqual([{ id: expect.any(String), jobTitle: null }]);
  });

  it('§6 deletions: soft delete is @removed "changed", permanent delete is @removed "deleted"; new users appear', async () => {
    const start = await g.call('GET', `/users/delta?${SELECT}&$deltatoken=latest`);
    await g.emulator.control.deleteUser('david.fischer@contoso.com');
    await g.emulator.control.deleteUser('eva.wagner@contoso.com', { permanent: true });
    const added = await g.emulator.control.addUser({
      id: '11111111-2222-4333-8444-555555555555',
      userPrincipalName: 'new.hire@contoso.com',
      displayName: 'New Hire',
      onPremisesExtensionAttributes: { extensionAttribute15: '+49 170 5550001' },
    });
    const next = await round(rel(start.body['@odata.deltaLink']));
    const david = (await g.emulator.control.getUser('david.fischer@contoso.com'))!;
    expect(next.items).toContainEqual({ id: david.id, '@removed': { reason: 'changed' } });
    expect(next.items.find((i) => i['@removed']?.reason === 'deleted')).toBeTruthy();
    expect(next.items.find((i) => i.id === added.id)?.userPrincipalName).toBe('new.hire@contoso.com');
  });

  it('§6 query options live in the token: $select with a $skiptoken is refused, $top is not supported', async () => {
    const first = await g.call('GET', `/users/delta?${SELECT}`);
    const next = rel(first.body['@odata.nextLink']);
    expect((await g.call('GET', `${next}&$select=id`)).status).toBe(400);
    expect((await g.call('GET', `/users/delta?$top=5`)).status).toBe(400);
  });

  it("§6 $filter=id eq '…' limits the round to those users", async () => {
    const anna = (await g.emulator.control.getUser('anna.schmidt@contoso.com'))!;
    const { items } = await round(
      `/users/delta?$select=id,displayName&$filter=${encodeURIComponent(`id eq '${anna.id}'`)}`,
    );
    expect(items.map((i) => i.id)).toEqual([anna.id]);
  });

  it('§6 410 Gone + Location forces a resync; following Location starts a new initial round', async () => {
    const start = await g.call('GET', `/users/delta?${SELECT}&$deltatoken=latest`);
    await g.emulator.control.forceDeltaResync();
    const gone = await g.call('GET', rel(start.body['@odata.deltaLink']));
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('syncStateNotFound');
    const location = String(gone.headers.location);
    expect(location).toContain('/users/delta?');
    expect(location).toContain('$select=id,userPrincipalName,onPremisesExtensionAttributes');
    const restarted = await round(rel(location));
    expect(restarted.items.length).toBeGreaterThan(30);
    // Only the next continuation was forced.
    expect((await g.call('GET', restarted.deltaLink)).status).toBe(200);
  });

  it('§6 a token that is not ours, or from before a reseed, is 410 as well', async () => {
    expect((await g.call('GET', '/users/delta?$deltatoken=bm90LWEtdG9rZW4')).status).toBe(410);
  });
});

describe('§6 delta-token lifetime (time-scaled)', () => {
  it('§6 tokens expire after 7 days; with timeScale the 7 days pass in two seconds', async () => {
    const fast = await startTestGraph({ timeScale: (7 * 24 * 3600) / 2 });
    try {
      const start = await fast.call('GET', '/users/delta?$select=id&$deltatoken=latest');
      const link = start.body['@odata.deltaLink'].slice(fast.emulator.graphBaseUrl.length);
      expect((await fast.call('GET', link)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2300));
      expect((await fast.call('GET', link)).status).toBe(410);
    } finally {
      await fast.emulator.stop();
    }
  });
});
