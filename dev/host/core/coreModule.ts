import Module from 'node:module';
import type {
  FunctionCallback,
  HookCallback,
  HookName,
  ProgrammingModel,
  RegisteredFunction,
  RpcFunctionMetadata,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

/**
 * Stands in for the `@azure/functions-core` module that the Functions Node worker injects into the app process.
 * `@azure/functions` requires it lazily on the first `app.*` call; if the require fails the library silently
 * enters "test mode" and registers nothing, so the hook must be in place before the app's entry files load.
 */

export class Disposable {
  static from(...inputs: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => inputs.forEach((input) => input.dispose()));
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): void {
    const callback = this.#callOnDispose;
    this.#callOnDispose = undefined;
    callback?.();
  }
}

export type SystemLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

/** What the app registered while its entry files loaded. */
export class CoreRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>();
  programmingModel: ProgrammingModel | undefined;
  systemLog: SystemLogSink = () => undefined;

  hooksFor(name: HookName): HookCallback[] {
    return this.hooks.get(name) ?? [];
  }
}

export function createCoreApi(registry: CoreRegistry): Record<string, unknown> {
  return {
    version: '4.0.0-local',
    hostVersion: '4.0.0-local',
    Disposable,
    setProgrammingModel(model: ProgrammingModel): void {
      registry.programmingModel = model;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return registry.programmingModel;
    },
    registerFunction(metadata: RpcFunctionMetadata, callback: FunctionCallback): Disposable {
      // 4.x sends no functionId, so the name is the key, exactly as the worker falls back to.
      const id = metadata.functionId ?? metadata.name;
      if (typeof id !== 'string' || id.length === 0)
        throw new Error('registerFunction: metadata has no name');
      if (registry.functions.has(id))
        throw new Error(`A function with the name "${id}" has already been registered.`);
      registry.functions.set(id, { metadata, callback });
      return new Disposable(() => registry.functions.delete(id));
    },
    registerHook(name: HookName, callback: HookCallback): Disposable {
      const list = registry.hooks.get(name) ?? [];
      list.push(callback);
      registry.hooks.set(name, list);
      return new Disposable(() => {
        const index = list.indexOf(callback);
        if (index >= 0) list.splice(index, 1);
      });
    },
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
      registry.systemLog(level, category, message);
    },
  };
}

interface ModuleWithLoad {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

let installed: CoreRegistry | undefined;

/**
 * Hooks `Module._load` so that `require('@azure/functions-core')` returns the stand-in. Only one app can live in a
 * process (the library caches the core module on first use), so a second install is refused.
 */
export function installCoreModule(): CoreRegistry {
  if (installed)
    throw new Error('The local host supports one function app per process; start another process.');
  const registry = new CoreRegistry();
  const coreApi = createCoreApi(registry);
  const moduleInternals = Module as unknown as ModuleWithLoad;
  const originalLoad = moduleInternals._load.bind(Module);
  moduleInternals._load = (request: string, parent: unknown, isMain: boolean): unknown =>
    request === '@azure/functions-core' ? coreApi : originalLoad(request, parent, isMain);
  installed = registry;
  return registry;
}
