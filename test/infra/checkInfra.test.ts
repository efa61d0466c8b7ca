import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInfra, type CheckInfraReport } from '../../dev/infra/checkInfra';

/**
 * The infra check must be able to fail. Each case copies infra/ to a scratch folder, seeds one mistake
 * into one file and runs the real Bicep CLI (lint + build of that file) and the project rules on it.
 */
const ROOT = resolve(__dirname, '..', '..');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'check-infra-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Seed {
  file: string;
  from: string | RegExp;
  to: string;
}

async function checkSeeded(name: string, seed: Seed, whole = false): Promise<CheckInfraReport> {
  const infraDir = join(scratch, name, 'infra');
  mkdirSync(infraDir, { recursive: true });
  cpSync(join(ROOT, 'infra'), infraDir, { recursive: true });
  const target = join(infraDir, seed.file);
  const before = readFileSync(target, 'utf8');
  const after = before.replace(seed.from, seed.to);
  expect(after, `seed for ${name} must change ${seed.file}`).not.toBe(before);
  writeFileSync(target, after);
  return checkInfra({
    projectRoot: ROOT,
    infraDir,
    // One `bicep build` of the seeded file: it reports the linter's diagnostics as well.
    ...(whole ? {} : { entries: [target], lint: false }),
  });
}

const codes = (report: CheckInfraReport): string[] => report.diagnostics.map((d) => `${d.level}:${d.code}`);
const rules = (report: CheckInfraReport): string[] => report.findings.map((f) => f.rule);

describe('check:infra on the real templates', () => {
  it('passes the committed infra with the real Bicep CLI', async () => {
    const report = await checkInfra({ projectRoot: ROOT });
    expect(report.cli).not.toBeNull();
    expect(report.diagnostics).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.filesChecked).toContain('infra/main.bicep');
  });
});

describe('the real Bicep CLI catches typos (warnings fail the check)', () => {
  it('a misspelled property', async () => {
    const report = await checkSeeded('typo', {
      file: 'core/storage/storage-account.bicep',
      from: 'allowBlobPublicAccess: false',
      to: 'allowBlobPublicAcess: false',
    });
    // BCP037 or BCP089 ("did you mean ...?"), depending on how close the typo is.
    expect(codes(report).some((code) => /^Warning:BCP0(37|89)$/.test(code))).toBe(true);
  });

  it('a wrong enum value', async () => {
    const report = await checkSeeded('enum', {
      file: 'core/storage/storage-account.bicep',
      from: "accessTier: 'Hot'",
      to: "accessTier: 'Warm'",
    });
    expect(codes(report)).toContain('Warning:BCP036');
  });

  it('an api-version that does not exist', async () => {
    const report = await checkSeeded('api', {
      file: 'core/servicebus/service-bus.bicep',
      from: "'Microsoft.ServiceBus/namespaces@2024-01-01'",
      to: "'Microsoft.ServiceBus/namespaces@2024-13-01'",
    });
    expect(codes(report)).toContain('Warning:BCP081');
  });

  it('a registry module (cannot restore offline)', async () => {
    const report = await checkSeeded(
      'registry',
      {
        file: 'main.bicep',
        from: "module identity 'core/identity/user-assigned-identity.bicep'",
        to: "module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.0'",
      },
      true,
    );
    expect(rules(report)).toContain('local-modules-only');
    expect(report.diagnostics.some((d) => d.level === 'Error')).toBe(true);
  });
});

