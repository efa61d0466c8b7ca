import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkArmTemplates, templateAppSettings, type Finding } from './armRules';
import { collectTemplates } from './armTemplate';
import { buildFile, findBicepCli, lintPattern, type BicepCli, type BicepDiagnostic } from './bicepCli';
import { isSettingSet, settingsReadByCode } from './settingsRead';
import { checkBicepSources } from './sourceRules';

export interface CheckInfraOptions {
  /** Holds package.json, host.json, README.md, the product folders and tools/bicep. */
  projectRoot: string;
  /** Folder with the Bicep files (default <projectRoot>/infra). */
  infraDir?: string;
  /** Templates compiled for the ARM rules and the settings check (default infra/main.bicep + .bicepparam). */
  entries?: string[];
  log?: (line: string) => void;
}

export interface CheckInfraReport {
  cli: BicepCli | null;
  filesChecked: string[];
  /** Bicep build and lint diagnostics; warnings count as failures. */
  diagnostics: BicepDiagnostic[];
  findings: Finding[];
  /** Settings the code reads that the template leaves to the code's default and README documents. */
  optionalSettings: string[];
  /** What did not run, said plainly. */
  skipped: string[];
}

function bicepFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...bicepFiles(path));
    else if (entry.endsWith('.bicep') || entry.endsWith('.bicepparam')) files.push(path);
  }
  return files.sort();
}

export async function checkInfra(options: CheckInfraOptions): Promise<CheckInfraReport> {
  const { projectRoot } = options;
  const log = options.log ?? ((): void => undefined);
  const infraDir = options.infraDir ?? join(projectRoot, 'infra');
  const files = bicepFiles(infraDir);
  const entries = options.entries ?? [
    join(infraDir, 'main.bicep'),
    ...files.filter((file) => file.endsWith('.bicepparam')),
  ];
  const report: CheckInfraReport = {
    cli: null,
    filesChecked: files.map((file) => relative(projectRoot, file)),
    diagnostics: [],
    findings: checkBicepSources(projectRoot, files),
    optionalSettings: [],
    skipped: [],
  };

  const cli = await findBicepCli(projectRoot, log);
  report.cli = cli;
  if (cli === null) {
    report.skipped.push(
      'Bicep CLI not found (no dotnet to restore it, no bicep on PATH): bicep build, bicep lint, the ARM rules ' +
        'and the settings check did NOT run; only the source-text rules did. Install the .NET SDK and rerun.',
    );
    return report;
  }

  log(`bicep lint (${cli.source} ${cli.version}) on ${files.length} files ...`);
  report.diagnostics.push(...(await lintPattern(cli, infraDir, '**/*.bicep*')));

  for (const entry of entries) {
    log(`bicep build ${relative(projectRoot, entry)} ...`);
    const built = await buildFile(cli, entry);
    // lint already reported the same diagnostics for this file; keep build-only ones (e.g. BCP errors).
    const known = new Set(report.diagnostics.map((d) => `${d.file}|${d.line}|${d.code}`));
    report.diagnostics.push(...built.diagnostics.filter((d) => !known.has(`${d.file}|${d.line}|${d.code}`)));
    if (built.json === null) {
      report.skipped.push(
        `${relative(projectRoot, entry)} did not compile: ARM rules and settings check skipped for it`,
      );
      continue;
    }
    const templates = collectTemplates(built.json);
    report.findings.push(...checkArmTemplates(templates, built.json));
    const settings = templateAppSettings(templates);
    if (settings.size > 0) checkSettingsPresent(projectRoot, settings, report);
  }
  return report;
}

/** Every setting the deployed code reads is set by the template or documented in README as optional. */
function checkSettingsPresent(
  projectRoot: string,
  settings: ReadonlySet<string>,
  report: CheckInfraReport,
): void {
  const readmePath = join(projectRoot, 'README.md');
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  for (const use of settingsReadByCode(projectRoot)) {
    if (isSettingSet(use.name, settings)) continue;
    if (readme.includes(`\`${use.name}\``)) {
      report.optionalSettings.push(use.name);
      continue;
    }
    report.findings.push({
      rule: 'settings-present',
      where: use.file,
      message: `${use.name} is read by the code but neither set by the template nor documented in README.md`,
    });
  }
}

export function formatReport(report: CheckInfraReport): string {
  const lines: string[] = [];
  if (report.cli !== null)
    lines.push(`Bicep CLI ${report.cli.version} (${report.cli.source}): ${report.cli.path}`);
  lines.push(`Checked ${report.filesChecked.length} Bicep files.`);
  for (const skipped of report.skipped) lines.push(`NOT RUN: ${skipped}`);
  for (const d of report.diagnostics)
    lines.push(`${d.level.toUpperCase()} ${d.code} ${d.file}(${d.line},${d.column}): ${d.message}`);
  for (const f of report.findings) lines.push(`RULE ${f.rule} ${f.where}: ${f.message}`);
  if (report.optionalSettings.length > 0) {
    lines.push(
      `Optional settings left to the code's defaults (documented in README): ${report.optionalSettings.join(', ')}`,
    );
  }
  const failed = report.diagnostics.length + report.findings.length;
  lines.push(failed === 0 ? 'check:infra passed.' : `check:infra FAILED: ${failed} problem(s).`);
  return lines.join('\n');
}
