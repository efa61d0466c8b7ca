import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type RunStatusView } from '../lib/runs';

/**
 * A small client of the product's own HTTP API (`POST /api/sync`, `GET /api/sync/{id}`), as an operator's
 * script would use it. Shared by the demo, the end-to-end tests and the benchmarks.
 */
export interface SyncClientOptions {
  /** e.g. `http://127.0.0.1:7071/api` */
  apiUrl: string;
  /** Function keys (`?code=`) of httpStart and httpStatus. */
  startKey: string;
  statusKey: string;
}

export interface Submitted {
  status: number;
  body: Record<string, unknown>;
  location: string | null;
}

export class SyncClient {
  constructor(private readonly options: SyncClientOptions) {}

  async submit(body: unknown, headers: Record<string, string> = {}, query = ''): Promise<Submitted> {
    const response = await fetch(
      `${this.options.apiUrl}/sync?code=${encodeURIComponent(this.options.startKey)}${query}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      },
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      location: response.headers.get('location'),
    };
  }

  async status(runId: string): Promise<{ status: number; view: RunStatusView | undefined }> {
    const response = await fetch(
      `${this.options.apiUrl}/sync/${encodeURIComponent(runId)}?code=${encodeURIComponent(this.options.statusKey)}`,
    );
    const text = await response.text();
    return {
      status: response.status,
      view: response.status === 200 ? (JSON.parse(text) as RunStatusView) : undefined,
    };
  }

  /**
   * Polls until the run finishes; `onProgress` sees every status read. An unexpected answer (not 200, not
   * 404 before the run shows up) ends the wait, unless `toleratedErrors` allows that many in a row: then it
   * is reported to `onError` and the poll goes on, as an operator's script retrying a status read would.
   */
  async waitForRun(
    runId: string,
    {
      timeoutMs = 300_000,
      intervalMs = 250,
      onProgress,
      toleratedErrors = 0,
      onError,
    }: {
      timeoutMs?: number;
      intervalMs?: number;
      onProgress?: (view: RunStatusView) => void;
      toleratedErrors?: number;
      onError?: (status: number) => void;
    } = {},
  ): Promise<RunStatusView> {
    const deadline = Date.now() + timeoutMs;
    let errorsInARow = 0;
    for (;;) {
      const { status, view } = await this.status(runId).catch(() => ({ status: 0, view: undefined }));
      if (view !== undefined) {
        errorsInARow = 0;
        onProgress?.(view);
        if (isTerminal(view.runtimeStatus)) return view;
      } else if (status !== 0 && status !== 404) {
        onError?.(status);
        errorsInARow += 1;
        if (errorsInARow > toleratedErrors) throw new Error(`status of ${runId} answered ${status}`);
      }
      if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms`);
      await sleep(intervalMs);
    }
  }
}
