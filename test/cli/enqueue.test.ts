import { ServiceBusClient } from '@azure/service-bus';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../cli/errors';
import { registerEnqueueCommand, type EnqueueIo } from '../../cli/commands/enqueue';
import { Command } from 'commander';
import { BrokerHarness } from '../servicebus/brokerHarness';

/** `mfa-phone-sync enqueue` through commander, the real client and the local broker. */
const QUEUE = 'mfa-phone-sync-requests';
let broker: BrokerHarness;
let dir: string;

beforeAll(async () => {
  broker = await BrokerHarness.start({
    queues: [
      { name: QUEUE, lockDurationMs: 60_000, maxDeliveryCount: 5, requiresDuplicateDetection: true },
      { name: 'tiny', maxMessageSizeBytes: 2_048 },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'enqueue-'));
});

afterAll(async () => {
  await broker?.stop();
});

async function run(args: string[], stdin = ''): Promise<{ out: string; error?: CliError }> {
  let out = '';
  const io: EnqueueIo = {
    out: (text) => (out += text),
    readStdin: () => Promise.resolve(stdin),
    stdinIsTTY: stdin === '',
    env: { SERVICEBUS_CONNECTION_STRING: broker.connectionString },
  };
  // main.ts's buildProgram registers the command with process I/O; this program is the same but for io.
  const program = new Command('mfa-phone-sync').exitOverride();
  registerEnqueueCommand(program, io);
  try {
    await program.parseAsync(['node', 'mfa-phone-sync', 'enqueue', ...args]);
    return { out };
  } catch (error) {
    if (error instanceof CliError) return { out, error };
    throw error;
  }
}

async function drain(queue: string): Promise<{ messageId: string; body: unknown }[]> {
  const client = new ServiceBusClient(broker.connectionString);
  const receiver = client.createReceiver(queue, { receiveMode: 'receiveAndDelete' });
  const got: { messageId: string; body: unknown }[] = [];
  for (;;) {
    const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
    if (batch.length === 0) break;
    got.push(
      ...batch.map((message) => ({ messageId: String(message.messageId), body: message.body as unknown })),
    );
  }
  await client.close();
  return got;
}

describe('mfa-phone-sync enqueue', () => {
  it('sends the users from arguments as one message with a content-derived MessageId and prints the run id', async () => {
    const { out, error } = await run(['a@contoso.com', 'b@contoso.com', '--json']);
    expect(error).toBeUndefined();
    const result = JSON.parse(out) as { sent: boolean; messages: { messageId: string; runId: string }[] };
    expect(result.sent).toBe(true);
    const [message] = await drain(QUEUE);
    expect(message?.body).toEqual({ users: ['a@contoso.com', 'b@contoso.com'], dryRun: false });
    expect(message?.messageId).toBe(result.messages[0]?.messageId);
    expect(result.messages[0]?.runId).toBe(`sb-${message?.messageId}`);
  });

  it('sends nothing new when the same command runs twice (duplicate detection)', async () => {
    const file = join(dir, 'users.txt');
    writeFileSync(file, 'c@contoso.com\nd@contoso.com\n');
    const first = await run(['--file', file]);
    const second = await run(['--file', file]);
    expect(first.out).toContain('run sb-q-');
    expect(second.out).toBe(first.out);
    expect((await drain(QUEUE)).length).toBe(1);
  });

  it('reads a CSV column from stdin and splits under the size limit', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `User ${i},user${i}@contoso.com`);
    const { out, error } = await run(
      [
        '--file',
        '-',
        '--format',
        'csv',
        '--column',
        'UPN',
        '--queue',
        'tiny',
        '--max-message-bytes',
        '2048',
        '--json',
      ],
      ['Name,UPN', ...rows].join('\n'),
    );
    expect(error).toBeUndefined();
    const result = JSON.parse(out) as { messages: unknown[] };
    const received = await drain('tiny');
    expect(received.length).toBe(result.messages.length);
    expect(received.length).toBeGreaterThan(1);
    const sent = received.flatMap((message) => (message.body as { users: string[] }).users);
    expect(sent.sort()).toEqual(rows.map((row) => row.split(',')[1]).sort());
  });

  it('refuses invalid entries with their lines and sends nothing', async () => {
    const { error } = await run(['--file', '-'], 'ok@contoso.com\n+49 171 1234567\n');
    expect(error?.exit).toBe(2);
    expect(error?.message).toContain('line 2');
    expect(error?.message).not.toContain('1234567');
    expect(await drain(QUEUE)).toEqual([]);
  });

  it('a message over the queue limit is refused with a clear error', async () => {
    const { error } = await run(['e@contoso.com', '--queue', 'tiny', '--max-message-bytes', '262144']);
    expect(error).toBeUndefined(); // small enough to pass
    await drain('tiny');
    const many = Array.from({ length: 200 }, (_, i) => `someone.with.a.long.name${i}@contoso.com`);
    const refused = await run([...many, '--queue', 'tiny', '--max-message-bytes', '262144']);
    expect(refused.error?.exit).toBe(2);
    expect(refused.error?.message).toMatch(
      /refused a message as too large.*--max-message-bytes.*Nothing was sent/s,
    );
    expect(refused.error?.message).not.toContain('SAS_KEY_VALUE');
    expect(await drain('tiny')).toEqual([]);
  });

  it('--plan-only prints the plan and sends nothing', async () => {
    const { out } = await run(['f@contoso.com', '--plan-only', '--dry-run']);
    expect(out).toContain('nothing sent');
    expect(out).toContain('dry run');
    expect(await drain(QUEUE)).toEqual([]);
  });
});
