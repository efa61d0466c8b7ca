import { EXTENSION_ATTRIBUTE_NAMES } from '../seed/schema';
import { canonicalUserProperty, userPropertyValue, type UserRecord } from '../store/users';
import { errors, GraphError } from './errors';

/**
 * A small OData `$filter` for users: `eq`, `ne`, `in`, `startswith`, `endswith`, `not`, `and`, `or`,
 * parentheses, on user properties and `onPremisesExtensionAttributes/extensionAttributeN`. Enough for the
 * queries the product and its tests make; anything else is a 400 like Graph's unsupported-query error.
 */
type Literal = string | number | boolean | null;
type Node =
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'not'; operand: Node }
  | { type: 'cmp'; op: 'eq' | 'ne'; path: string[]; value: Literal }
  | { type: 'in'; path: string[]; values: Literal[] }
  | { type: 'fn'; name: 'startswith' | 'endswith'; path: string[]; value: string };

export interface UserFilter {
  matches(user: UserRecord): boolean;
  /** Uses operators Graph serves only as advanced queries (ConsistencyLevel: eventual + $count). */
  advanced: boolean;
}

const TOKEN = /\s*(\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w/]*|-?\d+(?:\.\d+)?)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m?.[1]) throw errors.invalidQuery(`Syntax error at position ${pos} in '${text}'.`);
    tokens.push(m[1]);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

export function parseUserFilter(text: string): UserFilter {
  const tokens = tokenize(text);
  let i = 0;
  let advanced = false;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw errors.invalidQuery(`Unexpected end of filter '${text}'.`);
    return t;
  };
  const expect = (t: string): void => {
    const got = next();
    if (got.toLowerCase() !== t)
      throw errors.invalidQuery(`Expected '${t}' but found '${got}' in '${text}'.`);
  };
  const literal = (): Literal => {
    const t = next();
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (t === 'null') return null;
    if (t === 'true' || t === 'false') return t === 'true';
    if (/^-?\d/.test(t)) return Number(t);
    throw errors.invalidQuery(`Expected a literal but found '${t}'.`);
  };
  const propertyPath = (): string[] => {
    const raw = next();
    const parts = raw.split('/');
    const head = parts[0] ?? '';
    const canonical = canonicalUserProperty(head) ?? (head.startsWith('extension_') ? head : undefined);
    if (!canonical) throw errors.unknownProperty(head);
    if (parts.length === 1) return [canonical];
    const attr = EXTENSION_ATTRIBUTE_NAMES.find((n) => n.toLowerCase() === (parts[1] ?? '').toLowerCase());
    if (canonical !== 'onPremisesExtensionAttributes' || parts.length !== 2 || !attr) {
      throw errors.unsupportedQuery(`Unsupported property path '${raw}' in filter.`);
    }
    return [canonical, attr];
  };
  const primary = (): Node => {
    const t = peek();
    if (t === '(') {
      next();
      const node = orExpr();
      expect(')');
      return node;
    }
    if (t && /^(startswith|endswith)$/i.test(t)) {
      const name = next().toLowerCase() as 'startswith' | 'endswith';
      if (name === 'endswith') advanced = true;
      expect('(');
      const path = propertyPath();
      expect(',');
      const value = literal();
      expect(')');
      if (typeof value !== 'string') throw errors.invalidQuery(`${name} needs a string literal.`);
      return { type: 'fn', name, path, value };
    }
    const path = propertyPath();
    const op = next().toLowerCase();
    if (op === 'in') {
      expect('(');
      const values: Literal[] = [literal()];
      while (peek() === ',') {
        next();
        values.push(literal());
      }
      expect(')');
      return { type: 'in', path, values };
    }
    if (op !== 'eq' && op !== 'ne') throw errors.unsupportedQuery(`Unsupported operator '${op}' in filter.`);
    const value = literal();
    if (op === 'ne' || value === null) advanced = true;
    return { type: 'cmp', op, path, value };
  };
  const unary = (): Node => {
    if (peek()?.toLowerCase() === 'not') {
      next();
      advanced = true;
      return { type: 'not', operand: unary() };
    }
    return primary();
  };
  const andExpr = (): Node => {
    let left = unary();
    while (peek()?.toLowerCase() === 'and') {
      next();
      left = { type: 'and', left, right: unary() };
    }
    return left;
  };
  const orExpr = (): Node => {
    let left = andExpr();
    while (peek()?.toLowerCase() === 'or') {
      next();
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };
  let root: Node;
  try {
    root = orExpr();
    if (i !== tokens.length)
      throw errors.invalidQuery(`Unexpected '${tokens[i] ?? ''}' in filter '${text}'.`);
  } catch (error) {
    if (error instanceof GraphError) throw error;
    throw errors.invalidQuery(`Invalid filter clause '${text}'.`);
  }
  return { matches: (user) => evaluate(root, user), advanced };
}

function valueAt(user: UserRecord, path: string[]): unknown {
  const value = userPropertyValue(user, path[0] ?? '');
  if (path.length === 1) return value ?? null;
  return (value as Record<string, unknown> | null)?.[path[1] ?? ''] ?? null;
}

function equal(actual: unknown, expected: Literal): boolean {
  if (Array.isArray(actual)) return actual.some((a) => equal(a, expected));
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  return (actual ?? null) === expected;
}

function evaluate(node: Node, user: UserRecord): boolean {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, user) && evaluate(node.right, user);
    case 'or':
      return evaluate(node.left, user) || evaluate(node.right, user);
    case 'not':
      return !evaluate(node.operand, user);
    case 'cmp': {
      const eq = equal(valueAt(user, node.path), node.value);
      return node.op === 'eq' ? eq : !eq;
    }
    case 'in': {
      const actual = valueAt(user, node.path);
      return node.values.some((v) => equal(actual, v));
    }
    case 'fn': {
      const actual = valueAt(user, node.path);
      if (typeof actual !== 'string') return false;
      const a = actual.toLowerCase();
      const v = node.value.toLowerCase();
      return node.name === 'startswith' ? a.startsWith(v) : a.endsWith(v);
    }
  }
}
