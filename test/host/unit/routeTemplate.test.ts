import { describe, expect, it } from 'vitest';
import { comparePrecedence, matchRoute, parseRouteTemplate } from '../../../dev/host/http/routeTemplate';

const match = (template: string, path: string): Record<string, string> | undefined =>
  matchRoute(parseRouteTemplate(template), path);

describe('route templates', () => {
  it('matches literals case-insensitively and binds parameters', () => {
    expect(match('sync/{id}', 'SYNC/abc')).toEqual({ id: 'abc' });
    expect(match('sync/{id}', 'sync')).toBeUndefined();
    expect(match('sync/{id}', 'sync/a/b')).toBeUndefined();
    expect(match('sync', 'sync/')).toEqual({});
  });

  it('handles optional parameters, defaults and catch-alls', () => {
    expect(match('a/{b?}', 'a')).toEqual({});
    expect(match('a/{b?}', 'a/x')).toEqual({ b: 'x' });
    expect(match('a/{b=def}', 'a')).toEqual({ b: 'def' });
    expect(match('files/{*path}', 'files/x/y/z')).toEqual({ path: 'x/y/z' });
    expect(match('files/{*path}', 'files')).toEqual({});
  });

  it('applies constraints', () => {
    expect(match('n/{id:int}', 'n/12')).toEqual({ id: '12' });
    expect(match('n/{id:int}', 'n/x')).toBeUndefined();
    expect(match('n/{id:int?}', 'n')).toEqual({});
    expect(match('g/{id:guid}', 'g/3179e48a-750b-4051-897c-87b9720928f7')).toBeDefined();
    expect(match('g/{id:guid}', 'g/nope')).toBeUndefined();
    expect(match('w/{w:alpha:minlength(3)}', 'w/ab')).toBeUndefined();
    expect(match('w/{w:alpha:minlength(3)}', 'w/abc')).toEqual({ w: 'abc' });
    expect(match('r/{v:regex(^v[0-9]+$)}', 'r/v12')).toEqual({ v: 'v12' });
    expect(match('r/{v:range(1,5)}', 'r/9')).toBeUndefined();
    expect(match('b/{v:bool}', 'b/True')).toEqual({ v: 'True' });
  });

  it('decodes each segment separately', () => {
    expect(match('u/{upn}', 'u/first%40contoso.com')).toEqual({ upn: 'first@contoso.com' });
    expect(match('u/{upn}', 'u/a%2Fb')).toEqual({ upn: 'a/b' });
  });

  it('orders literal segments before constrained before plain parameters', () => {
    const templates = ['items/{id}', 'items/special', 'items/{id:int}', '{*all}'].map(parseRouteTemplate);
    expect(templates.sort(comparePrecedence).map((t) => t.template)).toEqual([
      'items/special',
      'items/{id:int}',
      'items/{id}',
      '{*all}',
    ]);
  });
});
