/**
 * Finds an object with the same member name twice in JSON text that already parsed. `JSON.parse` keeps the
 * last of them silently, so `{"UserPrincipalName": "a@…", "UserPrincipalName": "b@…"}` would sync one user
 * the caller may not have meant; RFC 8259 §4 leaves such a body's meaning unpredictable, so it is refused.
 *
 * One linear pass over the text (no second tree), tracking the member names of each open object.
 */
export interface DuplicateMember {
  /** JSON Pointer (RFC 6901) of the object holding the duplicate. */
  objectPointer: string;
  name: string;
}

interface Frame {
  kind: 'object' | 'array';
  /** Member names seen so far (objects) */
  names: Set<string>;
  /** The pointer segment of this container inside its parent ('' for the root). */
  segment: string;
  /** Arrays: index of the current element; objects: name of the current member. */
  index: number;
  current: string;
  expectName: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function findDuplicateMember(text: string): DuplicateMember | undefined {
  const stack: Frame[] = [];
  let i = 0;
  const childSegment = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return '';
    return top.kind === 'array' ? String(top.index) : top.current;
  };
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) {
          return {
            objectPointer: stack
              .slice(1)
              .map((f) => `/${escape(f.segment)}`)
              .join(''),
            name,
          };
        }
        top.names.add(name);
        top.current = name;
        top.expectName = false;
      }
      i = end + 1;
      continue;
    }
    switch (text[i]) {
      case '{':
      case '[': {
        const segment = childSegment();
        const kind = text[i] === '{' ? 'object' : 'array';
        stack.push({ kind, names: new Set(), segment, index: 0, current: '', expectName: kind === 'object' });
        break;
      }
      case '}':
      case ']':
        stack.pop();
        break;
      case ',': {
        const top = stack[stack.length - 1];
        if (top?.kind === 'array') top.index += 1;
        else if (top !== undefined) top.expectName = true;
        break;
      }
      default:
        break;
    }
    i += 1;
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i += 2;
    else if (code === QUOTE) return i;
    else i += 1;
  }
  return text.length - 1;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
