/**
 * Reads a request body as a stream and stops as soon as it passes `maxBytes`, whether or not the caller
 * declared a Content-Length (chunked bodies declare none). Memory held is at most `maxBytes` plus a chunk.
 */
export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: true; seenBytes: number };

export async function readBodyLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<BodyRead> {
  if (body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Tell the sender to stop: the rest is not wanted and must not be buffered anywhere.
      await reader.cancel('request body too large').catch(() => undefined);
      return { ok: false, tooLarge: true, seenBytes: size };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}
