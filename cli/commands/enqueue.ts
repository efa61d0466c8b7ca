import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient, isServiceBusError } from '@azure/service-bus';
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { MessageTooLargeError, planEnqueue, type PlannedMessage } from '../../lib/queue/enqueuePlan';
import {
  readUserList,
  userListFromArguments,
  type UserList,
  type UserListFormat,
} from '../../lib/queue/userList';
import { CliError, EXIT } from '../errors';

export const DEFAULT_QUEUE = 'mfa-phone-sync-requests';
export const STANDARD_MAX_MESSAGE_BYTES = 256 * 1024;

export interface EnqueueOptions {
  file?: string;
  format: UserListFormat;
  column?: string;
  dryRun?: boolean;
  planOnly: boolean;
  queue: string;
  connectionString?: string;
  namespace?: string;
  maxMessageBytes: number;
  maxUsersPerMessage: number;
  batchId?: string;
  json: boolean;
}

export interface EnqueueIo {
  out(text: string): void;
  readStdin(): Promise<string>;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface EnqueueResult {
  queue: string;
  dryRun: boolean;
  sent: boolean;
  users: number;
  duplicatesRemoved: number;
  messages: { messageId: string; runId: string; users: number; bytes: number }[];
}

export function processIo(): EnqueueIo {
  return {
    out: (text) => process.stdout.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
  };
}

/**
 * `mfa-phone-sync enqueue`: sends users to the Service Bus queue the app's queue trigger reads. Input from
 * arguments, a file (`-` for stdin) or piped stdin; nothing is sent unless every entry is valid.
 */
export function registerEnqueueCommand(program: Command, io: EnqueueIo = processIo()): Command {
  return program
    .command('enqueue')
    .description('send users to the Service Bus queue; each message starts one sync run')
    .argument('[users...]', 'user principal names or object ids')
    .option('-f, --file <path>', "read users from a file ('-' for stdin)")
    .addOption(
      new Option('--format <format>', 'input format')
        .choices(['auto', 'lines', 'csv', 'json'])
        .default('auto'),
    )
    .option('--column <name>', 'CSV column holding the user (default UserPrincipalName)')
    .option('--dry-run', 'the runs only read and report would* outcomes; nothing is written to Entra ID')
    .option('--plan-only', 'print the messages that would be sent and send nothing', false)
    .option('--queue <name>', 'queue name (env SERVICEBUS_QUEUE_NAME)')
    .option('--connection-string <text>', 'Service Bus connection string (env SERVICEBUS_CONNECTION_STRING)')
    .option(
      '--namespace <fqdn>',
      'Service Bus namespace, e.g. contoso.servicebus.windows.net, signed in with DefaultAzureCredential (env SERVICEBUS_NAMESPACE)',
    )
    .option('--max-message-bytes <n>', 'queue max message size', positiveInt, STANDARD_MAX_MESSAGE_BYTES)
    .option('--max-users-per-message <n>', "the app's SYNC_MAX_USERS_PER_REQUEST", positiveInt, 10_000)
    .option('--batch-id <text>', 'mixed into the message ids: send the same users again as a new run')
    .option('--json', 'print the result as JSON', false)
    .action(async (users: string[], raw: Record<string, unknown>) => {
      const options: EnqueueOptions = {
        format: raw['format'] as UserListFormat,
        planOnly: raw['planOnly'] === true,
        queue: stringOption(raw['queue']) ?? io.env['SERVICEBUS_QUEUE_NAME'] ?? DEFAULT_QUEUE,
        maxMessageBytes: raw['maxMessageBytes'] as number,
        maxUsersPerMessage: raw['maxUsersPerMessage'] as number,
        json: raw['json'] === true,
      };
      const file = stringOption(raw['file']);
      if (file !== undefined) options.file = file;
      const column = stringOption(raw['column']);
      if (column !== undefined) options.column = column;
      if (raw['dryRun'] === true) options.dryRun = true;
      const connectionString =
        stringOption(raw['connectionString']) ?? stringOption(io.env['SERVICEBUS_CONNECTION_STRING']);
      if (connectionString !== undefined) options.connectionString = connectionString;
      const namespace = stringOption(raw['namespace']) ?? stringOption(io.env['SERVICEBUS_NAMESPACE']);
      if (namespace !== undefined) options.namespace = namespace;
      const batchId = stringOption(raw['batchId']);
      if (batchId !== undefined) options.batchId = batchId;
      await runEnqueue(users, options, io);
    });
}

export async function runEnqueue(
  args: readonly string[],
  options: EnqueueOptions,
  io: EnqueueIo,
): Promise<EnqueueResult> {
  const list = await readUsers(args, options, io);
  if (list.problems.length > 0) {
    const shown = list.problems.slice(0, 20).map((problem) => {
      const value = problem.value === undefined ? '' : ` ('${problem.value}')`;
      return `  ${problem.where}${value}: ${problem.detail}`;
    });
    const more =
      list.problems.length > shown.length ? `\n  ... and ${list.problems.length - shown.length} more` : '';
    throw new CliError(
      `${list.problems.length} invalid entr${list.problems.length === 1 ? 'y' : 'ies'}; nothing was sent:\n${shown.join('\n')}${more}`,
      EXIT.usage,
    );
  }
  if (list.users.length === 0) throw new CliError('no users given; nothing was sent', EXIT.usage);

  const dryRun = options.dryRun ?? list.dryRun ?? false;
  let messages: PlannedMessage[];
  try {
    messages = planEnqueue(list.users, {
      dryRun,
      maxMessageBytes: options.maxMessageBytes,
      maxUsersPerMessage: options.maxUsersPerMessage,
      ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
    });
  } catch (error) {
    if (error instanceof MessageTooLargeError)
      throw new CliError(`${error.message}; nothing was sent`, EXIT.usage);
    throw error;
  }

  const result: EnqueueResult = {
    queue: options.queue,
    dryRun,
    sent: false,
    users: list.users.length,
    duplicatesRemoved: list.duplicatesRemoved,
    messages: messages.map((message) => ({
      messageId: message.messageId,
      runId: message.runId,
      users: message.body.users.length,
      bytes: message.bodyBytes,
    })),
  };
  if (!options.planOnly) {
    await send(messages, options);
    result.sent = true;
  }
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : describeResult(result));
  return result;
}

