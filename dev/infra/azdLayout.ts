import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Finding } from './armRules';
import { type ArmTemplate } from './armTemplate';
import { isRecord } from './bicepCli';

/**
 * `azd up` needs azure.yaml, the Bicep entry point, a parameters file that matches it, and every hook
 * script it names. azd itself is not installed here, so these are checked by reading the files (plain
 * line patterns: azure.yaml is kept flat on purpose).
 */
export function checkAzdLayout(projectRoot: string, main: ArmTemplate | null): Finding[] {
  const findings: Finding[] = [];
  const problem = (where: string, message: string): void => {
    findings.push({ rule: 'azd-layout', where, message });
  };
  const azureYaml = join(projectRoot, 'azure.yaml');
  if (!existsSync(azureYaml)) {
    problem('azure.yaml', 'missing: azd cannot provision or deploy');
    return findings;
  }
  const yaml = readFileSync(azureYaml, 'utf8');
  const value = (key: string): string | undefined =>
    new RegExp(`^\\s*${key}:\\s*(\\S+)\\s*$`, 'm').exec(yaml)?.[1];

  if (value('provider') !== 'bicep') problem('azure.yaml', 'infra.provider must be bicep');
  const infraPath = value('path') ?? 'infra';
  const module = value('module') ?? 'main';
  if (!existsSync(join(projectRoot, infraPath, `${module}.bicep`))) {
    problem('azure.yaml', `${infraPath}/${module}.bicep does not exist`);
  }
  if (value('host') !== 'function') problem('azure.yaml', 'the api service must have host: function');

  for (const match of yaml.matchAll(/^\s*run:\s*(\S+)\s*$/gm)) {
    const script = join(projectRoot, match[1] ?? '');
    if (!existsSync(script)) problem('azure.yaml', `hook script ${match[1]} does not exist`);
    else if (script.endsWith('.sh') && (statSync(script).mode & 0o111) === 0) {
      problem('azure.yaml', `hook script ${match[1]} is not executable`);
    }
  }

  const scripts = (
    JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts?: object }
  ).scripts;
  if (value('dist') !== undefined && !(isRecord(scripts) && typeof scripts.package === 'string')) {
    problem('azure.yaml', 'dist is set but package.json has no "package" script to fill it');
  }

  const parametersPath = join(projectRoot, infraPath, `${module}.parameters.json`);
  if (!existsSync(parametersPath)) {
    problem(`${infraPath}/${module}.parameters.json`, 'missing: azd maps environment values through it');
    return findings;
  }
  const parsed: unknown = JSON.parse(readFileSync(parametersPath, 'utf8'));
  const given = isRecord(parsed) && isRecord(parsed.parameters) ? Object.keys(parsed.parameters) : [];
  if (main === null) return findings;
  for (const name of given) {
    if (main.parameters[name] === undefined) {
      problem(`${infraPath}/${module}.parameters.json`, `${name} is not a parameter of ${module}.bicep`);
    }
  }
  for (const [name, definition] of Object.entries(main.parameters)) {
    if (!('defaultValue' in definition) && !given.includes(name)) {
      problem(`${infraPath}/${module}.parameters.json`, `${name} has no default and no value`);
    }
  }
  return findings;
}
