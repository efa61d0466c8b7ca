import { z } from 'zod';
import { userOutcomeSchema } from '../sync/runMessages';
import { type UserOutcome } from '../sync/types';

/** Input of the `writeChunkReport` activity: one chunk's outcomes, named by run and chunk index. */
export interface ChunkReportInput {
  runId: string;
  chunkIndex: number;
  outcomes: UserOutcome[];
}

const chunkReportInputSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,127}$/),
  chunkIndex: z.number().int().min(0).max(999_999),
  outcomes: z.array(userOutcomeSchema),
});

export function parseChunkReportInput(value: unknown): ChunkReportInput {
  const parsed = chunkReportInputSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid chunk report input: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}