describe('project rules on the compiled ARM JSON catch insecure values', () => {
  const cases: [string, Seed, string][] = [
    [
      'shared keys',
      {
        file: 'core/storage/storage-account.bicep',
        from: 'allowSharedKeyAccess: false',
        to: 'allowSharedKeyAccess: true',
      },
      'storage-no-shared-keys',
    ],
    [
      'TLS 1.0',
      {
        file: 'core/storage/storage-account.bicep',
        from: "minimumTlsVersion: 'TLS1_2'",
        to: "minimumTlsVersion: 'TLS1_0'",
      },
      'tls-1.2',
    ],
    [
      'Service Bus SAS keys',
      {
        file: 'core/servicebus/service-bus.bicep',
        from: 'disableLocalAuth: true',
        to: 'disableLocalAuth: false',
      },
      'local-auth-off',
    ],
    [
      'Application Insights local auth',
      {
        file: 'core/monitor/monitoring.bicep',
        from: 'DisableLocalAuth: true',
        to: 'DisableLocalAuth: false',
      },
      'local-auth-off',
    ],
    [
      'plain HTTP',
      { file: 'app/function-app.bicep', from: 'httpsOnly: true', to: 'httpsOnly: false' },
      'https-only',
    ],
    [
      'Owner instead of Data Receiver',
      {
        file: 'core/servicebus/service-bus.bicep',
        from: /4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0/g,
        to: '8e3af657-a8ff-4c8d-98d5-c0eddc6b5b4a',
      },
      'least-privilege',
    ],
    [
      'a secret as a plain app setting',
      {
        file: 'app/function-app.bicep',
        from: "SYNC_LEGACY_SECRET: '@Microsoft.KeyVault(SecretUri=${legacySecretUri})'",
        to: 'SYNC_LEGACY_SECRET: legacySecretUri',
      },
      'no-plain-secrets',
    ],
    [
      'a storage connection string instead of the identity',
      {
        file: 'app/function-app.bicep',
        from: "AzureWebJobsStorage__credential: 'managedidentity'",
        to: "AzureWebJobsStorage__credential: 'connectionstring'",
      },
      'managed-identity',
    ],
    [
      'FUNCTIONS_WORKER_RUNTIME on Flex Consumption',
      {
        file: 'app/function-app.bicep',
        from: 'TASKHUB_NAME: taskHubName',
        to: "TASKHUB_NAME: taskHubName\n      FUNCTIONS_WORKER_RUNTIME: 'node'",
      },
      'flex-consumption',
    ],
  ];
  for (const [name, seed, rule] of cases) {
    it(name, async () => {
      const report = await checkSeeded(name.replace(/\W+/g, '-'), seed);
      expect(rules(report)).toContain(rule);
    });
  }

  it('a secret in an output: the linter fails it (bicepconfig.json makes it an error)', async () => {
    const report = await checkSeeded('output', {
      file: 'core/security/key-vault.bicep',
      from: 'output name string = vault.name',
      to: 'output name string = vault.name\noutput leaked string = legacySecret',
    });
    expect(codes(report)).toContain('Error:outputs-should-not-contain-secrets');
  });

  it('a secret in an output with the linter silenced: the project rule still fails it', async () => {
    const report = await checkSeeded('output-silenced', {
      file: 'core/security/key-vault.bicep',
      from: 'output name string = vault.name',
      to: 'output name string = vault.name\n#disable-next-line outputs-should-not-contain-secrets\noutput leaked string = legacySecret',
    });
    expect(codes(report)).toEqual([]);
    expect(rules(report)).toContain('no-secret-outputs');
  });
});

describe('settings-present reads the code at check time', () => {
  it('flags a setting the code reads that the template neither sets nor README documents', async () => {
    const codeRoot = join(scratch, 'code');
    mkdirSync(join(codeRoot, 'lib'), { recursive: true });
    writeFileSync(join(codeRoot, 'host.json'), '{"extensions":{"durableTask":{"hubName":"%TASKHUB_NAME%"}}}');
    writeFileSync(join(codeRoot, 'README.md'), '| `DOCUMENTED_OPTIONAL` | optional |\n');
    writeFileSync(
      join(codeRoot, 'lib', 'newSettings.ts'),
      [
        "const a = read.string('SYNC_SOURCE_ATTRIBUTE', 'x');",
        'const b = env.UNDOCUMENTED_SETTING;',
        "const c = read.string('DOCUMENTED_OPTIONAL', 'x');",
        "const d = { connection: 'ServiceBusConnection', queueName: '%SERVICEBUS_QUEUE_NAME%' };",
        'const schema = z.object({',
        '  SYNC_PILOT_GROUP_ID: z.string().optional(),',
        '  ZOD_ONLY_SETTING: z.string().optional(),',
        '});',
        'const parsed = schema.safeParse(env);',
      ].join('\n'),
    );
    const file = join(ROOT, 'infra', 'app', 'function-app.bicep');
    const report = await checkInfra({
      projectRoot: ROOT,
      codeRoot,
      entries: [file],
      lint: false,
    });
    const missing = report.findings
      .filter((f) => f.rule === 'settings-present')
      .map((f) => f.message.split(' ')[0]);
    // The module sets SYNC_SOURCE_ATTRIBUTE, SYNC_PILOT_GROUP_ID, TASKHUB_NAME, SERVICEBUS_QUEUE_NAME, ServiceBusConnection__*.
    expect(missing.sort()).toEqual(['UNDOCUMENTED_SETTING', 'ZOD_ONLY_SETTING']);
    expect(report.optionalSettings).toEqual(['DOCUMENTED_OPTIONAL']);
  });
});