async function readUsers(args: readonly string[], options: EnqueueOptions, io: EnqueueIo): Promise<UserList> {
  if (args.length > 0 && options.file !== undefined) {
    throw new CliError('give users as arguments or with --file, not both', EXIT.usage);
  }
  if (args.length > 0) return userListFromArguments(args);
  let text: string;
  let fileName: string | undefined;
  if (options.file !== undefined && options.file !== '-') {
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new CliError(
        `cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`,
        EXIT.usage,
      );
    }
    fileName = basename(options.file);
  } else if (options.file === '-' || !io.stdinIsTTY) {
    text = await io.readStdin();
  } else {
    throw new CliError('no users: give them as arguments, with --file <path>, or on stdin', EXIT.usage);
  }
  return readUserList(text, {
    format: options.format,
    ...(options.column === undefined ? {} : { column: options.column }),
    ...(fileName === undefined ? {} : { fileName }),
  });
}

async function send(messages: readonly PlannedMessage[], options: EnqueueOptions): Promise<void> {
  const client = createClient(options);
  const sender = client.createSender(options.queue);
  let sent = 0;
  try {
    for (const message of messages) {
      await sender.sendMessages({
        body: message.body,
        messageId: message.messageId,
        contentType: 'application/json',
        subject: 'sync-request',
      });
      sent++;
    }
  } catch (error) {
    const partial =
      sent > 0
        ? ` ${sent} of ${messages.length} messages were sent; running the same command again is safe (same MessageIds).`
        : ' Nothing was sent.';
    if (isServiceBusError(error) && error.code === 'MessageSizeExceeded') {
      throw new CliError(
        `the queue refused a message as too large (${redactSecrets(error.message)}); lower --max-message-bytes to the queue's limit.${partial}`,
        EXIT.usage,
      );
    }
    const detail = isServiceBusError(error) ? `${error.code}: ${error.message}` : String(error);
    throw new CliError(
      `could not send to queue '${options.queue}': ${redactSecrets(detail)}.${partial}`,
      EXIT.unavailable,
    );
  } finally {
    await sender.close().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

function createClient(options: EnqueueOptions): ServiceBusClient {
  if (options.connectionString !== undefined && options.namespace !== undefined) {
    throw new CliError('give --connection-string or --namespace, not both', EXIT.usage);
  }
  if (options.connectionString !== undefined) {
    try {
      return new ServiceBusClient(options.connectionString);
    } catch (error) {
      throw new CliError(
        `the connection string is not valid: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
        EXIT.usage,
      );
    }
  }
  if (options.namespace !== undefined)
    return new ServiceBusClient(options.namespace, new DefaultAzureCredential());
  throw new CliError(
    'no queue connection: give --namespace <name>.servicebus.windows.net (Azure, DefaultAzureCredential) or --connection-string (e.g. the local broker that npm start prints)',
    EXIT.usage,
  );
}

function describeResult(result: EnqueueResult): string {
  const lines = [
    `${result.sent ? 'Enqueued' : 'Would enqueue (--plan-only, nothing sent)'} ${result.users} user${result.users === 1 ? '' : 's'} in ${result.messages.length} message${result.messages.length === 1 ? '' : 's'} to queue '${result.queue}'${result.dryRun ? ' as a dry run (nothing will be written)' : ''}.`,
  ];
  if (result.duplicatesRemoved > 0)
    lines.push(`${result.duplicatesRemoved} duplicate entries were left out.`);
  for (const message of result.messages) {
    lines.push(`  run ${message.runId}  (${message.users} users, MessageId ${message.messageId})`);
  }
  lines.push(
    'Follow a run: mfa-phone-sync status <run id>, or GET <function app>/api/sync/<run id>.',
    'The same command again sends the same MessageIds: no second run starts. Use --batch-id to run the same users anew.',
  );
  return `${lines.join('\n')}\n`;
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`expected a positive integer, got '${value}'`);
  return parsed;
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Keys never reach a terminal or a log, even inside an SDK error message. */
export function redactSecrets(text: string): string {
  return text.replace(/(SharedAccessKey|SharedAccessSignature)=[^;\s]*/gi, '$1=***');
}
