import { randomBytes } from 'node:crypto';
import { type Clock } from '../core/clock';
import { type EventSinkOptions } from '../options';
import { isEventGridUrl, type Subscription, type SubscriptionStore } from '../store/subscriptionStore';
import { type UserChange } from '../store/tenantStore';
import {
  reauthorizationCloudEvent,
  userChangeCloudEvent,
  webhookLifecycleNotification,
  webhookNotification,
} from './cloudEvents';

/** One notification the emulator produced, and what became of its delivery. */
export interface DeliveryRecord {
  seq: number;
  time: string;
  subscriptionId: string;
  /** `eventGrid`: CloudEvent to the configured sink; `webhook`: Graph's notification POST. */
  channel: 'eventGrid' | 'webhook';
  kind: 'change' | 'lifecycle';
  /** CloudEvent `type`, or `changeNotification` / `lifecycleNotification` for webhooks. */
  eventType: string;
  userId?: string;
  url: string | null;
  status: 'pending' | 'delivered' | 'failed' | 'noSink' | 'paused' | 'dropped';
  attempts: number;
  lastHttpStatus?: number;
  lastError?: string;
  /** The CloudEvent or webhook body (user ids only, never property values). */
  payload: unknown;
}

/** Graph sends reauthorizationRequired when the subscription expires within 3 hours (graph.md §7.3). */
const REAUTHORIZATION_LEAD_MS = 3 * 3600 * 1000;
const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_ATTEMPTS = 4;
const CONCURRENCY = 8;
const SWEEP_INTERVAL_MS = 1000;

interface Task {
  record: DeliveryRecord;
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * Turns directory changes into change notifications and delivers them: CloudEvents shaped like the Event
 * Grid partner topic's to the configured sink for `EventGrid:` subscriptions, plain Graph notifications to
 * webhook subscriptions. Retries with back-off (time-scaled), bounded history, clean stop.
 */
export class EventPublisher {
  private readonly history: DeliveryRecord[] = [];
  private nextSeq = 1;
  private readonly queue: Task[] = [];
  private active = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;
  private dropChanges = false;
  private delayMs = 0;

