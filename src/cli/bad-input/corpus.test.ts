import { describe, expect, it } from 'vitest';
import { tailorInProcess } from '../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';
import { cliCases } from './cli-cases.js';
import { snapshot } from './snapshot.js';

// The bad-input corpus against the CLI: every case is a mistake a user makes (a typo in tailor.yaml,
// a broken dataset line, a flag out of range, a path that is a folder). Each must end with the exit
// code and the words the case states, print no stack trace, and leave the workspace exactly as it
// was: the same files with the same bytes, the same rows in every table.

describe('the bad-input corpus (CLI)', () => {
  it.each(cliCases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const root = dataWorkspace();
    entry.setup?.(root);
    const before = snapshot(root);
    const result = await tailorInProcess(root, entry.args(root));
    const said = result.stderr + result.stdout;
    if (process.env.CORPUS_SHOW)
      console.log(`${entry.name}\n  code ${result.code}\n  ${said.replaceAll('\n', '\n  ')}`);
    expect(said, 'a stack trace').not.toMatch(/\n\s+at .+[:(]\d+/);
    expect(said).not.toContain('internal error');
    expect({ code: result.code, said }).toMatchObject({ code: entry.code });
    for (const words of entry.says) expect(said).toContain(typeof words === 'function' ? words(root) : words);
    expect(snapshot(root), 'the workspace changed').toEqual(before);
  });

  it('holds at least 100 cases across the kinds of input', async () => {
    const { serverCases } = await import('./server-cases.js');
    const kinds = new Set([...cliCases, ...serverCases].map((entry) => entry.kind));
    expect(cliCases.length + serverCases.length).toBeGreaterThanOrEqual(100);
    expect([...kinds].sort()).toEqual(
      [
        'config',
        'dataset',
        'flag',
        'http',
        'labels',
        'model-file',
        'output-path',
        'schema',
        'workspace',
      ].sort(),
    );
  });
});
