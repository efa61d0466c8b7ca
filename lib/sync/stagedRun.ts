/**
 * The shape of a run, decided from its size (pure; the run orchestrator calls it on every replay).
 *
 * Durable hands an orchestration its whole history (and input) on every episode, and a run's parent gets one
 * episode per finished chunk: with the whole user list in its input and every chunk in one history, the
 * work grows with chunks × users. So a run that fits `chunksPerExecution` chunks runs in one execution as it
 * always did, and a longer one stages its user list into pages (lib/sync/userPages.ts) and continues as new
 * every `chunksPerExecution` chunks, carrying only its position and merged bounded report.
 */

/** Windows of `parallelChunks` chunks per execution: the parent's history holds at most this many windows. */
export const WINDOWS_PER_EXECUTION = 8;
/** Chunks per staged page: a chunk loads one page of `CHUNKS_PER_PAGE × chunkSize` users and keeps its slice. */
export const CHUNKS_PER_PAGE = 10;

export function chunksPerExecution(parallelChunks: number): number {
  return WINDOWS_PER_EXECUTION * parallelChunks;
}

export function needsStaging(totalChunks: number, parallelChunks: number): boolean {
  return totalChunks > chunksPerExecution(parallelChunks);
}

export function pageSizeFor(chunkSize: number): number {
  return chunkSize * CHUNKS_PER_PAGE;
}

/** The chunks one execution runs: from `nextChunk` up to the execution's bound or the run's end. */
export function executionRange(
  nextChunk: number,
  totalChunks: number,
  parallelChunks: number,
): { from: number; to: number } {
  return { from: nextChunk, to: Math.min(totalChunks, nextChunk + chunksPerExecution(parallelChunks)) };
}

/** A run's duration from its first execution's start (ISO text, carried across executions) to `finishedAt`. */
export function millisecondsBetween(startedAtIso: string, finishedAt: Date): number {
  return finishedAt.getTime() - Date.parse(startedAtIso);
}
