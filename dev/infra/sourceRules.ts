import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { type Finding } from './armRules';

/**
 * Rules read straight off the .bicep text. They run always, and are all that runs where no Bicep CLI
 * exists (a laptop without dotnet): weaker than the ARM rules (a value passed through a parameter
 * escapes them), so the report says which ran.
 */
const TEXT_RULES: readonly { rule: string; pattern: RegExp; message: string }[] = [
  {
    rule: 'local-modules-only',
    pattern: /^\s*module\s+\w+\s+'(br|ts)[:/]/m,
    message: 'registry modules (br:, ts:) cannot be restored offline; keep modules under infra/',
  },
  {
    rule: 'storage-no-shared-keys',
    pattern: /allowSharedKeyAccess:\s*true/,
    message: 'allowSharedKeyAccess must be false',
  },
  {
    rule: 'tls-1.2',
    pattern: /minimumTlsVersion:\s*'(TLS1_0|TLS1_1|1\.0|1\.1)'/,
    message: 'minimum TLS must be 1.2',
  },
  { rule: 'tls-1.2', pattern: /minTlsVersion:\s*'(1\.0|1\.1)'/, message: 'minimum TLS must be 1.2' },
  { rule: 'local-auth-off', pattern: /disableLocalAuth:\s*false/i, message: 'local auth must stay disabled' },
  { rule: 'https-only', pattern: /(httpsOnly|supportsHttpsTrafficOnly):\s*false/, message: 'HTTPS only' },
];

export function checkBicepSources(projectRoot: string, files: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const { rule, pattern, message } of TEXT_RULES) {
      const match = pattern.exec(text);
      if (match === null) continue;
      const line = text.slice(0, match.index).split('\n').length;
      findings.push({ rule, where: `${relative(projectRoot, file)}:${line}`, message });
    }
  }
  return findings;
}
