import { Readable } from 'node:stream';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, EXIT } from './errors';

/**
 * The CLI's client of the product's HTTP doors. The function key travels in the `x-functions-key` header
 * (never in a URL that could end up in a shell history or a proxy log).
 */
export interface ApiOptions {
  /** Base URL of the functions, e.g. `https://<app>.azurewebsites.net/api` or `http://127.0.0.1:7071/api`. */
  url: string;
  /** A host key (works for every door) or the door's function key. */
  key: string;
}

export interface RunStatus {
  id: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  progress: { stage: string; total: number; done: number; counts: Record<string, number> } | null;
  summary: { total: number; counts: Record<string, number>; durationMs: number; dryRun: boolean } | null;
  error: string | null;
}

export interface RunsPage {
  runs: {
    id: string;
    runtimeStatus: string;
    trigger: string;
    requester: string;
    dryRun: boolean;
    total: number;
    done: number;
    counts: Record<string, number>;
    createdTime: string;
  }[];
  nextCursor: string | null;
}

export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  submit(users: string[], dryRun: boolean | undefined): Promise<Record<string, unknown>> {
    return this.json('POST', '/sync', { users, ...(dryRun === undefined ? {} : { dryRun }) });
  }

  status(runId: string): Promise<RunStatus> {
    return this.json('GET', `/sync/${encodeURIComponent(runId)}`);
  }

  runs(top: number, cursor: string | undefined): Promise<RunsPage> {
    const query = new URLSearchParams({ top: String(top) });
    if (cursor !== undefined) query.set('cursor', cursor);
    return this.json('GET', `/sync?${query.toString()}`);
  }

  /** The report as a Node stream, to pipe into a file or stdout without holding it in memory. */
  async report(runId: string, format: 'csv' | 'jsonl', outcomes: string | undefined): Promise<Readable> {
    const query = new URLSearchParams({ format });
    if (outcomes !== undefined) query.set('outcome', outcomes);
    const response = await this.send('GET', `/sync/${encodeURIComponent(runId)}/report?${query.toString()}`);
    if (response.body === null) throw new CliError('the report answer had no body', EXIT.unavailable);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          'x-functions-key': this.options.key,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new CliError(`cannot reach ${this.base}${cause}`, EXIT.unavailable);
    }
    if (response.ok) return response;
    throw new CliError(await describeRefusal(response), exitFor(response.status));
  }
}

/** The problem+json `detail` (our API masks it already), else the status line. */
async function describeRefusal(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
    const parts = [problem.title, problem.detail].filter((part): part is string => typeof part === 'string');
    if (parts.length > 0) return `${response.status}: ${parts.join(': ')}`;
  } catch {
    // not JSON: fall through
  }
  if (response.status === 401 || response.status === 403) {
    return `${response.status}: the key was refused (set MFA_PHONE_SYNC_KEY or --key to a host or function key)`;
  }
  return `${response.status} ${response.statusText}`;
}

function exitFor(status: number): typeof EXIT.usage | typeof EXIT.unavailable {
  return [400, 404, 413, 415, 422].includes(status) ? EXIT.usage : EXIT.unavailable;
}
