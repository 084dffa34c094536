import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addTrainingCommand, type CommonFlags } from './run-training.js';

interface DpoFlags extends CommonFlags {
  pairs: string;
}

/** `tailor train dpo --pairs <file>`: preferences from a JSONL file, optionally after a specialist. */
export function registerDpoCommand(program: Command, train: Command): void {
  addTrainingCommand<'dpo', DpoFlags>(
    program,
    train
      .command('dpo')
      .description('preference training (DPO) on {input, chosen, rejected} pairs; registers llama:<name>')
      .requiredOption('--pairs <file>', 'JSONL of {id, input | messages, chosen, rejected}')
      .option('--from <specialist>', 'start from this specialist (its adapter is also the DPO reference)'),
    {
      method: 'dpo',
      takesData: false,
      request: (config, flags) => ({
        kind: 'dpo',
        config,
        pairsFile: resolve(flags.pairs),
        ...(flags.from ? { initFrom: flags.from } : {}),
      }),
    },
  );
}
