import { type DurableOrchestrationStatus, type StartNewOptions } from 'durable-functions';
import { type RunClient } from '../../lib/runs';

interface StoredRun {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
}

/**
 * An in-memory stand-in for the Durable client with the behaviours the doors rely on: getStatus rejects
 * an unknown id the way durable-functions 3.x does, and startNew refuses an id whose run is still
 * running (the extension's default), while it would overwrite a finished one.
 */
export class FakeRunClient implements RunClient {
  readonly runs = new Map<string, StoredRun>();
  readonly started: { name: string; instanceId: string; input: unknown }[] = [];

  async startNew(name: string, options?: StartNewOptions): Promise<string> {
    const instanceId = options?.instanceId ?? `generated-${this.started.length}`;
    const existing = this.runs.get(instanceId);
    if (existing !== undefined && ['Running', 'Pending'].includes(existing.runtimeStatus)) {
      throw new Error(
        `The operation failed with an unexpected status code: 409. Details: instance ${instanceId} exists`,
      );
    }
    const now = new Date('2026-02-01T10:00:00Z');
    this.runs.set(instanceId, {
      name,
      instanceId,
      runtimeStatus: 'Pending',
      input: options?.input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
    });
    this.started.push({ name, instanceId, input: options?.input });
    return instanceId;
  }

  async getStatus(instanceId: string): Promise<DurableOrchestrationStatus> {
    const run = this.runs.get(instanceId);
    if (run === undefined) {
      throw new Error(
        `DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
      );
    }
    return { ...run } as unknown as DurableOrchestrationStatus;
  }

  /** Moves a stored run along, as the orchestration would. */
  update(instanceId: string, change: Partial<StoredRun>): void {
    const run = this.runs.get(instanceId);
    if (run === undefined) throw new Error(`no run ${instanceId}`);
    Object.assign(run, change);
  }
}
