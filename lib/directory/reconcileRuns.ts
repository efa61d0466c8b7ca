import { type AppConfig } from '../config';
import { RECONCILE_INSTANCE_ID, RECONCILE_ORCHESTRATION } from '../functionNames';
import { findRun, isTerminal, type RunClient } from '../runs';
import { type ReconcileInput } from './reconcile';

export type ReconcileStart =
  | { kind: 'started'; fromLink: 'deltaLink' | 'savedPage' | 'fullRound' }
  | { kind: 'running'; runtimeStatus: string };

/**
 * Starts a reconciliation round unless one is running (one instance id: two timers or a timer and an
 * operator never page the directory twice at once). Where it starts:
 * - after a completed round: from that round's deltaLink (only changes since);
 * - after a failed or terminated round: from the page link it stopped at (its input);
 * - never run: a full round.
 */
export async function startReconciliation(
  client: RunClient,
  config: AppConfig,
  dryRun: boolean,
): Promise<ReconcileStart> {
  const previous = await findRun(client, RECONCILE_INSTANCE_ID);
  if (previous !== undefined && !isTerminal(String(previous.runtimeStatus))) {
    return { kind: 'running', runtimeStatus: String(previous.runtimeStatus) };
  }
  let link: string | null = null;
  let fullRound = true;
  let fromLink: 'deltaLink' | 'savedPage' | 'fullRound' = 'fullRound';
  if (previous !== undefined) {
    const output = previous.output as { deltaLink?: unknown } | null | undefined;
    const input = previous.input as Partial<ReconcileInput> | null | undefined;
    if (String(previous.runtimeStatus) === 'Completed' && typeof output?.deltaLink === 'string') {
      link = output.deltaLink;
      fullRound = false;
      fromLink = 'deltaLink';
    } else if (typeof input?.link === 'string') {
      link = input.link;
      fullRound = input.fullRound === true;
      fromLink = 'savedPage';
    }
  }
  const start: ReconcileInput = {
    link,
    fullRound,
    dryRun,
    policy: config.policy,
    retry: config.retry,
    pages: 0,
    counts: {},
    removed: 0,
    outOfScope: 0,
    resyncs: 0,
  };
  try {
    await client.startNew(RECONCILE_ORCHESTRATION, { instanceId: RECONCILE_INSTANCE_ID, input: start });
  } catch (error) {
    // Another instance started it between the look and the start: the extension refuses the second one.
    const raced = await findRun(client, RECONCILE_INSTANCE_ID);
    if (raced !== undefined && !isTerminal(String(raced.runtimeStatus))) {
      return { kind: 'running', runtimeStatus: String(raced.runtimeStatus) };
    }
    throw error;
  }
  return { kind: 'started', fromLink };
}
