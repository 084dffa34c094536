import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelLabel } from '../../models/model-label.js';
import { openWorkspace } from '../../store/workspace.js';
import { tailorInProcess as tailor } from '../../test-support/cli-in-process.js';

// No model: aliases are rows the CLI moves and the store resolves; serving them is in
// src/serve/server.model.test.ts.

function workspaceWithVersions(count: number): string {
  const root = mkdtempSync(join(tmpdir(), 'tailor-aliases-'));
  writeFileSync(join(root, 'tailor.yaml'), 'version: 1\n');
  const workspace = openWorkspace(root);
  workspace.store.training.startRun({
    id: 'run-1',
    method: 'sft',
    base: 'b',
    runDirectory: root,
    config: {},
  });
  for (let index = 0; index < count; index += 1)
    workspace.store.training.registerSpecialist(
      {
        name: 'notes-sft',
        base: 'b',
        basePath: '/b.gguf',
        adapterPath: '',
        trainingRun: 'run-1',
        lineage: {},
      },
      (version) => join(root, `v${version}.gguf`),
    );
  workspace.close();
  return root;
}

describe('tailor models promote, rollback and aliases', () => {
  it('moves an alias, logs who, why and on which report, and rolls back to the version before', async () => {
    const root = workspaceWithVersions(3);
    const promote = (version: string, reason: string, ...flags: string[]) =>
      tailor(root, ['models', 'promote', 'notes-sft', version, '--reason', reason, '--by', 'dana', ...flags]);
    expect((await promote('1', 'first release')).stdout).toBe(
      'notes-sft@prod: new → v1 (promote by dana: first release)\n',
    );
    const second = await promote('v3', 'gate passed', '--report', 'gate-7.txt');
    expect(second.stdout).toBe('notes-sft@prod: v1 → v3 (promote by dana: gate passed)\n');
    const canary = await promote('2', 'try it', '--alias', 'candidate');
    expect(canary.code, canary.stderr).toBe(0);

    const workspace = openWorkspace(root);
    expect(workspace.store.training.specialistAt('notes-sft@prod')?.version).toBe(3);
    expect(workspace.store.training.specialistAt('notes-sft@candidate')?.version).toBe(2);
    expect(workspace.store.training.specialistAt('notes-sft@v1')?.version).toBe(1);
    expect(workspace.store.training.specialistAt('notes-sft')?.version).toBe(3);
    expect(workspace.store.training.specialistAt('notes-sft@nope')).toBeUndefined();
    // Eval and compare headers name the version an alias stands for.
    expect(modelLabel('llama:notes-sft@prod', '/abs/path', workspace.store)).toBe('llama:notes-sft@v3');
    workspace.close();

    const back = await tailor(root, [
      'models',
      'rollback',
      'notes-sft',
      '--reason',
      'complaints',
      '--by',
      'sam',
    ]);
    expect(back.stdout).toBe('notes-sft@prod: v3 → v1 (rollback by sam: complaints)\n');

    const listed = JSON.parse((await tailor(root, ['--json', 'models', 'aliases', 'notes-sft'])).stdout);
    expect(
      listed.aliases.map((alias: { alias: string; version: number }) => [alias.alias, alias.version]),
    ).toEqual([
      ['candidate', 2],
      ['prod', 1],
    ]);
    expect(
      listed.events.map(
        (event: { action: string; fromVersion: number | null; toVersion: number; actor: string }) => [
          event.action,
          event.fromVersion,
          event.toVersion,
          event.actor,
        ],
      ),
    ).toEqual([
      ['rollback', 3, 1, 'sam'],
      ['promote', null, 2, 'dana'],
      ['promote', 1, 3, 'dana'],
      ['promote', null, 1, 'dana'],
    ]);
    expect(listed.events[2].report).toBe('gate-7.txt');
    const text = await tailor(root, ['models', 'aliases']);
    expect(text.stdout).toMatch(/notes-sft@prod\s+v1/);
    expect(text.stdout).toContain('complaints');
  });

  it('refuses an unknown version, an alias that looks like a version, and a rollback with nowhere to go', async () => {
    const root = workspaceWithVersions(2);
    const missing = await tailor(root, ['models', 'promote', 'notes-sft', '7', '--reason', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('notes-sft has no version 7 (it has v1, v2)');
    const versionLike = await tailor(root, [
      'models',
      'promote',
      'notes-sft',
      '1',
      '--alias',
      'v2',
      '--reason',
      'x',
    ]);
    expect(versionLike.stderr).toContain('not v<number> (that names a version)');
    const noReason = await tailor(root, ['models', 'promote', 'notes-sft', '1']);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain('--reason');
    await tailor(root, ['models', 'promote', 'notes-sft', '1', '--reason', 'first']);
    const nowhere = await tailor(root, ['models', 'rollback', 'notes-sft', '--reason', 'x']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no earlier version to roll back to');
    // Nothing moved: prod still points at v1, with one log line.
    const listed = JSON.parse((await tailor(root, ['--json', 'models', 'aliases'])).stdout);
    expect(listed.events).toHaveLength(1);
  });
});