  constructor(
    private subscriptions: SubscriptionStore,
    private tenantId: string,
    private readonly clock: Clock,
    private sink: EventSinkOptions | undefined,
    private readonly historySize = 5000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** After a reseed: deliver for the new tenant's subscriptions. */
  retarget(subscriptions: SubscriptionStore, tenantId: string): void {
    this.subscriptions = subscriptions;
    this.tenantId = tenantId;
  }

  setSink(sink: EventSinkOptions | undefined): void {
    this.sink = sink;
  }

  get currentSink(): EventSinkOptions | undefined {
    return this.sink;
  }

  /** Delivery knobs of the control API (`PUT /events/delivery`). */
  setDelivery(settings: { dropChanges?: boolean; delayMs?: number }): void {
    if (settings.dropChanges !== undefined) this.dropChanges = settings.dropChanges;
    if (settings.delayMs !== undefined) this.delayMs = settings.delayMs;
  }

  delivery(): { dropChanges: boolean; delayMs: number } {
    return { dropChanges: this.dropChanges, delayMs: this.delayMs };
  }

  records(since = 0): DeliveryRecord[] {
    return this.history.filter((r) => r.seq > since);
  }

  onUserChange(change: UserChange): void {
    const changeType = change.kind === 'deleted' ? 'deleted' : 'updated';
    const now = this.clock.nowMs();
    for (const sub of this.subscriptions.all) {
      if (!this.subscriptions.matches(sub, change.userId, changeType, now)) continue;
      if (isEventGridUrl(sub.notificationUrl)) {
        const event = userChangeCloudEvent(
          sub,
          this.tenantId,
          change.userId,
          changeType,
          change.sequenceNumber,
          new Date(now),
        );
        this.dispatch(sub, 'eventGrid', 'change', event.type, event, change.userId, null);
      } else {
        const body = webhookNotification(sub, this.tenantId, change.userId, changeType);
        this.dispatch(
          sub,
          'webhook',
          'change',
          'changeNotification',
          body,
          change.userId,
          sub.notificationUrl,
        );
      }
    }
  }

  /** Lifecycle: tell the app to reauthorize. `pause` also stops change delivery until it does. */
  requireReauthorization(sub: Subscription, pause: boolean): void {
    if (pause) sub.paused = true;
    sub.noticeSentFor = sub.expirationDateTime;
    const url = sub.lifecycleNotificationUrl;
    if (url === null) return;
    if (isEventGridUrl(url)) {
      const event = reauthorizationCloudEvent(sub, this.tenantId, new Date(this.clock.nowMs()));
      this.dispatch(sub, 'eventGrid', 'lifecycle', event.type, event, undefined, null, true);
    } else {
      this.dispatch(
        sub,
        'webhook',
        'lifecycle',
        'lifecycleNotification',
        webhookLifecycleNotification(sub, this.tenantId),
        undefined,
        url,
        true,
      );
    }
  }

  afterExpiryChange(sub: Subscription): void {
    if (sub.noticeSentFor === sub.expirationDateTime) return;
    if (Date.parse(sub.expirationDateTime) - this.clock.nowMs() < REAUTHORIZATION_LEAD_MS) {
      this.requireReauthorization(sub, false);
    }
  }

  private sweep(): void {
    const now = this.clock.nowMs();
    this.subscriptions.sweepExpired(now);
    for (const sub of this.subscriptions.all) this.afterExpiryChange(sub);
  }

  /** Graph's webhook validation handshake (graph.md §8). */
  async validateWebhook(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(8).toString('hex')}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: '',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]),
      });
      const text = await res.text();
      return res.status === 200 && text === token;
    } catch {
      return false;
    }
  }

  private dispatch(
    sub: Subscription,
    channel: DeliveryRecord['channel'],
    kind: DeliveryRecord['kind'],
    eventType: string,
    payload: unknown,
    userId: string | undefined,
    webhookUrl: string | null,
    lifecycle = false,
  ): void {
    const record: DeliveryRecord = {
      seq: this.nextSeq++,
      time: new Date(this.clock.nowMs()).toISOString(),
      subscriptionId: sub.id,
      channel,
      kind,
      eventType,
      ...(userId ? { userId } : {}),
      url: channel === 'eventGrid' ? (this.sink?.url ?? null) : webhookUrl,
      status: 'pending',
      attempts: 0,
      payload,
    };
    this.history.push(record);
    if (this.history.length > this.historySize)
      this.history.splice(0, this.history.length - this.historySize);
    if (sub.paused && !lifecycle) {
      // "Delivery pauses if ignored; changes during the pause are lost" (graph.md §7.2).
      record.status = 'paused';
      return;
    }
    if (this.stopped) return;
    if (this.dropChanges && !lifecycle) {
      record.status = 'dropped';
      return;
    }
    if (channel === 'eventGrid') {
      if (!this.sink) {
        record.status = 'noSink';
        return;
      }
      const batch = this.sink.mode === 'batch';
      this.enqueue({
        record,
        url: this.sink.url,
        body: JSON.stringify(batch ? [payload] : payload),
        headers: {
          'Content-Type': batch
            ? 'application/cloudevents-batch+json; charset=utf-8'
            : 'application/cloudevents+json; charset=utf-8',
          'aeg-event-type': 'Notification',
          ...(this.sink.headers ?? {}),
        },
      });
    } else {
      this.enqueue({
        record,
        url: webhookUrl ?? '',
        body: JSON.stringify(payload),
        headers: { 'Content-Type': 'application/json' },
      });
    }
    this.pump();
  }

  /** Queues a delivery, after the configured delay (tracked like a retry, so `flush` waits for it). */
  private enqueue(task: Task): void {
    if (this.delayMs === 0) {
      this.queue.push(task);
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.queue.push(task);
      this.pump();
      this.notifyIdle();
    }, this.delayMs);
    this.retryTimers.add(timer);
  }

  private pump(): void {
    while (!this.stopped && this.active < CONCURRENCY && this.queue.length > 0) {
      const task = this.queue.shift() as Task;
      this.active++;
      void this.attempt(task).finally(() => {
        this.active--;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private async attempt(task: Task): Promise<void> {
    const { record } = task;
    record.attempts++;
    try {
      const res = await fetch(task.url, {
        method: 'POST',
        headers: { ...task.headers, 'aeg-delivery-count': String(record.attempts - 1) },
        body: task.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await res.arrayBuffer();
      record.lastHttpStatus = res.status;
      if (res.status >= 200 && res.status < 300) {
        record.status = 'delivered';
        return;
      }
      record.lastError = `HTTP ${res.status}`;
    } catch (error) {
      record.lastError = (error as Error).message;
    }
    if (this.stopped) return;
    if (record.attempts >= MAX_ATTEMPTS) {
      record.status = 'failed';
      return;
    }
    const backoff = this.clock.scaledMs(1000 * 2 ** (record.attempts - 1));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.queue.push(task);
      this.pump();
      this.notifyIdle();
    }, backoff);
    this.retryTimers.add(timer);
  }

  private get idle(): boolean {
    return this.active === 0 && this.queue.length === 0 && this.retryTimers.size === 0;
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when every queued delivery finished (delivered or gave up). */
  flush(): Promise<void> {
    if (this.idle || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.abort.abort();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
