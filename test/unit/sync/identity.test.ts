import { describe, expect, it } from 'vitest';
import {
  KEYS_PER_RESOLVE_CALL,
  keysToResolve,
  mergeByIdentity,
  parseResolveKeysInput,
  parseResolvedKeys,
  resolveKeys,
} from '../../../lib/sync/identity';
import { MemoryGraph } from '../../support/memoryGraph';

const ID_A = '0a0a0a0a-0000-4000-8000-00000000000a';
const ID_B = '0b0b0b0b-0000-4000-8000-00000000000b';
const ID_GHOST = '0f0f0f0f-0000-4000-8000-00000000000f';

function tenant(): MemoryGraph {
  return new MemoryGraph()
    .add({ id: ID_A, userPrincipalName: 'Alice@contoso.com' })
    .add({ id: ID_B, userPrincipalName: 'bob@contoso.com' });
}

describe('one person, one outcome (issue 7 §4, lib/sync/identity.ts)', () => {
  it('needs no Graph read when a batch uses one kind of key', () => {
    expect(keysToResolve(['a@contoso.com', 'b@contoso.com'])).toEqual([]);
    expect(keysToResolve([ID_A, ID_B])).toEqual([]);
  });

  it('resolves the smaller side of a mixed batch', () => {
    expect(keysToResolve([ID_A, 'a@contoso.com', 'b@contoso.com'])).toEqual([ID_A]);
    expect(keysToResolve([ID_A, ID_B, 'a@contoso.com'])).toEqual(['a@contoso.com']);
  });

  it('keeps the first key of a person named by object id and by UPN, whichever side was resolved', async () => {
    const graph = tenant();
    // Object ids are the smaller side: they are read, and matched to the UPNs by their UPN.
    const byIds = [ID_A, 'bob@contoso.com', 'ALICE@contoso.com', 'carol@contoso.com'];
    const idKeys = keysToResolve(byIds);
    const idResolved = await resolveKeys(graph, { keys: idKeys, priority: 'normal' });
    expect(mergeByIdentity(byIds, idKeys, idResolved)).toEqual({
      users: [ID_A, 'bob@contoso.com', 'carol@contoso.com'],
      duplicatesRemoved: 1,
    });
    // UPNs are the smaller side: they are read, and matched to the object ids by their id.
    const byUpns = ['alice@contoso.com', ID_B, ID_A, ID_GHOST];
    const upnKeys = keysToResolve(byUpns);
    const upnResolved = await resolveKeys(graph, { keys: upnKeys, priority: 'low' });
    expect(mergeByIdentity(byUpns, upnKeys, upnResolved)).toEqual({
      users: ['alice@contoso.com', ID_B, ID_GHOST],
      duplicatesRemoved: 1,
    });
    expect(graph.calls.map((call) => call.user)).toEqual([ID_A, 'alice@contoso.com']);
    expect(graph.calls.at(-1)?.options?.priority).toBe('low');
  });

  it('leaves a key Graph does not know as it is (its sync reports notFound) and keeps distinct people', async () => {
    const graph = tenant();
    const users = [ID_GHOST, 'nobody@contoso.com', 'bob@contoso.com', 'alice@contoso.com'];
    const keys = keysToResolve(users);
    const resolved = await resolveKeys(graph, { keys, priority: 'normal' });
    expect(resolved).toEqual([null]);
    expect(mergeByIdentity(users, keys, resolved)).toEqual({ users, duplicatesRemoved: 0 });
  });

  it('rejects on any failure but notFound, so the activity is retried instead of guessing', async () => {
    const graph = tenant().fail('getUser', 'throttled', 1);
    await expect(resolveKeys(graph, { keys: [ID_A, ID_B], priority: 'normal' })).rejects.toMatchObject({
      kind: 'throttled',
    });
  });

  it('validates the activity messages: at most 500 keys in, one answer per key out', () => {
    const tooMany = Array.from({ length: KEYS_PER_RESOLVE_CALL + 1 }, (_, i) => `u${i}@contoso.com`);
    expect(() => parseResolveKeysInput({ keys: tooMany, priority: 'normal' })).toThrow(
      /resolveUserKeys input/,
    );
    expect(() => parseResolvedKeys([null], 2)).toThrow(/for 1 keys, not 2/);
    expect(() => parseResolvedKeys([{ id: 1 }], 1)).toThrow(/resolveUserKeys result/);
  });
});
