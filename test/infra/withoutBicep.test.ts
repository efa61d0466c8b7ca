import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkInfra } from '../../dev/infra/checkInfra';

/**
 * On a laptop without dotnet (and no bicep on PATH) the check says plainly what did not run and still
 * applies the source-text rules.
 */
const ROOT = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'no-bicep-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('check:infra without the Bicep CLI', () => {
  it('reports what did not run and still catches insecure literals and registry modules', async () => {
    mkdirSync(join(scratch, 'tools', 'bicep'), { recursive: true });
    cpSync(join(ROOT, 'tools', 'bicep', 'restore.csproj'), join(scratch, 'tools', 'bicep', 'restore.csproj'));
    cpSync(join(ROOT, 'infra'), join(scratch, 'infra'), { recursive: true });
    const storage = join(scratch, 'infra', 'core', 'storage', 'storage-account.bicep');
    writeFileSync(
      storage,
      readFileSync(storage, 'utf8').replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'"),
    );
    const main = join(scratch, 'infra', 'main.bicep');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace("module identity 'core/", "module identity 'br/public:avm/"),
    );
    // A PATH that has node but neither dotnet nor bicep.
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const savedPath = process.env.PATH;
    process.env.PATH = bin;
    try {
      const report = await checkInfra({ projectRoot: scratch });
      expect(report.cli).toBeNull();
      expect(report.skipped.join(' ')).toMatch(/Bicep CLI not found.*did NOT run/);
      expect(report.findings.map((f) => `${f.rule} ${f.where.replace(/:\d+$/, '')}`).sort()).toEqual([
        'local-modules-only infra/main.bicep',
        'tls-1.2 infra/core/storage/storage-account.bicep',
      ]);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
