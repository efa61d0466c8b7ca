import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHostCli } from './support/buildHost';
import { eventually, field, request, waitForTerminal } from './support/hostHttp';
import { spawnHost, type HostProcess } from './support/hostProcess';

/**
 * The CLI as people run it: banner with URLs and keys, one log line per invocation (never bodies), graceful stop
 * on SIGTERM, resume from the data directory, and idempotent delivery of completions across a restart.
 */
const appDir = join(__dirname, 'apps', 'durable');
const children: HostProcess[] = [];
let cli: string;

beforeAll(() => {
  cli = buildHostCli();
}, 120_000);
afterAll(() => {
  for (const child of children) child.child.kill('SIGKILL');
});

function spawn(dataDir: string, extra: string[] = []): HostProcess {
  const child = spawnHost({ appDir, dataDir, extra });
  children.push(child);
  return child;
}

describe('local host CLI', () => {
  it('prints URLs and keys, logs invocations without bodies, stops on SIGTERM and resumes from its data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'host-cli-'));
    const first = spawn(dataDir);
    const info = await first.ready();
    const banner = first.output();
    expect(banner).toContain(`Local Functions host listening on ${info.url} (task hub 'testhub'`);
    // Keys are hinted at, never printed whole: scrollback and CI logs outlive the session.
    expect(banner).toContain(`master key:       ${info.keys.masterKey.slice(0, 4)}… (`);
    expect(banner).not.toContain(info.keys.masterKey);
    expect(banner).toContain(`Full keys: ${join(dataDir, 'host-keys.json')}`);
    expect(banner).toContain(
      `start: [POST] ${info.apiUrl}/orchestrators/{name}/{instanceId?}  (authLevel anonymous)`,
    );
    expect(banner).toContain('fanOut: orchestrationTrigger');

    const started = await request(`${info.apiUrl}/orchestrators/stepsThenWait`, {
      method: 'POST',
      rawBody: '"SECRET-INPUT-TEXT"',
    });
    expect(started.status).toBe(202);
    const id = String(field(started.body, 'id'));
    const statusUrl = String(field(started.body, 'statusQueryGetUri'));
    await eventually(async () => {
      const status = await request(statusUrl);
      const history = await request(
        `${info.url}/admin/durabletask/instances/${id}/history?code=${info.keys.masterKey}`,
      );
      const completions = (history.body as { EventType: number }[]).filter((event) => event.EventType === 5);
      return field(status.body, 'runtimeStatus') === 'Running' && completions.length === 2 ? true : undefined;
    });
    const output = first.output();
    expect(output).toMatch(
      /Executed 'Functions\.start' \(Succeeded, Reason=[^,]+, Id=[0-9a-f-]{36}, Duration=\d+ms\)/,
    );
    expect(output).toMatch(/Executed 'Functions\.hello' \(Succeeded/);
    expect(output).toContain('[start] Started stepsThenWait as');
    expect(output).not.toContain('SECRET-INPUT-TEXT');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('SIGTERM received: stopping');

    // While it is down: plant a duplicate completion for task 0, a completion for a task never scheduled, and an
    // event addressed to an execution that does not exist. None of them may reach the history.
    const db = new Database(join(dataDir, 'durable.db'));
    const executionId = (
      db.prepare('SELECT execution_id FROM instances WHERE instance_id = ?').get(id) as {
        execution_id: string;
      }
    ).execution_id;
    const plant = db.prepare(
      'INSERT INTO inbox (instance_id, execution_id, visible_at, event) VALUES (?, ?, ?, ?)',
    );
    const at = new Date().toISOString();
    plant.run(
      id,
      executionId,
      Date.now(),
      JSON.stringify({
        EventType: 5,
        EventId: -1,
        IsPlayed: false,
        Timestamp: at,
        TaskScheduledId: 0,
        Result: '"DUPLICATE"',
      }),
    );
    plant.run(
      id,
      executionId,
      Date.now(),
      JSON.stringify({
        EventType: 5,
        EventId: -1,
        IsPlayed: false,
        Timestamp: at,
        TaskScheduledId: 99,
        Result: '"UNSCHEDULED"',
      }),
    );
    plant.run(
      id,
      'stale-execution',
      Date.now(),
      JSON.stringify({
        EventType: 15,
        EventId: -1,
        IsPlayed: false,
        Timestamp: at,
        Name: 'Finish',
        Input: '"STALE"',
      }),
    );
    db.close();

    const second = spawn(dataDir);
    const again = await second.ready();
    expect(again.keys.masterKey).toBe(info.keys.masterKey); // generated keys persist in the data dir
    const systemKey = again.keys.systemKeys['durabletask_extension'] ?? '';
    const statusAgain = `${again.url}/runtime/webhooks/durabletask/instances/${id}?code=${systemKey}`;
    expect(field((await request(statusAgain)).body, 'runtimeStatus')).toBe('Running');
    const raised = await request(
      `${again.url}/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Finish?code=${systemKey}`,
      {
        body: 'done',
      },
    );
    expect(raised.status).toBe(202);
    const final = await waitForTerminal(statusAgain);
    expect(final['output']).toEqual(['Hello a', 'Hello b', 'done']);
    const history = (
      await request(`${again.url}/admin/durabletask/instances/${id}/history?code=${again.keys.masterKey}`)
    ).body as {
      EventType: number;
      TaskScheduledId?: number;
    }[];
    expect(history.filter((event) => event.EventType === 5).map((event) => event.TaskScheduledId)).toEqual([
      0, 1,
    ]);
    expect(history.filter((event) => event.EventType === 15)).toHaveLength(1);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('relaxes key checks with --no-enforce-keys', async () => {
    const host = spawn(mkdtempSync(join(tmpdir(), 'host-cli-open-')), [
      '--no-enforce-keys',
      '--log-level',
      'warn',
    ]);
    const info = await host.ready();
    expect(host.output()).toContain('Keys are NOT enforced');
    expect((await request(`${info.url}/runtime/webhooks/durabletask/instances/`)).status).toBe(200);
    expect((await request(`${info.url}/admin/host/status`)).status).toBe(200);
    host.child.kill('SIGTERM');
    expect(await host.exited).toBe(0);
  }, 60_000);

  it('rejects unknown flags with the usage text and exit code 2', () => {
    const result = spawnSync(process.execPath, [cli, '--bogus'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: local-functions-host');
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--no-enforce-keys');
  });

  it('fails to start with a clear message when the app registers nothing', () => {
    const result = spawnSync(
      process.execPath,
      [cli, '--app-dir', join(__dirname, 'apps', 'empty'), '--port', '0'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Found zero files matching the "main" pattern');
  });
});
