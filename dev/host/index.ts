import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCatalog, type FunctionInfo } from './app/functionCatalog';
import { loadAppEntryPoints } from './app/loadApp';
import { applySettings, readHostJson, readLocalSettings } from './app/settings';
import { installCoreModule } from './core/coreModule';
import { durableClientData, type ClientBindingSettings } from './durable/clientBinding';
import type { DurableClock } from './durable/clock';
import { DurableEngine } from './durable/engine';
import { DurableStore } from './durable/store';
import { DURABLE_SYSTEM_KEY, loadKeys, type HostKeys, type KeysInput } from './http/keys';
import { createHostServer } from './http/server';
import { describeError, Invoker, type InvocationRecord } from './invoke/invoker';
import { createConsoleLogger, type HostLogger } from './logger';
import { TriggerDispatcher, type DispatchOptions, type DispatchResult } from './triggers/dispatcher';
import type { MessageSource } from './triggers/messageSource';
import { readServiceBusOptions } from './triggers/serviceBusOptions';
import { createServiceBusSource } from './triggers/serviceBusSource';
import { TimerTriggerScheduler } from './triggers/timerTriggers';

export type { FunctionInfo, TriggerKind } from './app/functionCatalog';
export type { DurableEngine, StartRequest } from './durable/engine';
export type { DurableClock } from './durable/clock';
export { AdjustableClock } from './durable/clock';
export type { HistoryEvent, RuntimeStatus } from './durable/historyEvents';
export { EventType } from './durable/historyEvents';
export type { InstanceRow } from './durable/store';
export type { HostKeys, KeysInput } from './http/keys';
export type { InvocationRecord } from './invoke/invoker';
export type { HostLogger, LogLevel } from './logger';
export { createConsoleLogger, silentLogger } from './logger';
export type { DispatchOptions, DispatchResult } from './triggers/dispatcher';
export { DispatchRefusedError } from './triggers/dispatcher';
export type { MessageSource, MessageSourceContext } from './triggers/messageSource';

export interface HostOptions {
  /** The function app directory: package.json (`main` glob), host.json, local.settings.json. */
  readonly appDir: string;
  /** Default 7071; 0 picks a free port. */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1 (the Durable RPC routes only answer loopback callers anyway). */
  readonly hostname?: string;
  /** Where the SQLite file and the generated keys live; default `<appDir>/.local/host`. */
  readonly dataDir?: string;
  /** App settings that win over local.settings.json and the environment. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Check function/admin/system keys as Azure does (default true). False behaves like Core Tools. */
  readonly enforceKeys?: boolean;
  /** Fixed keys; win over local.settings.json `Keys` and the generated keys file. */
  readonly keys?: KeysInput;
  /** Default: host.json `extensions.durableTask.maxConcurrentActivityFunctions`, else 10 × CPU count. */
  readonly maxConcurrentActivityFunctions?: number;
  /** Default: host.json `extensions.durableTask.maxConcurrentOrchestratorFunctions`, else 10 × CPU count. */
  readonly maxConcurrentOrchestratorFunctions?: number;
  /** Default: console at `info` (one line per invocation). */
  readonly logger?: HostLogger;
  /** Plug-ins that feed non-HTTP triggers (e.g. a Service Bus bridge). */
  readonly messageSources?: readonly MessageSource[];
  /**
   * Service Bus queue triggers listen with the real client when their connection setting is present
   * (default true); false leaves them to the admin API and `messageSources`.
   */
  readonly serviceBus?: boolean;
  /** Observer for every invocation (the benchmark uses it); never given bodies. */
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** How long stop() waits for running invocations; default 10 s. */
  readonly drainTimeoutMs?: number;
  /** The durable engine's time (episodes, timers, retries); default real time. An `AdjustableClock` lets tests
   * jump ahead, e.g. through a 7-day timer, without waiting. */
  readonly durableClock?: DurableClock;
}

export interface RunningHost {
  /** Origin, e.g. http://127.0.0.1:7071 */
  readonly url: string;
  readonly port: number;
  /** Base URL of the HTTP triggers, e.g. http://127.0.0.1:7071/api */
  readonly apiUrl: string;
  readonly keys: HostKeys;
  readonly enforceKeys: boolean;
  readonly hubName: string;
  readonly dataDir: string;
  readonly functions: readonly FunctionInfo[];
  /** The durable engine: start instances, read status and raw history, wait for completion. */
  readonly durable: DurableEngine;
  /** Runs a non-HTTP function (see TriggerDispatcher.dispatch); the seam message sources use. */
  dispatch(functionName: string, input: unknown, options?: DispatchOptions): Promise<DispatchResult>;
  /** Graceful stop: sources, timers and HTTP stop, running invocations finish, appTerminate hooks run. */
  stop(): Promise<void>;
}

