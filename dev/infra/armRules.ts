import { at, displayName, type ArmResource, type ArmTemplate } from './armTemplate';
import { createObjectEntries, isExpression, stringLiterals } from './armExpressions';
import { isRecord } from './bicepCli';

/** A broken project rule: which rule, where, and what to change. */
export interface Finding {
  rule: string;
  where: string;
  message: string;
}

/**
 * Built-in roles the app may hold. Anything else (Owner, Contributor, *Data Owner* on Service Bus, Key
 * Vault Secrets Officer, ...) grants more than the app uses.
 */
export const ALLOWED_ROLES: Readonly<Record<string, string>> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner (host leases, deployment package)',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor (Durable Functions queues)',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor (Durable Functions tables)',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher (telemetry with Entra ID)',
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0': 'Azure Service Bus Data Receiver (the request queue)',
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39': 'Azure Service Bus Data Sender (the legacy invoker)',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User (Key Vault references)',
  '0ad04412-c4d5-4796-b79c-f76d14c8d402': 'Durable Task Data Contributor (Durable Task Scheduler)',
};

/** Roles that must never appear anywhere in the templates, named so a finding says what was found. */
const FORBIDDEN_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-4c8d-98d5-c0eddc6b5b4a': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
  '090c5cfd-751d-490a-894a-3ce6f1109419': 'Azure Service Bus Data Owner',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': 'Key Vault Secrets Officer',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Rule = (resource: ArmResource) => Finding[];

function where(resource: ArmResource): string {
  return `${resource.template.path}: ${resource.type} ${displayName(resource.name)}`;
}

/** A security property must be a literal with a safe value: an expression cannot be proven safe here. */
function requireValue(
  resource: ArmResource,
  rule: string,
  path: string,
  allowed: readonly unknown[],
  why: string,
): Finding[] {
  const value = at(resource.properties, path);
  if (allowed.includes(value)) return [];
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  return [
    {
      rule,
      where: where(resource),
      message: `${path} is ${shown}; expected ${allowed.map((v) => JSON.stringify(v)).join(' or ')}: ${why}`,
    },
  ];
}

const RULES_BY_TYPE: Readonly<Record<string, Rule>> = {
  'microsoft.storage/storageaccounts': (r) => [
    ...requireValue(
      r,
      'storage-no-shared-keys',
      'allowSharedKeyAccess',
      [false],
      'every caller uses Entra ID',
    ),
    ...requireValue(r, 'tls-1.2', 'minimumTlsVersion', ['TLS1_2', 'TLS1_3'], 'older TLS is broken'),
    ...requireValue(r, 'https-only', 'supportsHttpsTrafficOnly', [true], 'no plain HTTP'),
    ...requireValue(
      r,
      'no-public-blobs',
      'allowBlobPublicAccess',
      [false],
      'reports and packages are private',
    ),
  ],
  'microsoft.web/sites': (r) => [
    ...requireValue(r, 'https-only', 'httpsOnly', [true], 'function keys must not travel in clear'),
    ...requireValue(r, 'tls-1.2', 'siteConfig.minTlsVersion', ['1.2', '1.3'], 'older TLS is broken'),
    ...requireValue(r, 'no-ftp', 'siteConfig.ftpsState', ['Disabled'], 'deployment uses Entra ID only'),
    ...siteIdentity(r),
  ],
  'microsoft.web/sites/basicpublishingcredentialspolicies': (r) =>
    requireValue(r, 'local-auth-off', 'allow', [false], 'no publishing user name and password'),
  'microsoft.servicebus/namespaces': (r) => [
    ...requireValue(r, 'local-auth-off', 'disableLocalAuth', [true], 'no SAS keys: senders use Entra ID'),
    ...requireValue(r, 'tls-1.2', 'minimumTlsVersion', ['1.2', '1.3'], 'older TLS is broken'),
  ],
  'microsoft.insights/components': (r) =>
    requireValue(r, 'local-auth-off', 'DisableLocalAuth', [true], 'telemetry only with an Entra token'),
  'microsoft.operationalinsights/workspaces': (r) =>
    requireValue(
      r,
      'local-auth-off',
      'features.disableLocalAuth',
      [true],
      'queries and ingestion with Entra ID',
    ),
  'microsoft.keyvault/vaults': (r) =>
    requireValue(
      r,
      'keyvault-rbac',
      'enableRbacAuthorization',
      [true],
      'roles per secret, no access policies',
    ),
  'microsoft.authorization/roleassignments': (r) => leastPrivilege(r),
  'microsoft.web/sites/config': (r) => appSettingsRules(r),
};

