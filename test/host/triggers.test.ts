import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHost,
  type DispatchResult,
  type HostLogger,
  type MessageSource,
  type MessageSourceContext,
  type RunningHost,
} from '../../dev/host/index';
import { eventually, field, request } from './support/hostHttp';

/**
 * HTTP triggers (routes, methods, keys), the admin API, Service Bus via admin and via the dispatch seam,
 * the Event Grid webhook, timer schedules, hooks and app settings, on an app with every kind of door.
 */
const appDir = join(__dirname, 'apps', 'triggers');
interface AppState {
  queue: {
    message: unknown;
    messageId: unknown;
    deliveryCount: unknown;
    queueName: unknown;
    instanceId: string;
  }[];
  events: { id: string; type: string; subject: string; data: unknown }[];
  ticks: { at: number; isPastDue: boolean; schedule: unknown }[];
  startupTicks: number[];
  quietTicks: number[];
  hooks: { appStart: number; pre: number; post: number; appHookData?: string };
}
const state = createRequire(join(appDir, 'package.json'))('./functions/state.cjs') as AppState;
const logLines: string[] = [];
const logger: HostLogger = { log: (level, message) => logLines.push(`${level} ${message}`) };
let host: RunningHost;
let dataDir: string;

/**
 * A stand-in for the future Service Bus bridge: it serves every serviceBusTrigger, delivers one message, and
 * abandons/redelivers (DeliveryCount + 1) while the function fails, as the real trigger does with AutoComplete.
 */
class RedeliveringSource implements MessageSource {
  readonly name = 'in-memory-queue';
  served: { name: string; queueName: unknown }[] = [];
  deliveries: { deliveryCount: number; result: DispatchResult['status'] }[] = [];
  settled: Promise<void> | undefined;
  stopped = false;

  async start(context: MessageSourceContext): Promise<void> {
    this.served = context.functions
      .filter((fn) => fn.triggerType === 'serviceBusTrigger' && !fn.error && !fn.disabled)
      .map((fn) => ({ name: fn.name, queueName: fn.trigger['queueName'] }));
    const target = this.served[0]?.name ?? '';
    this.settled = (async () => {
      for (let deliveryCount = 1; deliveryCount <= 10; deliveryCount++) {
        const result = await context.dispatch(target, JSON.stringify({ id: 'src-1', failUntilDelivery: 2 }), {
          triggerMetadata: { MessageId: 'src-1', DeliveryCount: deliveryCount },
        });
        this.deliveries.push({ deliveryCount, result: result.status });
        if (result.status === 'succeeded') return; // complete
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}
const source = new RedeliveringSource();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'host-triggers-'));
  process.env['SHADOWED'] = 'from-env';
  host = await startHost({
    appDir,
    port: 0,
    dataDir,
    logger,
    settings: {
      OVERRIDDEN: 'from-options',
      'AzureWebJobs.switchedOff.Disabled': 'true',
      AzureWebJobs__quietTimer__Disabled: '1',
    },
    messageSources: [source],
  });
});
afterAll(async () => {
  await host?.stop();
});

const api = (path: string): string => `${host.apiUrl}/${path}`;

