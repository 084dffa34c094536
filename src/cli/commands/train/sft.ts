import type { Command } from 'commander';
import { addTrainingCommand } from './run-training.js';

/** `tailor train sft`: the task's train split, its references as the completions to learn. */
export function registerSftCommand(program: Command, train: Command): void {
  addTrainingCommand(
    program,
    train
      .command('sft')
      .description("supervised fine-tuning on the task's train split; registers the result as llama:<name>"),
    { method: 'sft', request: (config) => ({ kind: 'sft', config }) },
  );
}