function siteIdentity(resource: ArmResource): Finding[] {
  const findings: Finding[] = [];
  const identityType = at(resource.raw, 'identity.type');
  if (typeof identityType !== 'string' || !identityType.includes('UserAssigned')) {
    findings.push({
      rule: 'managed-identity',
      where: where(resource),
      message: `identity.type is ${JSON.stringify(identityType)}; the app runs as its user-assigned identity`,
    });
  }
  if (typeof at(resource.properties, 'keyVaultReferenceIdentity') !== 'string') {
    findings.push({
      rule: 'managed-identity',
      where: where(resource),
      message:
        'keyVaultReferenceIdentity is missing: Key Vault references would use a system identity the app does not have',
    });
  }
  const deployAuth = at(resource.properties, 'functionAppConfig.deployment.storage.authentication.type');
  if (
    deployAuth !== undefined &&
    deployAuth !== 'UserAssignedIdentity' &&
    deployAuth !== 'SystemAssignedIdentity'
  ) {
    findings.push({
      rule: 'managed-identity',
      where: where(resource),
      message: `the deployment container is reached with ${JSON.stringify(deployAuth)}; use the identity`,
    });
  }
  return findings;
}

/** Every GUID a value can produce, following parameters('x') and variables('x') one template deep. */
function roleIdsOf(value: unknown, template: ArmTemplate): string[] {
  if (typeof value !== 'string') return [];
  const literals = isExpression(value) ? stringLiterals(value) : [value.split('/').pop() ?? ''];
  const ids = literals.filter((literal) => GUID.test(literal)).map((id) => id.toLowerCase());
  if (ids.length > 0 || !isExpression(value)) return ids;
  // A variable, or a module parameter's default (the caller's value is in another template).
  for (const name of literals) {
    const resolved = template.variables[name] ?? template.parameters[name]?.defaultValue;
    if (typeof resolved === 'string') ids.push(...roleIdsOf(resolved, template));
  }
  return ids;
}

function leastPrivilege(resource: ArmResource): Finding[] {
  const ids = roleIdsOf(resource.properties.roleDefinitionId, resource.template);
  if (ids.length === 0) {
    return [
      {
        rule: 'least-privilege',
        where: where(resource),
        message:
          'roleDefinitionId does not name a role id this check can read; write the built-in role id as a literal',
      },
    ];
  }
  return ids
    .filter((id) => ALLOWED_ROLES[id] === undefined)
    .map((id) => ({
      rule: 'least-privilege',
      where: where(resource),
      message: `role ${FORBIDDEN_ROLES[id] ?? id} is not one the app needs (allowed: ${Object.values(
        ALLOWED_ROLES,
      )
        .map((r) => r.split(' (')[0])
        .join(', ')})`,
    }));
}

/** App settings of a sites/config 'appsettings' resource: literal keys with their raw value text. */
export function appSettingsOf(resource: ArmResource): Map<string, string> {
  const settings = new Map<string, string>();
  const properties = resource.raw.properties;
  if (isRecord(properties)) {
    for (const [key, value] of Object.entries(properties))
      settings.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  } else if (typeof properties === 'string') {
    for (const [key, value] of createObjectEntries(properties)) settings.set(key, value);
  }
  return settings;
}

function isAppSettings(resource: ArmResource): boolean {
  return resource.type.toLowerCase() === 'microsoft.web/sites/config' && /appsettings/i.test(resource.name);
}

