import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArmTemplate } from '../../dev/infra/armTemplate';
import { checkAzdLayout } from '../../dev/infra/azdLayout';

const ROOT = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'azd-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function copyProject(name: string): string {
  const root = join(scratch, name);
  for (const path of ['azure.yaml', 'package.json', 'scripts', 'infra']) {
    cpSync(join(ROOT, path), join(root, path), { recursive: true });
  }
  return root;
}

/** The compiled main template's parameter list, as far as the layout check reads it. */
function mainWith(parameters: ArmTemplate['parameters']): ArmTemplate {
  return { path: 'main', parameters, variables: {}, outputs: {}, resources: [] };
}

const mainParameters = (root: string): ArmTemplate['parameters'] => {
  const file = JSON.parse(readFileSync(join(root, 'infra', 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, unknown>;
  };
  return Object.fromEntries(Object.keys(file.parameters).map((name) => [name, { type: 'string' }]));
};

describe('azd layout', () => {
  it('accepts the committed azure.yaml, parameters file and hook scripts', () => {
    const root = copyProject('ok');
    expect(checkAzdLayout(root, mainWith(mainParameters(root)))).toEqual([]);
  });

  it('reports a missing hook script, an unknown parameter and a required parameter without value', () => {
    const root = copyProject('broken');
    rmSync(join(root, 'scripts', 'connect-graph-events.sh'));
    const parametersFile = join(root, 'infra', 'main.parameters.json');
    const parameters = JSON.parse(readFileSync(parametersFile, 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    parameters.parameters.bogus = { value: 'x' };
    writeFileSync(parametersFile, JSON.stringify(parameters));
    const template = mainWith({ ...mainParameters(root), required: { type: 'string' } });
    delete template.parameters.bogus;
    const messages = checkAzdLayout(root, template).map((f) => f.message);
    expect(messages).toContain('hook script ./scripts/connect-graph-events.sh does not exist');
    expect(messages).toContain('bogus is not a parameter of main.bicep');
    expect(messages).toContain('required has no default and no value');
  });
});
