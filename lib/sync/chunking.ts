/**
 * How a run's users are split over sub-orchestrations. Pure and deterministic: the orchestrator calls it
 * on every replay and must get the same chunks each time.
 */

/** Removes repeated users (UPNs are case-insensitive, object ids too), keeping the first spelling. */
export function dedupeUsers(users: readonly string[]): string[] {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const user of users) {
    const key = user.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    unique.push(user.trim());
  }
  return unique;
}

/**
 * Chunks never exceed `maxChunkSize` (each chunk's history stays bounded). Below that, small and mid-size
 * runs get smaller chunks, aiming for about four chunks per parallel slot, so that every slot has work and
 * progress (reported per finished chunk) moves in small steps. Chunks are never smaller than
 * `MIN_CHUNK_SIZE` users, except the last.
 */
export const MIN_CHUNK_SIZE = 5;
const CHUNKS_PER_SLOT = 4;

export function chunkSizeFor(totalUsers: number, maxChunkSize: number, parallelChunks: number): number {
  const spread = Math.ceil(totalUsers / (parallelChunks * CHUNKS_PER_SLOT));
  return Math.max(1, Math.min(maxChunkSize, Math.max(MIN_CHUNK_SIZE, spread)));
}

export function splitIntoChunks<T>(items: readonly T[], chunkSize: number): T[][] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError('chunkSize must be a positive integer');
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += chunkSize)
    chunks.push(items.slice(start, start + chunkSize));
  return chunks;
}
