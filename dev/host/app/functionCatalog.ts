import type { RegisteredFunction, RpcBindingInfo } from '../core/coreTypes';
import { resolveSettingPlaceholders, UnresolvedSettingError } from './settings';

/** How the host feeds a function: which door its trigger binding belongs to. */
export type TriggerKind =
  'http' | 'orchestration' | 'activity' | 'entity' | 'timer' | 'serviceBus' | 'eventGrid' | 'other';

export interface FunctionInfo {
  readonly name: string;
  readonly kind: TriggerKind;
  /** The trigger binding's `type` exactly as registered, e.g. `serviceBusTrigger`. */
  readonly triggerType: string;
  readonly triggerBindingName: string;
  /** The trigger binding with `%SETTING%` placeholders resolved. */
  readonly trigger: Readonly<RpcBindingInfo>;
  /** Every binding, placeholders resolved; this is what invocations are given as metadata. */
  readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
  readonly durableClientBindingName: string | undefined;
  /** Set when the function cannot run (e.g. a `%SETTING%` that resolves to nothing); such functions are not bound. */
  readonly error: string | undefined;
  /**
   * `AzureWebJobs.<name>.Disabled` (or `AzureWebJobs__<name>__Disabled`) is `true`/`1`: as in Azure, the trigger
   * stops firing (HTTP routes answer 404, schedules and webhooks stop) but the admin API can still run it.
   */
  readonly disabled: boolean;
  readonly registered: RegisteredFunction;
}

const KIND_BY_TRIGGER: Record<string, TriggerKind> = {
  httptrigger: 'http',
  orchestrationtrigger: 'orchestration',
  activitytrigger: 'activity',
  entitytrigger: 'entity',
  timertrigger: 'timer',
  servicebustrigger: 'serviceBus',
  eventgridtrigger: 'eventGrid',
};

export function isTriggerType(type: unknown): type is string {
  return typeof type === 'string' && type.toLowerCase().endsWith('trigger');
}

export function isDurableClientType(type: unknown): boolean {
  return type === 'durableClient' || type === 'orchestrationClient';
}

/** Builds the catalog from what the app registered; binding names always come from the metadata. */
export function buildCatalog(
  registered: Iterable<RegisteredFunction>,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, FunctionInfo> {
  const catalog = new Map<string, FunctionInfo>();
  for (const fn of registered) {
    const name = fn.metadata.name;
    if (typeof name !== 'string') continue;
    const rawBindings = fn.metadata.bindings ?? {};
    let error: string | undefined;
    let bindings: Record<string, RpcBindingInfo>;
    try {
      bindings = resolveBindings(rawBindings, env);
    } catch (caught) {
      if (!(caught instanceof UnresolvedSettingError)) throw caught;
      error = caught.message;
      bindings = { ...rawBindings };
    }
    const triggerEntry = Object.entries(bindings).find(([, binding]) => isTriggerType(binding.type));
    if (!triggerEntry) {
      error ??= 'The function has no trigger binding.';
    }
    const [triggerBindingName, trigger] = triggerEntry ?? ['', { type: 'unknown' }];
    const triggerType = typeof trigger.type === 'string' ? trigger.type : 'unknown';
    const clientEntry = Object.entries(bindings).find(
      ([, binding]) => isDurableClientType(binding.type) && binding.direction !== 'out',
    );
    catalog.set(name, {
      name,
      kind: KIND_BY_TRIGGER[triggerType.toLowerCase()] ?? 'other',
      triggerType,
      triggerBindingName,
      trigger,
      bindings,
      durableClientBindingName: clientEntry?.[0],
      error,
      disabled: isDisabled(name, env),
      registered: fn,
    });
  }
  return catalog;
}

/** Resolves `%SETTING%` in every string property except the binding's identity (name, type, direction). */
function resolveBindings(
  bindings: Record<string, RpcBindingInfo>,
  env: NodeJS.ProcessEnv,
): Record<string, RpcBindingInfo> {
  const resolved: Record<string, RpcBindingInfo> = {};
  for (const [bindingName, binding] of Object.entries(bindings)) {
    const copy: RpcBindingInfo = {};
    for (const [key, value] of Object.entries(binding)) {
      copy[key] =
        typeof value === 'string' && key !== 'name' && key !== 'type' && key !== 'direction'
          ? resolveSettingPlaceholders(value, env)
          : value;
    }
    resolved[bindingName] = copy;
  }
  return resolved;
}

function isDisabled(name: string, env: NodeJS.ProcessEnv): boolean {
  const value = env[`AzureWebJobs.${name}.Disabled`] ?? env[`AzureWebJobs__${name}__Disabled`];
  return value !== undefined && /^(true|1)$/i.test(value.trim());
}
