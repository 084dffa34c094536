import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { grpoConfigSchema, sftConfigSchema } from '../../../core/train-config.js';
import { initWorkspace, openWorkspace } from '../../../store/workspace.js';
import { claimRun } from '../../../train/run-owner.js';
import type { FailedTrainingRunResult, TrainingRunResult } from '../../../train/run-result.js';
import { main } from '../../main.js';
import { addConfigFlags, configFlags, configFromFlags } from './config-flags.js';

// No model here: the flags a method's schema yields, and the commands that only read the store.

/** Parse `argv` with a method's config flags, as `tailor train <method>` does. */
function flagsFor(schema: typeof sftConfigSchema | typeof grpoConfigSchema, argv: string[]) {
  const flags = configFlags(schema);
  const command = addConfigFlags(new Command().exitOverride(), flags);
  command.parse(argv, { from: 'user' });
  return { flags, given: command.opts() };
}

/** Run the CLI in this process; its stdout and exit code. */
async function tailor(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const code = await main(['node', 'tailor', ...args]);
  vi.restoreAllMocks();
  return { code, stdout };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('training flags from the method schemas', () => {
  it('override tailor.yaml, which overrides the defaults', () => {
    const fromFile = sftConfigSchema.parse({ lora: { rank: 4, alpha: 8 }, batchSize: 2, learningRate: 0.1 });
    const { flags, given } = flagsFor(sftConfigSchema, [
      '--steps',
      '3',
      '--lr',
      '0.001',
      '--rank',
      '8',
      '--patience',
      '2',
      '--activation-checkpointing',
      '--lora-targets',
      'q_proj, v_proj',
    ]);
    const config = configFromFlags('sft', sftConfigSchema, flags, given, fromFile);
    expect(config).toEqual({
      ...sftConfigSchema.parse({}),
      lora: { rank: 8, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'] },
      batchSize: 2,
      maxSteps: 3,
      learningRate: 0.001,
      earlyStoppingPatience: 2,
      activationCheckpointing: true,
    });
    const defaults = configFromFlags('sft', sftConfigSchema, flags, {}, undefined);
    expect(JSON.stringify(defaults)).toBe(JSON.stringify(sftConfigSchema.parse({})));
  });

  it("parse GRPO's own options: reward weights, choices and its own defaults", () => {
    const { flags, given } = flagsFor(grpoConfigSchema, [
      '--rewards',
      'schema=1,fields',
      '--loss',
      'importance_sampling',
      '--steps',
      '5',
    ]);
    const config = configFromFlags('grpo', grpoConfigSchema, flags, given, undefined);
    expect(config).toMatchObject({
      rewards: { schema: 1, fields: 1 },
      loss: 'importance_sampling',
      steps: 5,
      learningRate: 2e-5,
      schedule: 'constant',
      evalEvery: 10,
    });
  });

  it('refuse bad values, naming the flag', () => {
    const refuse = (schema: typeof sftConfigSchema | typeof grpoConfigSchema, argv: string[]) => {
      const { flags, given } = flagsFor(schema, argv);
      return () => configFromFlags('x', schema, flags, given, undefined);
    };
    expect(refuse(sftConfigSchema, ['--steps', 'abc'])).toThrow('--steps must be a number, not "abc"');
    expect(refuse(sftConfigSchema, ['--steps', '1.5'])).toThrow(/--steps "1.5" is invalid/);
    expect(refuse(sftConfigSchema, ['--batch-size', '0'])).toThrow(/--batch-size "0" is invalid/);
    expect(refuse(sftConfigSchema, ['--schedule', 'step'])).toThrow(/--schedule "step" is invalid/);
    expect(refuse(grpoConfigSchema, ['--rewards', 'schema=-1'])).toThrow(/--rewards "schema=-1" is invalid/);
  });
});

describe('tailor train', () => {
  it('lists only the flags a method takes', async () => {
    const grpo = await tailor(['train', 'grpo', '--help']);
    expect(grpo.code).toBe(0);
    for (const flag of ['--group-size', '--rewards', '--monitor', '--judge', '--from', '--steps', '--lr'])
      expect(grpo.stdout).toContain(flag);
    for (const flag of ['--epochs', '--batch-size', '--max-length', '--beta', '--pairs'])
      expect(grpo.stdout).not.toContain(flag);
    const sft = await tailor(['train', 'sft', '--help']);
    for (const flag of ['--epochs', '--batch-size', '--max-length', '--rank', '--alpha', '--patience'])
      expect(sft.stdout).toContain(flag);
    for (const flag of ['--group-size', '--from', '--beta', '--pairs'])
      expect(sft.stdout).not.toContain(flag);
  });

  it('lists runs with their steps and best validation loss, or score for GRPO', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-train-list-'));
    initWorkspace(root);
    const workspace = openWorkspace(root);
    const consistency = {
      positions: 120,
      base: { maxDifference: 0.3, meanDifference: 0.05 },
      adapted: { maxDifference: 0.3, meanDifference: 0.04 },
      tolerance: 0.07,
      passed: true,
    };
    const finished = (name: string, steps: number, best: number): TrainingRunResult => ({
      training: {
        steps,
        adapterDirectory: join(root, 'runs', name, 'best'),
        bestValidationLoss: best,
        firstValidationLoss: best * 2,
        stoppedEarly: false,
      },
      consistency,
      specialist: `${name} v1`,
    });
    const runs: Array<[string, string, TrainingRunResult | FailedTrainingRunResult | undefined]> = [
      ['notes-sft', 'sft', finished('notes-sft', 12, 0.41234)],
      ['notes-grpo', 'grpo', finished('notes-grpo', 30, 0.8125)],
      ['notes-dpo', 'dpo', { error: 'no preference pair fits in 1024 tokens' }],
      ['notes-running', 'sft', undefined],
      ['notes-killed', 'grpo', undefined],
    ];
    for (const [id, method, result] of runs) {
      workspace.store.training.startRun({
        id,
        method,
        base: 'smollm2-135m-instruct',
        runDirectory: join(root, 'runs', id),
        config: {},
      });
      if (result) workspace.store.training.finishRun(id, 'error' in result ? 'failed' : 'finished', result);
    }
    workspace.store.training.registerSpecialist(
      {
        name: 'notes-sft',
        base: 'smollm2-135m-instruct',
        basePath: '/models/base.gguf',
        adapterPath: '',
        trainingRun: 'notes-sft',
        lineage: {},
      },
      () => join(root, 'v1.gguf'),
    );
    workspace.close();
    // notes-running is held by this live process; notes-killed's process is gone (SIGKILL).
    claimRun({ id: 'notes-running', runDirectory: join(root, 'runs', 'notes-running') });
    const killed = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(root, 'runs', 'notes-killed'), { recursive: true });
    writeFileSync(
      join(root, 'runs', 'notes-killed', 'owner.json'),
      JSON.stringify({ pid: killed, host: hostname() }),
    );

    const listed = await tailor(['-w', root, 'train', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^RUN\s+METHOD\s+BASE\s+STATUS\s+STEPS\s+BEST VALIDATION\s+SPECIALIST/);
    expect(listed.stdout).toMatch(
      /^notes-sft\s+sft\s+smollm2-135m-instruct\s+finished\s+12\s+loss 0\.4123\s+notes-sft v1\s/m,
    );
    expect(listed.stdout).toMatch(
      /^notes-grpo\s+grpo\s+smollm2-135m-instruct\s+finished\s+30\s+score 0\.8125\s+\d{4}-/m,
    );
    expect(listed.stdout).toMatch(/^notes-dpo\s+dpo\s+smollm2-135m-instruct\s+failed\s+\d{4}-/m);
    expect(listed.stdout).toMatch(/^notes-running\s+sft\s+smollm2-135m-instruct\s+running\s+\d{4}-/m);
    expect(listed.stdout).toMatch(/^notes-killed\s+grpo\s+smollm2-135m-instruct\s+interrupted\s+\d{4}-/m);
    const shown = await tailor(['-w', root, 'train', 'show', 'notes-killed']);
    expect(shown.stdout).toContain(
      'interrupted (its process is gone: tailor train grpo --name notes-killed --resume continues it)',
    );
  });
});
