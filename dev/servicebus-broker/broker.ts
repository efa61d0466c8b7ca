import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import rhea, {
  type Connection,
  type Delivery,
  type EventContext,
  type Message,
  type Receiver,
  type Sender,
} from 'rhea';
import { messagesOfTransfer } from './amqpMessages';
import type { QueueConfig } from './config';
import { MessageSizeExceededError, QueueEngine, type Entity, type Settlement } from './engine';
import { handleManagement, type ManagementReply } from './management';
import { BrokerStore } from './store';

export interface BrokerOptions {
  readonly queues: readonly QueueConfig[];
  /** Directory of the SQLite file; the same directory after a restart keeps every message. */
  readonly dataDir: string;
  /** 0 (default) picks a free port; Service Bus emulator clients default to 5672. */
  readonly port?: number;
  readonly host?: string;
  /** How often lock expiries, scheduled messages and TTLs are looked at; default 100 ms. */
  readonly tickMs?: number;
  readonly log?: (message: string) => void;
}

export interface RunningBroker {
  readonly port: number;
  readonly host: string;
  readonly queues: readonly QueueConfig[];
  /** `Endpoint=sb://localhost:PORT;…;UseDevelopmentEmulator=true;` — what the app and the CLI use. */
  readonly connectionString: string;
  /** Messages in a queue (`sub` 'deadletter' for its DLQ), scheduled and locked ones included. */
  count(queueName: string, sub?: 'active' | 'deadletter'): number;
  stop(): Promise<void>;
}

/** The fixed development key: the client needs one, the broker never checks it (as the official emulator). */
export const DEV_SAS_KEY = 'SAS_KEY_VALUE';

export function emulatorConnectionString(port: number): string {
  return `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${DEV_SAS_KEY};UseDevelopmentEmulator=true;`;
}

type LinkRole = { kind: 'cbs' } | { kind: 'management'; entity: Entity } | { kind: 'queue'; entity: Entity };

interface InFlight {
  lockToken: string;
}

interface OutcomeFactory {
  accepted(): { described(): unknown };
  rejected(fields: { error: { condition: string; description: string } }): { described(): unknown };
}

/** rhea's link state (public in its JS, missing from its typings). */
interface LinkInternals {
  credit: number;
  local: { attach: Record<string, unknown> };
  remote: { attach?: Record<string, unknown> };
}

function internals(link: Sender | Receiver): LinkInternals {
  return link as unknown as LinkInternals;
}

function addressOf(terminus: unknown): string | undefined {
  const address = (terminus as { address?: unknown } | undefined)?.address;
  return typeof address === 'string' ? address : undefined;
}

/** The view of rhea's session internals needed to count deliveries sent but not yet on the wire. */
interface OutgoingView {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined };
}

/**
 * A local AMQP 1.0 broker that serves `@azure/service-bus` (UseDevelopmentEmulator=true connection
 * strings): CBS, queues and their dead-letter queues, peek-lock and receive-and-delete, `$management`.
 * Dev tooling only: never deployed.
 */
