/**
 * Blob layout of the reports: `<runId>/chunk-NNNNNN.jsonl`. A chunk's name depends only on the run and the
 * chunk index (unique per run, fixed by the orchestration), so a retried or replayed write overwrites the
 * same blob instead of adding a second copy of its rows. Zero-padded so names sort in chunk order.
 */
export function chunkBlobName(runId: string, chunkIndex: number): string {
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > 999_999) {
    throw new RangeError(`chunk index ${chunkIndex} is outside 0..999999`);
  }
  return `${runPrefix(runId)}chunk-${String(chunkIndex).padStart(6, '0')}.jsonl`;
}

export function runPrefix(runId: string): string {
  return `${runId}/`;
}

/** The run a report blob belongs to, for the retention sweep. */
export function runIdOfBlob(blobName: string): string | undefined {
  const slash = blobName.indexOf('/');
  return slash > 0 ? blobName.slice(0, slash) : undefined;
}