const SECRET_NAME = /(SECRET|PASSWORD|CLIENT_STATE|ACCOUNT_?KEY|SAS_?TOKEN|API_?KEY)/i;
const SECRET_VALUE =
  /(AccountKey=|SharedAccessKey=|SharedAccessSignature|sig=|listKeys\(|listSecrets\(|listConnectionStrings\()/i;

function appSettingsRules(resource: ArmResource): Finding[] {
  if (!isAppSettings(resource)) return [];
  const settings = appSettingsOf(resource);
  const findings: Finding[] = [];
  const at = where(resource);
  for (const [name, value] of settings) {
    const isReference = value.includes('@Microsoft.KeyVault(');
    if (SECRET_VALUE.test(value) || (SECRET_NAME.test(name) && !isReference && !name.endsWith('_HEADER'))) {
      findings.push({
        rule: 'no-plain-secrets',
        where: at,
        message: `${name} must be a Key Vault reference (@Microsoft.KeyVault(SecretUri=...)), not a value or a key`,
      });
    }
    if (name === 'AzureWebJobsStorage' || name === 'ServiceBusConnection') {
      findings.push({
        rule: 'managed-identity',
        where: at,
        message: `${name} is a connection string; use ${name}__* settings with the identity`,
      });
    }
    // An identity-based connection (<prefix>__serviceUri / __fullyQualifiedNamespace) must say which identity.
    const prefix =
      /^(.+?)__(blobServiceUri|queueServiceUri|tableServiceUri|serviceUri|fullyQualifiedNamespace)$/.exec(
        name,
      )?.[1];
    if (prefix !== undefined) {
      if (
        !/managedidentity/i.test(settings.get(`${prefix}__credential`) ?? '') ||
        !settings.has(`${prefix}__clientId`)
      ) {
        findings.push({
          rule: 'managed-identity',
          where: at,
          message: `${prefix}: set ${prefix}__credential to managedidentity and ${prefix}__clientId to the user-assigned identity`,
        });
      }
    }
  }
  if (
    settings.has('APPLICATIONINSIGHTS_CONNECTION_STRING') &&
    !settings.has('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')
  ) {
    findings.push({
      rule: 'managed-identity',
      where: at,
      message:
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING is missing: with local auth off, telemetry needs the identity',
    });
  }
  if (settings.has('FUNCTIONS_WORKER_RUNTIME')) {
    findings.push({
      rule: 'flex-consumption',
      where: at,
      message:
        'FUNCTIONS_WORKER_RUNTIME must not be set on Flex Consumption (functionAppConfig.runtime sets it)',
    });
  }
  return findings;
}

/** Outputs land in the deployment history and the azd .env file: nothing secret may be in one. */
function outputRules(template: ArmTemplate): Finding[] {
  const secureParameters = Object.entries(template.parameters)
    .filter(([, definition]) => /^secure(string|object)$/i.test(String(definition.type)))
    .map(([name]) => name);
  const findings: Finding[] = [];
  for (const [name, output] of Object.entries(template.outputs)) {
    const type = String(output.type);
    const value = JSON.stringify(output.value ?? '');
    const usesSecure = secureParameters.some((parameter) => value.includes(`parameters('${parameter}')`));
    if (
      /^secure/i.test(type) ||
      usesSecure ||
      SECRET_VALUE.test(value) ||
      /(secret|password)(?!uri)/i.test(name)
    ) {
      findings.push({
        rule: 'no-secret-outputs',
        where: `${template.path}: output ${name}`,
        message: 'an output may carry a secret; output a Key Vault secret URI instead',
      });
    }
  }
  return findings;
}

/** Forbidden role ids anywhere (a variable, a default) are findings even when unused. */
function forbiddenRoleMentions(json: unknown, path: string): Finding[] {
  const text = JSON.stringify(json).toLowerCase();
  return Object.entries(FORBIDDEN_ROLES)
    .filter(([id]) => text.includes(id))
    .map(([, role]) => ({
      rule: 'least-privilege',
      where: path,
      message: `the template mentions the ${role} role`,
    }));
}

export function checkArmTemplates(templates: readonly ArmTemplate[], rootJson: unknown): Finding[] {
  const findings: Finding[] = [];
  for (const template of templates) {
    for (const resource of template.resources) {
      findings.push(...(RULES_BY_TYPE[resource.type.toLowerCase()]?.(resource) ?? []));
    }
    findings.push(...outputRules(template));
  }
  findings.push(...forbiddenRoleMentions(rootJson, templates[0]?.path ?? 'main'));
  return findings;
}

/** Every app setting name any sites/config 'appsettings' resource of the templates can set. */
export function templateAppSettings(templates: readonly ArmTemplate[]): Set<string> {
  const names = new Set<string>();
  for (const template of templates) {
    for (const resource of template.resources) {
      if (isAppSettings(resource)) for (const name of appSettingsOf(resource).keys()) names.add(name);
      const inline = at(resource.properties, 'siteConfig.appSettings');
      if (Array.isArray(inline)) {
        for (const entry of inline)
          if (isRecord(entry) && typeof entry.name === 'string') names.add(entry.name);
      }
    }
  }
  return names;
}
