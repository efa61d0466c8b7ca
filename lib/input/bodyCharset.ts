/**
 * Decodes a request body in the charset its Content-Type declares, strictly: a byte sequence that is not
 * valid in that charset is an error, never replaced or guessed at. Without a declaration the body is UTF-8
 * (RFC 8259 §8.1). A charset we do not decode is the caller's to change (415), not ours to guess.
 */
export type CharsetDecode =
  | { ok: true; text: string }
  | { ok: false; reason: 'unsupportedCharset'; charset: string }
  | { ok: false; reason: 'invalidBytes'; charset: string };

type Decoder = (bytes: Uint8Array) => string;

const strict =
  (label: string): Decoder =>
  (bytes) =>
    new TextDecoder(label, { fatal: true }).decode(bytes);

/** RFC 2781 §4.3: `utf-16` names its byte order with a BOM; without one it is big-endian. */
const utf16: Decoder = (bytes) => {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return strict('utf-16le')(bytes);
  return strict('utf-16be')(bytes);
};

const usAscii: Decoder = (bytes) => {
  if (bytes.some((byte) => byte > 0x7f)) throw new TypeError('not ASCII');
  return Buffer.from(bytes).toString('latin1');
};

/** ISO-8859-1 itself, byte for byte; WHATWG's TextDecoder label maps it to windows-1252 instead. */
const latin1: Decoder = (bytes) => Buffer.from(bytes).toString('latin1');

const DECODERS: ReadonlyMap<string, Decoder> = new Map([
  ['utf-8', strict('utf-8')],
  ['utf8', strict('utf-8')],
  ['utf-16', utf16],
  ['utf-16le', strict('utf-16le')],
  ['utf-16be', strict('utf-16be')],
  ['us-ascii', usAscii],
  ['ascii', usAscii],
  ['iso-8859-1', latin1],
  ['latin1', latin1],
]);

export const DECODED_CHARSETS =
  'utf-8, utf-16 (with or without BOM; big-endian without), utf-16le, utf-16be, us-ascii, iso-8859-1';

/** `charset` as declared (lower case), or undefined when the Content-Type declares none. */
export function declaredCharset(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0) continue;
    if (parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .toLowerCase();
  }
  return undefined;
}

export function decodeCharset(charset: string | undefined, bytes: Uint8Array): CharsetDecode {
  const name = charset ?? 'utf-8';
  const decoder = DECODERS.get(name);
  if (decoder === undefined) return { ok: false, reason: 'unsupportedCharset', charset: name };
  try {
    // A BOM of the decoded charset is not content (Windows PowerShell 5.1 prepends one to UTF-8).
    return { ok: true, text: decoder(bytes).replace(/^\uFEFF/, '') };
  } catch {
    return { ok: false, reason: 'invalidBytes', charset: name };
  }
}
