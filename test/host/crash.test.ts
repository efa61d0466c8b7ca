import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHostCli } from './support/buildHost';
import { eventually, field, request } from './support/hostHttp';
import { spawnHost, type HostProcess, type ReadyInfo } from './support/hostProcess';

/**
 * Kills the host (a child process running the real CLI) with SIGKILL at random moments, restarts it on the
 * same data directory each time, and checks that every instance still ends with exactly the right output, that
 * no task was completed twice in any history, and that every activity ran at least once.
 */
const appDir = join(__dirname, 'apps', 'crash');
const PREFIXES = ['a', 'b', 'c'];
const ITEMS = 120; // per root instance: 360 activities in all
const KILLS = 4;

interface HistoryEvent {
  EventType: number;
  EventId: number;
  TaskScheduledId?: number;
  TimerId?: number;
}

let current: HostProcess | undefined;

beforeAll(() => {
  buildHostCli();
}, 120_000);

afterAll(() => {
  current?.child.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

describe('crash safety of the host', () => {
  it('resumes every instance after repeated SIGKILLs: exact outputs, no duplicate completions, at-least-once activities', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'host-crash-'));
    const ledger = join(dataDir, 'ledger.txt');
    writeFileSync(ledger, '');
    const extra = ['--setting', `LEDGER_FILE=${ledger}`, '--log-level', 'warn', '--max-activities', '4'];
    const ledgerLines = (): string[] =>
      readFileSync(ledger, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0);

    current = spawnHost({ appDir, dataDir, extra });
    let info: ReadyInfo = await current.ready();
    for (const prefix of PREFIXES) {
      const started = await request(
        `${info.url}/runtime/webhooks/durabletask/orchestrators/crashRoot/crash-${prefix}?code=${info.keys.systemKeys['durabletask_extension'] ?? ''}`,
        { body: { prefix, items: ITEMS, chunkSize: 20, rounds: 2 } },
      );
      expect(started.status).toBe(202);
    }

    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // The first kill lands mid-run; later ones anywhere from start-up (before resume) to mid-run.
      await sleep(kill === 0 ? randomBetween(300, 900) : randomBetween(100, 1500));
      killedAt.push(ledgerLines().length);
      current.child.kill('SIGKILL');
      await current.exited;
      current = spawnHost({ appDir, dataDir, extra });
    }
    info = await current.ready();
    const master = info.keys.masterKey;
    const systemKey = info.keys.systemKeys['durabletask_extension'] ?? '';

    for (const prefix of PREFIXES) {
      const status = await eventually(
        async () => {
          const response = await request(
            `${info.url}/runtime/webhooks/durabletask/instances/crash-${prefix}?code=${systemKey}`,
          );
          return field(response.body, 'runtimeStatus') === 'Completed' ? response.body : undefined;
        },
        90_000,
        `crash-${prefix} to complete`,
      );
      const expectedTotal = (2 * ((ITEMS - 1) * ITEMS)) / 2;
      expect(field(status, 'output')).toEqual({ prefix, total: expectedTotal, rounds: 2 });
    }

    // Every instance (roots and chunks): each completion refers to a scheduled task and appears once.
    const instances: string[] = [];
    let token: string | null = null;
    do {
      const page = await request(
        `${info.url}/runtime/webhooks/durabletask/instances?top=50&code=${systemKey}`,
        {
          headers: token ? { 'x-ms-continuation-token': token } : {},
        },
      );
      for (const item of page.body as { instanceId: string; runtimeStatus: string }[]) {
        expect(item.runtimeStatus).toBe('Completed');
        instances.push(item.instanceId);
      }
      token = page.headers.get('x-ms-continuation-token');
    } while (token);
    // 3 roots + 3 roots x 6 chunks (chunks of the first round belong to a finished execution but still exist).
    expect(instances.length).toBe(PREFIXES.length + PREFIXES.length * (ITEMS / 20));
    let failures = 0;
    for (const instanceId of instances) {
      const history = (
        await request(
          `${info.url}/admin/durabletask/instances/${encodeURIComponent(instanceId)}/history?code=${master}`,
        )
      ).body as HistoryEvent[];
      const scheduled = new Set(
        history.filter((e) => [4, 7, 10].includes(e.EventType)).map((e) => e.EventId),
      );
      const completions = history
        .filter((e) => [5, 6, 8, 9, 11].includes(e.EventType))
        .map((e) => (e.EventType === 11 ? e.TimerId : e.TaskScheduledId));
      expect(new Set(completions).size, `duplicate completion in ${instanceId}`).toBe(completions.length);
      for (const id of completions)
        expect(scheduled.has(id ?? -1), `completion of unscheduled ${String(id)}`).toBe(true);
      expect(history.filter((e) => e.EventType === 1)).toHaveLength(1);
      failures += history.filter((e) => e.EventType === 6).length;
    }

    // At least once: every item ran; items ending in 3 fail their first run, so they ran at least twice.
    const lines = ledgerLines();
    const runs = new Map<string, number>();
    for (const line of lines) runs.set(line, (runs.get(line) ?? 0) + 1);
    const transient = PREFIXES.length * (ITEMS / 10);
    for (const prefix of PREFIXES) {
      for (let value = 0; value < ITEMS; value++) {
        const count = runs.get(`${prefix}-${value}`) ?? 0;
        expect(count, `${prefix}-${value} ran`).toBeGreaterThanOrEqual(value % 10 === 3 ? 2 : 1);
      }
    }
    expect(failures).toBeLessThanOrEqual(transient);
    expect(killedAt[0], 'the first kill happened mid-run').toBeLessThan(PREFIXES.length * ITEMS);
    const reruns = lines.length - PREFIXES.length * ITEMS - transient;
    console.log(
      `crash test: ${KILLS} SIGKILLs (ledger at kill: ${killedAt.join(', ')}), ${lines.length} activity executions ` +
        `for ${PREFIXES.length * ITEMS} items, ${transient} planned transient failures, ${reruns} re-runs caused by kills`,
    );

    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
  }, 240_000);
});
