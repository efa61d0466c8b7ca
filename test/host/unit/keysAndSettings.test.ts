import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySettings, resolveSettingPlaceholders } from '../../../dev/host/app/settings';
import { isAuthorized, loadKeys } from '../../../dev/host/http/keys';

describe('keys', () => {
  it('generates keys once, keeps them across loads, and lets settings and options override them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'host-keys.json');
    const first = loadKeys({ file, fromSettings: undefined, overrides: undefined, functionNames: ['f'] });
    const second = loadKeys({
      file,
      fromSettings: undefined,
      overrides: undefined,
      functionNames: ['f', 'g'],
    });
    expect(second.masterKey).toBe(first.masterKey);
    expect(second.functionKeys['f']).toEqual(first.functionKeys['f']);
    expect(second.functionKeys['g']?.['default']).toBeTruthy();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ masterKey: first.masterKey });
    const overridden = loadKeys({
      file,
      fromSettings: { masterKey: 'from-settings', functionKeys: { f: { extra: 'x' } } },
      overrides: { hostKeys: { ci: 'from-options' } },
      functionNames: ['f'],
    });
    expect(overridden.masterKey).toBe('from-settings');
    expect(overridden.functionKeys['f']).toEqual({
      default: first.functionKeys['f']?.['default'],
      extra: 'x',
    });
    expect(overridden.hostKeys['ci']).toBe('from-options');
  });

  it('authorizes per scope', () => {
    const keys = {
      masterKey: 'm',
      hostKeys: { default: 'h' },
      functionKeys: { f: { default: 'fk' }, g: { default: 'gk' } },
      systemKeys: { durabletask_extension: 's' },
    };
    const fn = { kind: 'function', functionName: 'f' } as const;
    expect(['fk', 'h', 'm'].map((key) => isAuthorized(keys, fn, key))).toEqual([true, true, true]);
    expect(['gk', 's', '', undefined].map((key) => isAuthorized(keys, fn, key))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['m', 'h'].map((key) => isAuthorized(keys, { kind: 'admin' }, key))).toEqual([true, false]);
    const system = { kind: 'system', systemKeyName: 'durabletask_extension' } as const;
    expect(['s', 'm', 'h'].map((key) => isAuthorized(keys, system, key))).toEqual([true, true, false]);
  });
});

describe('app settings', () => {
  it('applies file values unless the environment already has them; overrides win over both', () => {
    const env: NodeJS.ProcessEnv = { A: 'env' };
    const shadowed = applySettings({ A: 'file', B: 'file' }, { C: 'opt', B: 'opt' }, env);
    expect(env).toEqual({ A: 'env', B: 'opt', C: 'opt' });
    expect(shadowed).toEqual(['A']);
  });

  it('resolves %NAME% placeholders and refuses unknown ones', () => {
    const env = { QUEUE: 'users', HUB: 'h1' };
    expect(resolveSettingPlaceholders('%QUEUE%', env)).toBe('users');
    expect(resolveSettingPlaceholders('pre-%HUB%-%QUEUE%', env)).toBe('pre-h1-users');
    expect(() => resolveSettingPlaceholders('%NOPE%', env)).toThrow("'%NOPE%' does not resolve to a value.");
  });
});
