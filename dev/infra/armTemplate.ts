import { isRecord } from './bicepCli';

/** One resource of a compiled ARM template, with the template (root or nested deployment) it sits in. */
export interface ArmResource {
  type: string;
  name: string;
  properties: Record<string, unknown>;
  raw: Record<string, unknown>;
  template: ArmTemplate;
}

export interface ArmTemplate {
  /** 'main' for the root, then the nested deployment names: 'main/functionApp'. */
  path: string;
  parameters: Record<string, Record<string, unknown>>;
  variables: Record<string, unknown>;
  outputs: Record<string, Record<string, unknown>>;
  resources: ArmResource[];
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function recordOfRecords(value: unknown): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const [key, entry] of Object.entries(asRecord(value))) result[key] = asRecord(entry);
  return result;
}

/**
 * Every template in a compiled file: the root and each module (a nested `Microsoft.Resources/deployments`
 * with an inline template), so the rules see every resource wherever Bicep put it.
 */
export function collectTemplates(json: unknown, path = 'main'): ArmTemplate[] {
  const root = asRecord(json);
  const template: ArmTemplate = {
    path,
    parameters: recordOfRecords(root.parameters),
    variables: asRecord(root.variables),
    outputs: recordOfRecords(root.outputs),
    resources: [],
  };
  const templates = [template];
  // languageVersion 2.0 keys resources by symbolic name; 1.0 lists them.
  const list = Array.isArray(root.resources) ? root.resources : Object.values(asRecord(root.resources));
  for (const item of list) {
    const raw = asRecord(item);
    const type = typeof raw.type === 'string' ? raw.type : '';
    const name = typeof raw.name === 'string' ? raw.name : '';
    template.resources.push({ type, name, properties: asRecord(raw.properties), raw, template });
    if (type.toLowerCase() === 'microsoft.resources/deployments') {
      const nested = asRecord(raw.properties).template;
      if (nested !== undefined) templates.push(...collectTemplates(nested, `${path}/${displayName(name)}`));
    }
  }
  return templates;
}

/** A deployment's name is often an expression; show its first literal ('functionApp'). */
export function displayName(name: string): string {
  const literal = /'([^']+)'/.exec(name);
  return name.startsWith('[') && literal?.[1] !== undefined ? literal[1] : name;
}

/** Reads a dotted path ('siteConfig.minTlsVersion') from an object. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}