/** Starts the local host. Only one per process: the app is `require`d into this process. */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const startedAt = Date.now();
  const logger = options.logger ?? createConsoleLogger('info');
  const appDir = resolve(options.appDir);
  const dataDir = resolve(options.dataDir ?? join(appDir, '.local', 'host'));

  const localSettings = readLocalSettings(appDir);
  const shadowed = applySettings(localSettings.values, { ...options.settings });
  for (const name of shadowed) {
    logger.log('debug', `Skipping '${name}' from local.settings.json: it is already set in the environment.`);
  }
  const hostJson = readHostJson(appDir);

  const registry = installCoreModule();
  registry.systemLog = (level, _category, message) => {
    if (level === 'error' || level === 'critical') logger.log('error', `[worker] ${message}`);
    else if (level === 'warning') logger.log('warn', `[worker] ${message}`);
    else logger.log('debug', `[worker] ${message}`);
  };
  await loadAppEntryPoints(appDir, registry);
  await registry.programmingModel?.getCapabilities({});
  const catalog = buildCatalog(registry.functions.values());
  for (const fn of catalog.values()) {
    if (fn.error) logger.log('error', `Function '${fn.name}' is in error and will not run: ${fn.error}`);
    if (fn.kind === 'entity')
      logger.log('warn', `Function '${fn.name}' is a durable entity; entities are not supported.`);
  }

  const store = new DurableStore(join(dataDir, 'durable.db'));
  const enforceKeys = options.enforceKeys ?? true;
  const keys = loadKeys({
    file: join(dataDir, 'host-keys.json'),
    fromSettings: localSettings.keys,
    overrides: options.keys,
    functionNames: [...catalog.values()].filter((fn) => fn.kind === 'http').map((fn) => fn.name),
  });

  let clientSettings: ClientBindingSettings = {
    origin: 'http://127.0.0.1:7071',
    hubName: hostJson.hubName,
    requiredQueryStringParameters: '',
  };
  let clientDataJson = durableClientData(clientSettings);
  const invoker = new Invoker({
    registry,
    logger,
    durableClientData: () => clientDataJson,
    onInvocation: options.onInvocation,
    functionTimeout: hostJson.functionTimeout,
  });
  const defaultConcurrency = 10 * Math.max(1, cpus().length);
  const engine = new DurableEngine({
    store,
    invoker,
    catalog,
    logger,
    maxConcurrentActivities:
      options.maxConcurrentActivityFunctions ?? hostJson.maxConcurrentActivityFunctions ?? defaultConcurrency,
    maxConcurrentOrchestrations:
      options.maxConcurrentOrchestratorFunctions ??
      hostJson.maxConcurrentOrchestratorFunctions ??
      defaultConcurrency,
    clock: options.durableClock,
  });
  const dispatcher = new TriggerDispatcher(catalog, invoker);

  let markReady: () => void = () => undefined;
  const whenReady = new Promise<void>((resolveReady) => {
    markReady = resolveReady;
  });
  const hostId = randomUUID();
  const server = createHostServer({
    catalog,
    invoker,
    dispatcher,
    engine,
    keys,
    enforceKeys,
    routePrefix: hostJson.routePrefix,
    clientSettings: () => clientSettings,
    logger,
    hostId,
    startedAt,
    whenReady,
  });
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 7071, hostname, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname}:${port}`;

  // durable-functions rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME is set, and axios would send
  // loopback calls through an HTTP(S)_PROXY unless NO_PROXY lists loopback (reference §2.1, §8).
  process.env['WEBSITE_HOSTNAME'] = origin.replace(/^http:\/\//, '');
  const noProxy = [process.env['NO_PROXY'], '127.0.0.1', 'localhost'].filter(Boolean).join(',');
  process.env['NO_PROXY'] = noProxy;
  process.env['no_proxy'] = noProxy;
  clientSettings = {
    origin,
    hubName: hostJson.hubName,
    requiredQueryStringParameters: enforceKeys ? `code=${keys.systemKeys[DURABLE_SYSTEM_KEY] ?? ''}` : '',
  };
  clientDataJson = durableClientData(clientSettings);

  const timers = new TimerTriggerScheduler(
    [...catalog.values()].filter((fn) => fn.kind === 'timer' && !fn.error && !fn.disabled),
    dispatcher,
    logger,
    process.env['WEBSITE_TIME_ZONE'] ?? 'UTC',
  );
  const sources = [...(options.messageSources ?? [])];
  if (options.serviceBus !== false) sources.push(createServiceBusSource(readServiceBusOptions(appDir)));
  const functions = [...catalog.values()];
  const dispatch = (
    functionName: string,
    input: unknown,
    dispatchOptions?: DispatchOptions,
  ): Promise<DispatchResult> => dispatcher.dispatch(functionName, input, dispatchOptions);

  try {
    await invoker.runAppHook('appStart', appDir);
    engine.start();
    markReady();
    timers.start();
    for (const source of sources) {
      await source.start({ functions, settings: process.env, logger, dispatch });
      logger.log('info', `Message source '${source.name}' started`);
    }
  } catch (error) {
    markReady();
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    await engine.stop(0);
    store.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const source of sources) {
        await source
          .stop()
          .catch((error: unknown) =>
            logger.log('error', `Message source '${source.name}': ${describeError(error)}`),
          );
      }
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      await timers.stop();
      await engine.stop(options.drainTimeoutMs ?? 10_000);
      server.closeAllConnections();
      await closed;
      await invoker
        .runAppHook('appTerminate', appDir)
        .catch((error: unknown) => logger.log('error', `appTerminate hook: ${describeError(error)}`));
      store.close();
    })();
    return stopping;
  };

  return {
    url: origin,
    port,
    apiUrl: hostJson.routePrefix.length > 0 ? `${origin}/${hostJson.routePrefix}` : origin,
    keys,
    enforceKeys,
    hubName: hostJson.hubName,
    dataDir,
    functions,
    durable: engine,
    dispatch,
    stop,
  };
}
