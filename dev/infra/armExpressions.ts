/**
 * Just enough of ARM template expressions (`"[func(args)]"`) for the project rules: Bicep compiles an
 * object built with union() or a ternary into `createObject('key', value, ...)` calls, and role ids into
 * string literals inside `subscriptionResourceId(...)`. A full evaluator is not needed: the rules only
 * ask which literal keys and values an expression can produce.
 */

export function isExpression(value: string): boolean {
  return value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']');
}

/** Every single-quoted string literal in an expression ('' is an escaped quote). */
export function stringLiterals(expression: string): string[] {
  const literals: string[] = [];
  for (let i = 0; i < expression.length; i++) {
    if (expression[i] !== "'") continue;
    const { text, end } = readLiteral(expression, i);
    literals.push(text);
    i = end;
  }
  return literals;
}

function readLiteral(expression: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < expression.length) {
    if (expression[i] === "'") {
      if (expression[i + 1] === "'") {
        text += "'";
        i += 2;
        continue;
      }
      return { text, end: i };
    }
    text += expression[i];
    i++;
  }
  return { text, end: i };
}

/** The arguments of the call whose '(' is at `open`, as raw text, split at top-level commas. */
function callArguments(expression: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = open + 1; i < expression.length; i++) {
    const char = expression[i] ?? '';
    if (char === "'") {
      const { end } = readLiteral(expression, i);
      current += expression.slice(i, end + 1);
      i = end;
      continue;
    }
    if (char === '(' || char === '[') depth++;
    if (char === ')' || char === ']') {
      if (depth === 0) {
        if (current.trim() !== '') args.push(current.trim());
        return args;
      }
      depth--;
    }
    if (char === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  return args;
}

/** Key/value pairs of every `createObject(...)` call, nested ones included; values stay raw text. */
export function createObjectEntries(expression: string): [string, string][] {
  const entries: [string, string][] = [];
  for (let i = 0; i < expression.length; i++) {
    if (expression[i] === "'") {
      i = readLiteral(expression, i).end;
      continue;
    }
    if (!expression.startsWith('createObject(', i)) continue;
    const args = callArguments(expression, i + 'createObject'.length);
    for (let k = 0; k + 1 < args.length; k += 2) {
      const key = args[k] ?? '';
      if (key.startsWith("'") && key.endsWith("'"))
        entries.push([key.slice(1, -1).replace(/''/g, "'"), args[k + 1] ?? '']);
    }
  }
  return entries;
}
