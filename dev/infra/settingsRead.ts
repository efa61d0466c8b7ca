import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where the deployed app's code lives; cli/ and dev/ run on an operator's machine, not in Azure. */
export const PRODUCT_FOLDERS = ['lib', 'functions', 'orchestrations', 'activities'] as const;

/** Settings Azure sets itself or that only change Node/host behaviour: never expected in the template. */
const PLATFORM_PREFIXES = [
  'WEBSITE_',
  'FUNCTIONS_',
  'AZURE_FUNCTIONS_',
  'CONTAINER_',
  'NODE_',
  'APPSETTING_',
];

export interface SettingUse {
  name: string;
  /** First file that reads it, for the message. */
  file: string;
}

const PATTERNS: readonly RegExp[] = [
  // SettingReader style: read.integer('SYNC_CHUNK_SIZE', ...), settings.optionalString('EVENTS_CLIENT_STATE')
  /\.\w+\(\s*['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g,
  // env.NAME, env['NAME'], process.env.NAME
  /\benv\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /\benv\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g,
  // Binding expressions: queueName: '%SERVICEBUS_QUEUE_NAME%'
  /['"]%([A-Za-z_][A-Za-z0-9_]*)%['"]/g,
  // Identity-based connections: connection: 'ServiceBusConnection'
  /\bconnection:\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts'))
      files.push(path);
  }
  return files;
}

/**
 * The app settings the deployed code reads, found by reading the code at check time (so a setting added
 * on another branch is checked as soon as it lands), plus the %NAME% references in host.json.
 */
export function settingsReadByCode(projectRoot: string): SettingUse[] {
  const found = new Map<string, string>();
  const record = (name: string, file: string): void => {
    if (PLATFORM_PREFIXES.some((prefix) => name.startsWith(prefix))) return;
    if (!found.has(name)) found.set(name, relative(projectRoot, file));
  };
  for (const folder of PRODUCT_FOLDERS) {
    for (const file of sourceFiles(join(projectRoot, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of PATTERNS)
        for (const match of text.matchAll(pattern)) record(match[1] ?? '', file);
    }
  }
  const hostJson = join(projectRoot, 'host.json');
  for (const match of readFileSync(hostJson, 'utf8').matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)) {
    record(match[1] ?? '', hostJson);
  }
  return [...found].map(([name, file]) => ({ name, file })).sort((a, b) => a.name.localeCompare(b.name));
}

/** An identity-based connection named X is satisfied by X itself or by X__fullyQualifiedNamespace/X__*Uri. */
export function isSettingSet(name: string, settings: ReadonlySet<string>): boolean {
  if (settings.has(name)) return true;
  return [...settings].some((setting) => setting.startsWith(`${name}__`));
}
