import type { Command } from 'commander';
import { validationGraderNames } from '../../../train/policy.js';
import { addTrainingCommand } from './run-training.js';

/** `tailor train sft`: the task's train split, its references as the completions to learn. */
export function registerSftCommand(program: Command, train: Command): void {
  addTrainingCommand(
    program,
    train
      .command('sft')
      .description("supervised fine-tuning on the task's train split; registers the result as llama:<name>"),
    {
      method: 'sft',
      request: async (config, _flags, { task, settings, judgeFor, trainedJudgeFor }) =>
        config.selectBy === 'score'
          ? {
              kind: 'sft',
              config,
              graders: await task.createGraders({
                select: validationGraderNames(task.graders, config.validationGraders),
                judgeFor: (reference) => judgeFor(reference),
                trainedJudgeFor,
              }),
              contextSize: settings.llama.contextSize,
            }
          : { kind: 'sft', config },
    },
  );
}