describe('HTTP triggers', () => {
  it('matches route templates with constraints and optional segments, passing params, query, headers and body', async () => {
    const response = await request(api('items/books/42/extra?x=1&x=2&y=z'), {
      method: 'PUT',
      rawBody: 'payload',
      headers: { 'x-test': 'hello' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('hello');
    expect(response.headers.get('set-cookie')).toBe('session=abc; Path=/; HttpOnly; SameSite=Strict');
    expect(response.body).toEqual({
      method: 'PUT',
      params: { category: 'books', id: '42', rest: 'extra' },
      query: { x: '2', y: 'z' },
      body: 'payload',
      url: `${host.url}/gw/items/books/42/extra?x=1&x=2&y=z`,
    });
    expect(field((await request(api('items/books/7'))).body, 'params')).toEqual({
      category: 'books',
      id: '7',
    });
  });

  it('prefers literal segments, and answers 404 for constraint misses, unknown routes and other methods', async () => {
    expect((await request(api('items/special/7'))).body).toEqual({ literal: true, id: '7' });
    expect((await request(api('items/books/not-a-number'))).status).toBe(404);
    expect((await request(api('items/b00ks/1'))).status).toBe(404);
    expect((await request(api('nowhere'))).status).toBe(404);
    expect((await request(api('items/books/1'), { method: 'DELETE' })).status).toBe(404);
    expect((await request(`${host.url}/api/items/books/1`)).status).toBe(404);
  });

  it('answers 204 when the handler returns nothing and an empty 500 when it throws', async () => {
    const nothing = await request(api('nothing'));
    expect(nothing.status).toBe(204);
    const thrown = await request(api('throws'));
    expect(thrown.status).toBe(500);
    expect(thrown.text).toBe('');
    expect(
      logLines.some(
        (line) =>
          line.includes("Executed 'Functions.throws' (Failed") && line.includes('http handler failed'),
      ),
    ).toBe(true);
  });

  it('enforces function keys: code or x-functions-key, function/host/master keys accepted, 401 otherwise', async () => {
    expect((await request(api('keyed'))).status).toBe(401);
    expect((await request(api('keyed?code=wrong'))).status).toBe(401);
    expect((await request(api('keyed?code=test-keyed-key'))).text).toBe('keyed ok');
    expect((await request(api('keyed?code=test-partner-key'))).status).toBe(200);
    expect((await request(api('keyed'), { headers: { 'x-functions-key': 'test-keyed-key' } })).status).toBe(
      200,
    );
    expect((await request(api('keyed?code=test-host-key'))).status).toBe(200);
    expect((await request(api('keyed?code=test-master-key'))).status).toBe(200);
    // Another function's key is not this function's key; generated default keys work for their own function.
    const otherKey = host.keys.functionKeys['otherKeyed']?.['default'] ?? '';
    expect(otherKey.length).toBeGreaterThan(20);
    expect((await request(api(`keyed?code=${otherKey}`))).status).toBe(401);
    expect((await request(api(`otherKeyed?code=${otherKey}`))).text).toBe('other ok');
    // Admin level takes the master key only.
    expect((await request(api('admin-only?code=test-host-key'))).status).toBe(401);
    expect((await request(api('admin-only?code=test-master-key'))).text).toBe('admin ok');
  });

  it('keeps generated keys in the data directory and takes local.settings.json Keys over them', () => {
    const stored = JSON.parse(readFileSync(join(dataDir, 'host-keys.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(field(stored, 'functionKeys', 'otherKeyed', 'default')).toBe(
      host.keys.functionKeys['otherKeyed']?.['default'],
    );
    expect(host.keys.masterKey).toBe('test-master-key');
    expect(field(stored, 'masterKey')).not.toBe('test-master-key');
    expect(host.keys.systemKeys['durabletask_extension']).toBeTruthy();
  });

  it('applies app settings: local.settings.json, then the environment, then the host options', async () => {
    const response = await request(api('settings'));
    expect(response.body).toEqual({
      fromFile: 'file-value',
      shadowed: 'from-env',
      override: 'from-options',
      hostname: host.url.replace('http://', ''),
    });
  });

  it('sends context.log to the host logger with the function name, never the request body', async () => {
    await request(api('items/secret/1'), { method: 'POST', rawBody: 'TOP-SECRET-BODY' });
    expect(logLines).toContain('info [open] open called for secret');
    expect(
      logLines.some((line) =>
        /Executed 'Functions\.open' \(Succeeded, .*Id=[0-9a-f-]{36}, Duration=\d+ms\)/.test(line),
      ),
    ).toBe(true);
    expect(logLines.join('\n')).not.toContain('TOP-SECRET-BODY');
  });
});

describe('admin API and non-HTTP triggers', () => {
  const admin = (path: string, key = 'test-master-key'): string =>
    `${host.url}/admin/${path}${key ? `?code=${key}` : ''}`;

  it('fires a Service Bus trigger with an input, answering 202 and binding default and given metadata', async () => {
    const before = state.queue.length;
    const fired = await request(admin('functions/sbStart'), {
      body: { input: JSON.stringify({ id: 'm1', users: ['a'] }) },
    });
    expect(fired.status).toBe(202);
    expect(fired.text).toBe('');
    const first = await eventually(() => state.queue[before]);
    expect(first.message).toEqual({ id: 'm1', users: ['a'] });
    expect(first.deliveryCount).toBe(1);
    expect(typeof first.messageId).toBe('string');
    expect(first.queueName).toBe('users-queue');

    // Local extension: triggerMetadata in the body, e.g. to simulate a redelivery.
    await request(admin('functions/sbStart'), {
      body: { input: '{"id":"m2"}', triggerMetadata: { MessageId: 'fixed-id', DeliveryCount: 3 } },
    });
    const second = await eventually(() => state.queue[before + 1]);
    expect(second).toMatchObject({ message: { id: 'm2' }, messageId: 'fixed-id', deliveryCount: 3 });
    // The durable client inside the queue handler started an orchestration.
    const done = await host.durable.waitForCompletion(second.instanceId, 10_000);
    expect(done?.runtimeStatus).toBe('Completed');
    expect(JSON.parse(done?.output ?? 'null')).toEqual({ echoed: { id: 'm2' } });
  });

  it('refuses admin calls without the master key, for unknown functions, without a body, and for HTTP functions', async () => {
    expect((await request(admin('functions/sbStart', ''), { body: { input: 'x' } })).status).toBe(401);
    expect(
      (await request(admin('functions/sbStart', 'test-host-key'), { body: { input: 'x' } })).status,
    ).toBe(401);
    expect((await request(admin('functions/sbStart'), { method: 'POST' })).status).toBe(400);
    expect((await request(admin('functions/nope'), { body: { input: 'x' } })).status).toBe(404);
    expect((await request(admin('functions/keyed'), { body: { input: 'x' } })).status).toBe(400);
    expect((await request(admin('functions/misconfigured'), { body: { input: 'x' } })).status).toBe(400);
  });

  it('lists functions and host status, reporting a function whose %SETTING% does not resolve', async () => {
    const list = (await request(admin('functions'))).body as {
      name: string;
      isDisabled: boolean;
      config: { bindings: { type: string; queueName?: string }[] };
    }[];
    const names = list.map((fn) => fn.name).sort();
    expect(names).toContain('sbStart');
    expect(names).toContain('gridHandler');
    const sb = list.find((fn) => fn.name === 'sbStart');
    expect(sb?.config.bindings.find((b) => b.type === 'serviceBusTrigger')?.queueName).toBe('users-queue');
    expect(list.find((fn) => fn.name === 'misconfigured')?.isDisabled).toBe(true);
    const status = await request(admin('functions/misconfigured/status'));
    expect(field(status.body, 'functionErrors', 0)).toBe("'%MISSING_SETTING%' does not resolve to a value.");
    const hostStatus = await request(admin('host/status'));
    expect(field(hostStatus.body, 'state')).toBe('Running');
    expect((await request(admin('functions/sbStart'))).status).toBe(200);
  });

  it('dispatches programmatically for message sources: succeeded with the return value, failed with the error', async () => {
    const ok = await host.dispatch(
      'sbStart',
      { id: 'direct' },
      { triggerMetadata: { MessageId: 'm-direct', DeliveryCount: 2 } },
    );
    expect(ok.status).toBe('succeeded');
    expect(field(ok, 'returnValue', 'accepted')).toBe(true);
    expect(state.queue.at(-1)).toMatchObject({ messageId: 'm-direct', deliveryCount: 2 });
    const failed = await host.dispatch('sbStart', { id: 'bad', fail: true });
    expect(failed.status).toBe('failed');
    expect(failed.status === 'failed' ? failed.error.message : '').toBe('queue handler failed for bad');
    await expect(host.dispatch('nope', 'x')).rejects.toThrow("No function named 'nope'");
    await expect(host.dispatch('keyed', 'x')).rejects.toThrow('HTTP function');
    expect(host.functions.find((fn) => fn.name === 'sbStart')?.trigger['queueName']).toBe('users-queue');
  });

  it('runs hooks: appStart once, pre/post around invocations with shared hookData', () => {
    expect(state.hooks.appStart).toBe(1);
    expect(state.hooks.appHookData).toBe('object');
    expect(state.hooks.pre).toBeGreaterThan(0);
    expect(state.hooks.post).toBe(state.hooks.pre);
  });
});

describe('message sources', () => {
  it('start with the functions they serve and dispatch; a failure abandons, the redelivery succeeds', async () => {
    expect(source.served).toEqual([{ name: 'sbStart', queueName: 'users-queue' }]);
    await source.settled;
    expect(source.deliveries).toEqual([
      { deliveryCount: 1, result: 'failed' },
      { deliveryCount: 2, result: 'failed' },
      { deliveryCount: 3, result: 'succeeded' },
    ]);
    expect(state.queue.find((entry) => entry.messageId === 'src-1')?.deliveryCount).toBe(3);
  });
});

describe('Event Grid webhook', () => {
  const webhook = (functionName: string, key = host.keys.systemKeys['eventgrid_extension'] ?? ''): string =>
    `${host.url}/runtime/webhooks/EventGrid?functionName=${functionName}${key ? `&code=${key}` : ''}`;
  const gridEvent = (id: string, subject = 'users/1'): Record<string, unknown> => ({
    id,
    topic: '/subscriptions/x',
    subject,
    eventType: 'Microsoft.Graph.UserUpdated',
    eventTime: '2024-01-01T00:00:00Z',
    data: { n: id },
    dataVersion: '1',
    metadataVersion: '1',
  });

  it('answers the subscription validation handshake', async () => {
    const response = await request(webhook('gridHandler'), {
      body: [
        {
          ...gridEvent('v'),
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          data: { validationCode: 'abc-123' },
        },
      ],
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ validationResponse: 'abc-123' });
  });

  it('runs the function once per event (array, single object, CloudEvents) and answers 202', async () => {
    const before = state.events.length;
    const notify = { 'aeg-event-type': 'Notification' };
    expect(
      (await request(webhook('gridHandler'), { body: [gridEvent('e1'), gridEvent('e2')], headers: notify }))
        .status,
    ).toBe(202);
    expect((await request(webhook('gridHandler'), { body: gridEvent('e3'), headers: notify })).status).toBe(
      202,
    );
    const cloudEvent = {
      specversion: '1.0',
      id: 'c1',
      source: '/x',
      type: 'Microsoft.Graph.UserUpdated',
      subject: 'users/2',
      data: { v: 1 },
    };
    expect((await request(webhook('gridHandler'), { body: cloudEvent, headers: notify })).status).toBe(202);
    const seen = state.events.slice(before);
    expect(seen.map((event) => event.id).sort()).toEqual(['c1', 'e1', 'e2', 'e3']);
    expect(seen.find((event) => event.id === 'c1')).toEqual({
      id: 'c1',
      type: 'Microsoft.Graph.UserUpdated',
      subject: 'users/2',
      data: { v: 1 },
    });
  });

  it('answers 500 when an invocation fails, 404 for an unknown function, 400 without an event type, 401 without a key', async () => {
    const notify = { 'aeg-event-type': 'Notification' };
    const failed = await request(webhook('gridHandler'), {
      body: [gridEvent('ok'), gridEvent('bad', 'fail')],
      headers: notify,
    });
    expect(failed.status).toBe(500);
    expect(failed.text).toBe('grid handler failed');
    const unknown = await request(webhook('nope'), { body: [gridEvent('x')], headers: notify });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe("cannot find function: 'nope'");
    expect((await request(webhook('gridHandler'), { body: [gridEvent('x')] })).status).toBe(400);
    expect(
      (
        await request(webhook('gridHandler'), {
          method: 'POST',
          headers: { 'aeg-event-type': 'Unsubscribe' },
        })
      ).status,
    ).toBe(202);
    expect(
      (await request(webhook('gridHandler', ''), { body: [gridEvent('x')], headers: notify })).status,
    ).toBe(401);
    expect(
      (await request(webhook('gridHandler', 'test-master-key'), { body: [gridEvent('m')], headers: notify }))
        .status,
    ).toBe(202);
  });

  it('fires an Event Grid trigger through the admin API with the event JSON as input', async () => {
    const before = state.events.length;
    const fired = await request(`${host.url}/admin/functions/gridHandler?code=test-master-key`, {
      body: { input: JSON.stringify(gridEvent('admin-1')) },
    });
    expect(fired.status).toBe(202);
    const seen = await eventually(() => state.events.slice(before).find((event) => event.id === 'admin-1'));
    expect(seen.data).toEqual({ n: 'admin-1' });
  });
});

describe('timer triggers', () => {
  it('fires on its six-field NCRONTAB schedule (from a %SETTING%), once per second', async () => {
    const ticks = await eventually(
      () => (state.ticks.length >= 3 ? [...state.ticks] : undefined),
      10_000,
      'three ticks',
    );
    const seconds = ticks.slice(0, 3).map((tick) => Math.floor(tick.at / 1000));
    expect(new Set(seconds).size).toBe(3);
    expect(ticks[0]?.isPastDue).toBe(false);
    expect(ticks[0]?.schedule).toEqual({ adjustForDST: true });
  });

  it('runs a runOnStartup timer once at start although its schedule is a year away', () => {
    expect(state.startupTicks).toHaveLength(1);
  });

  it('leaves disabled functions (AzureWebJobs.<name>.Disabled) unbound, but runnable from the admin API', async () => {
    expect((await request(api('switched-off'))).status).toBe(404);
    const list = (await request(`${host.url}/admin/functions?code=test-master-key`)).body as {
      name: string;
      isDisabled: boolean;
    }[];
    expect(list.find((fn) => fn.name === 'switchedOff')?.isDisabled).toBe(true);
    expect(list.find((fn) => fn.name === 'quietTimer')?.isDisabled).toBe(true);
    expect(list.find((fn) => fn.name === 'tick')?.isDisabled).toBe(false);
    await eventually(() => (state.ticks.length >= 2 ? true : undefined), 10_000);
    expect(state.quietTicks).toEqual([]);
    await request(`${host.url}/admin/functions/quietTimer?code=test-master-key`, { body: { input: '' } });
    await eventually(() => (state.quietTicks.length === 1 ? true : undefined));
  });

  it('fires a timer trigger through the admin API', async () => {
    const before = state.ticks.length;
    expect(
      (await request(`${host.url}/admin/functions/startup?code=test-master-key`, { body: { input: '' } }))
        .status,
    ).toBe(202);
    await eventually(() => (state.startupTicks.length === 2 ? true : undefined));
    expect(state.ticks.length).toBeGreaterThanOrEqual(before);
  });
});