export async function startServiceBusBroker(options: BrokerOptions): Promise<RunningBroker> {
  const log = options.log ?? (() => undefined);
  const store = new BrokerStore(join(options.dataDir, 'servicebus.db'));
  const engine = new QueueEngine(store, options.queues);
  const outcomes = rhea.message as unknown as OutcomeFactory;
  const container = rhea.create_container({
    id: 'mfa-phone-sync-local-servicebus',
    autoaccept: false,
    treat_modified_as_released: false,
  });

  const roles = new WeakMap<Sender | Receiver, LinkRole>();
  const inFlight = new WeakMap<Delivery, InFlight>();
  const consumers = new Map<string, Sender[]>();
  const replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  const keyOf = (entity: Entity): string => `${entity.queue.name}|${entity.sub}`;

  const roleOf = (address: string | undefined, forSending: boolean): LinkRole | undefined => {
    if (address === '$cbs') return { kind: 'cbs' };
    if (address?.endsWith('$management')) {
      const entity = engine.resolve(address.slice(0, -'$management'.length).replace(/\/$/, ''));
      return entity === undefined ? undefined : { kind: 'management', entity };
    }
    const entity = engine.resolve(address);
    if (entity === undefined) return undefined;
    // Sending into a dead-letter queue is not allowed on Service Bus.
    if (forSending && entity.sub === 'deadletter') return undefined;
    return { kind: 'queue', entity };
  };

  const notFound = (address: string | undefined): { condition: string; description: string } => ({
    condition: 'amqp:not-found',
    description: `The messaging entity '${address ?? ''}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
  });

  const pendingOn = (sender: Sender): number => {
    const outgoing = (sender.session as unknown as { outgoing: OutgoingView }).outgoing;
    let pending = 0;
    for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
      if (outgoing.deliveries.by_id(id)?.link === sender) pending++;
    }
    return pending;
  };

  /** Hands available messages to the receivers of an entity, round robin, within their credit. */
  const pump = (key: string): void => {
    const senders = (consumers.get(key) ?? []).filter((sender) => sender.is_open());
    consumers.set(key, senders);
    if (senders.length === 0) return;
    let exhausted = false;
    let progress = true;
    while (!exhausted && progress) {
      progress = false;
      for (const sender of senders) {
        if (internals(sender).credit - pendingOn(sender) <= 0) continue;
        const role = roles.get(sender);
        if (role?.kind !== 'queue') continue;
        const peekLock = internals(sender).local.attach['snd_settle_mode'] !== 1;
        const delivery = engine.take(role.entity, peekLock);
        if (delivery === undefined) {
          exhausted = true;
          break;
        }
        const sent = sender.send(delivery.message, delivery.lock?.tag ?? Buffer.alloc(16));
        if (delivery.lock !== undefined) inFlight.set(sent, { lockToken: delivery.lock.text });
        progress = true;
      }
    }
    if (exhausted) {
      for (const sender of senders) sender.set_drained(true);
    }
  };
  const pumpAll = (): void => {
    for (const key of consumers.keys()) pump(key);
  };

  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender;
    if (sender === undefined) return;
    const link = internals(sender);
    const source = addressOf(link.remote.attach?.['source']);
    const target = addressOf(link.remote.attach?.['target']);
    const role = roleOf(source, false);
    link.local.attach['source'] = link.remote.attach?.['source'];
    link.local.attach['target'] = link.remote.attach?.['target'];
    if (role === undefined) {
      sender.close(notFound(source));
      return;
    }
    roles.set(sender, role);
    if (role.kind !== 'queue') {
      // The reply link of a request/response pair: requests name it in reply_to (its target or its name).
      const replies = replyLinks.get(context.connection) ?? new Map<string, Sender>();
      replyLinks.set(context.connection, replies);
      if (target !== undefined) replies.set(target, sender);
      replies.set(sender.name, sender);
      return;
    }
    // Receive-and-delete attaches settled (1): deliveries go pre-settled. Peek-lock: unsettled, and the
    // client settles second (rcv_settle_mode 1), so the broker confirms each settlement.
    link.local.attach['snd_settle_mode'] = link.remote.attach?.['snd_settle_mode'] === 1 ? 1 : 0;
    link.local.attach['rcv_settle_mode'] = link.remote.attach?.['rcv_settle_mode'];
    const key = keyOf(role.entity);
    consumers.set(key, [...(consumers.get(key) ?? []), sender]);
  });

  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver;
    if (receiver === undefined) return;
    const link = internals(receiver);
    const target = addressOf(link.remote.attach?.['target']);
    const role = roleOf(target, true);
    link.local.attach['source'] = link.remote.attach?.['source'];
    link.local.attach['target'] = link.remote.attach?.['target'];
    if (role === undefined) {
      receiver.close(notFound(target));
      return;
    }
    roles.set(receiver, role);
    // Without max_message_size the client cannot size a batch (createMessageBatch / sendMessages([...])).
    if (role.kind === 'queue') link.local.attach['max_message_size'] = role.entity.queue.maxMessageSizeBytes;
  });

  container.on('sendable', (context: EventContext) => {
    const role = context.sender === undefined ? undefined : roles.get(context.sender);
    if (role?.kind === 'queue') pump(keyOf(role.entity));
  });
  container.on('sender_draining', (context: EventContext) => {
    const sender = context.sender;
    const role = sender === undefined ? undefined : roles.get(sender);
    if (role?.kind !== 'queue' || sender === undefined) return;
    pump(keyOf(role.entity));
    if (internals(sender).credit - pendingOn(sender) > 0) sender.set_drained(true);
  });

  container.on('message', (context: EventContext) => {
    const receiver = context.receiver;
    const delivery = context.delivery;
    const role = receiver === undefined ? undefined : roles.get(receiver);
    if (role === undefined || delivery === undefined) return;
    if (role.kind === 'cbs') {
      // Any token is accepted (the official emulator does not check keys either).
      reply(context, { status: 202, description: 'Accepted' });
      delivery.accept();
      return;
    }
    if (role.kind === 'management') {
      reply(
        context,
        safely(() => handleManagement(engine, role.entity, context.message as Message)),
      );
      delivery.accept();
      pump(keyOf({ queue: role.entity.queue, sub: 'active' }));
      return;
    }
    try {
      const format = (delivery as unknown as { format?: number }).format;
      const messages = messagesOfTransfer(context.message, format);
      engine.enqueue(role.entity.queue, messages);
      delivery.accept();
      pump(keyOf(role.entity));
    } catch (error) {
      const condition = error instanceof MessageSizeExceededError ? error.condition : 'amqp:internal-error';
      delivery.reject({ condition, description: error instanceof Error ? error.message : String(error) });
    }
  });

  const reply = (context: EventContext, answer: ManagementReply): void => {
    const request = context.message as Message;
    const replyTo = typeof request.reply_to === 'string' ? request.reply_to : undefined;
    const sender = replyTo === undefined ? undefined : replyLinks.get(context.connection)?.get(replyTo);
    if (sender === undefined) {
      log(`no reply link '${replyTo ?? ''}' for a ${roles.get(context.receiver as Receiver)?.kind} request`);
      return;
    }
    const applicationProperties: Record<string, unknown> = {
      'status-code': answer.status,
      'status-description': answer.description,
    };
    if (answer.errorCondition !== undefined) applicationProperties['error-condition'] = answer.errorCondition;
    sender.send({
      correlation_id: request.message_id,
      to: replyTo,
      application_properties: applicationProperties,
      body: answer.body ?? null,
    });
  };

  // Settlement of broker → client deliveries. The broker answers with an error-free state (the client
  // treats any error as failure of its own call) or with message-lock-lost.
  const settle = (context: EventContext, settlement: Settlement | 'release'): void => {
    const delivery = context.delivery;
    if (delivery === undefined) return;
    const flight = inFlight.get(delivery);
    if (flight === undefined) {
      delivery.update(true, outcomes.accepted().described());
      return;
    }
    inFlight.delete(delivery);
    if (settlement === 'release') {
      engine.release(flight.lockToken);
      delivery.update(true, outcomes.accepted().described());
    } else if (engine.settle(flight.lockToken, settlement)) {
      delivery.update(true, outcomes.accepted().described());
    } else {
      delivery.update(
        true,
        outcomes
          .rejected({
            error: {
              condition: 'com.microsoft:message-lock-lost',
              description:
                'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
            },
          })
          .described(),
      );
    }
    const role = context.sender === undefined ? undefined : roles.get(context.sender);
    if (role?.kind === 'queue') pump(keyOf(role.entity));
  };
  container.on('accepted', (context: EventContext) => settle(context, { kind: 'complete' }));
  container.on('released', (context: EventContext) => settle(context, 'release'));
  container.on('modified', (context: EventContext) => {
    const state = context.delivery?.remote_state as
      { undeliverable_here?: boolean; message_annotations?: Record<string, unknown> } | undefined;
    if (state?.undeliverable_here === true) {
      // Defer: deferred messages need receive-by-sequence-number, which is not emulated; keep it locked
      // until the lock expires (so it is redelivered) and say so.
      log('defer is not emulated: the message stays locked until its lock expires');
      context.delivery?.update(true, outcomes.accepted().described());
      return;
    }
    settle(context, {
      kind: 'abandon',
      ...(state?.message_annotations ? { properties: state.message_annotations } : {}),
    });
  });
  container.on('rejected', (context: EventContext) => {
    const state = context.delivery?.remote_state as
      { error?: { condition?: string; description?: string; info?: Record<string, unknown> } } | undefined;
    const info = { ...state?.error?.info };
    const reason = typeof info['DeadLetterReason'] === 'string' ? info['DeadLetterReason'] : undefined;
    const description =
      typeof info['DeadLetterErrorDescription'] === 'string' ? info['DeadLetterErrorDescription'] : undefined;
    delete info['DeadLetterReason'];
    delete info['DeadLetterErrorDescription'];
    settle(context, {
      kind: 'deadLetter',
      ...(reason === undefined ? {} : { reason }),
      ...(description === undefined ? {} : { description }),
      ...(Object.keys(info).length > 0 ? { properties: info } : {}),
    });
  });
  container.on('error', (error: unknown) =>
    log(`amqp error: ${error instanceof Error ? error.message : String(error)}`),
  );
  container.on('disconnected', () => undefined);

  const host = options.host ?? '127.0.0.1';
  const server = container.listen({ host, port: options.port ?? 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const timer = setInterval(() => {
    try {
      engine.tick();
      pumpAll();
    } catch (error) {
      log(`tick failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }, options.tickMs ?? 100);
  timer.unref();

  return {
    port,
    host,
    queues: engine.queues,
    connectionString: emulatorConnectionString(port),
    count: (queueName, sub = 'active') => {
      const entity = engine.resolve(queueName);
      if (entity === undefined) throw new Error(`unknown queue '${queueName}'`);
      return engine.count({ queue: entity.queue, sub });
    },
    stop: async () => {
      clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      store.close();
    },
  };
}

function safely(operation: () => ManagementReply): ManagementReply {
  try {
    return operation();
  } catch (error) {
    return {
      status: 500,
      description: error instanceof Error ? error.message : String(error),
      errorCondition: 'amqp:internal-error',
    };
  }
}
