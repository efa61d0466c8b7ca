/**
 * ASP.NET-style route templates as HTTP triggers use them: literal segments (case-insensitive), `{name}`,
 * optional `{name?}`, defaults `{name=value}`, constraints `{name:int}` / `{name:regex(...)}` / `{name:alpha:minlength(2)}`,
 * and a catch-all `{*rest}` as the last segment.
 */

type Segment =
  | { kind: 'literal'; text: string }
  | {
      kind: 'parameter';
      name: string;
      optional: boolean;
      catchAll: boolean;
      defaultValue: string | undefined;
      constraints: string[];
    };

export interface RouteTemplate {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** Higher wins when several templates match: literals beat constrained parameters beat plain ones. */
  readonly precedence: number[];
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] = trimmed.length === 0 ? [] : trimmed.split('/').map(parseSegment);
  const precedence = segments.map((segment) =>
    segment.kind === 'literal' ? 4 : segment.catchAll ? 1 : segment.constraints.length > 0 ? 3 : 2,
  );
  return { template, segments, precedence };
}

function parseSegment(text: string): Segment {
  const match = /^\{(\*{1,2})?([^}:=?]+)((?::[^}=?]+?(?:\([^)]*\))?)*)(\?)?(?:=([^}]*))?\}$/.exec(text);
  if (!match) return { kind: 'literal', text };
  const constraintText = match[3] ?? '';
  const constraints: string[] = [];
  const constraintPattern = /:([a-zA-Z]+(?:\((?:[^()]|\([^()]*\))*\))?)/g;
  for (const constraint of constraintText.matchAll(constraintPattern))
    if (constraint[1]) constraints.push(constraint[1]);
  return {
    kind: 'parameter',
    name: match[2] ?? '',
    catchAll: match[1] !== undefined,
    optional: match[4] === '?',
    defaultValue: match[5],
    constraints,
  };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Matches a raw URL path (route prefix removed); segments are decoded one by one, so `%2F` stays inside one. */
export function matchRoute(route: RouteTemplate, path: string): Record<string, string> | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  const parts = trimmed.length === 0 ? [] : trimmed.split('/').map(safeDecode);
  const values: Record<string, string> = {};
  const segments = route.segments;
  let index = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s];
    if (!segment) return undefined;
    const part = parts[index];
    if (segment.kind === 'literal') {
      if (part === undefined || part.toLowerCase() !== segment.text.toLowerCase()) return undefined;
      index++;
      continue;
    }
    if (segment.catchAll) {
      const rest = parts.slice(index).join('/');
      if (rest.length > 0) values[segment.name] = rest;
      else if (segment.defaultValue !== undefined) values[segment.name] = segment.defaultValue;
      index = parts.length;
      continue;
    }
    if (part === undefined || part.length === 0) {
      if (segment.defaultValue !== undefined) values[segment.name] = segment.defaultValue;
      else if (!segment.optional) return undefined;
      continue;
    }
    if (!segment.constraints.every((constraint) => satisfies(constraint, part))) return undefined;
    values[segment.name] = part;
    index++;
  }
  return index === parts.length ? values : undefined;
}

function satisfies(constraint: string, value: string): boolean {
  const call = /^([a-zA-Z]+)(?:\((.*)\))?$/.exec(constraint);
  const name = call?.[1]?.toLowerCase();
  const argument = call?.[2] ?? '';
  const number = Number(argument);
  switch (name) {
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'decimal':
    case 'double':
    case 'float':
      return /^-?\d+(\.\d+)?$/.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    case 'guid':
      return /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i.test(value);
    case 'datetime':
      return !Number.isNaN(Date.parse(value));
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    case 'minlength':
      return value.length >= number;
    case 'maxlength':
      return value.length <= number;
    case 'length': {
      const [min, max] = argument.split(',').map(Number);
      return max === undefined ? value.length === min : value.length >= (min ?? 0) && value.length <= max;
    }
    case 'min':
      return Number(value) >= number;
    case 'max':
      return Number(value) <= number;
    case 'range': {
      const [min, max] = argument.split(',').map(Number);
      return Number(value) >= (min ?? -Infinity) && Number(value) <= (max ?? Infinity);
    }
    case 'regex':
      try {
        return new RegExp(argument, 'i').test(value);
      } catch {
        return false;
      }
    default:
      return true;
  }
}

/** Compares precedence arrays: the more specific template sorts first. */
export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const difference = (b.precedence[i] ?? 0) - (a.precedence[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
