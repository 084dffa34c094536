import type { Command } from 'commander';
import { writeGrpoReport } from '../../../train/grpo-report.js';
import type { GrpoResult } from '../../../train/methods/grpo.js';
import { addTrainingCommand, type CommonFlags } from './run-training.js';

interface GrpoFlags extends CommonFlags {
  judge?: string;
}

/** `tailor train grpo`: the task's graders as the reward; usually continues an SFT specialist. */
export function registerGrpoCommand(program: Command, train: Command): void {
  addTrainingCommand<'grpo', GrpoFlags>(
    program,
    train
      .command('grpo')
      .description(
        "reinforcement learning (GRPO) with the task's graders as the reward; usually after SFT (--from)",
      )
      .option('--from <specialist>', 'start from this specialist (the usual path: SFT, then GRPO)')
      .option('--judge <reference>', 'model for LLM-judge graders that name none (default: defaultModel)'),
    {
      method: 'grpo',
      request: async (config, flags, { task, settings, judgeFor, trainedJudgeFor }) => ({
        kind: 'grpo',
        config,
        graders: await task.createGraders({
          judgeFor: (reference) => judgeFor(reference ?? flags.judge),
          trainedJudgeFor,
        }),
        contextSize: settings.llama.contextSize,
        ...(flags.from ? { initFrom: flags.from } : {}),
      }),
      describeStep: ({ step, metrics }) =>
        `step ${step}: reward ${metrics.rewardMean!.toFixed(3)} (max ${metrics.rewardMax!.toFixed(2)}) · groups with signal ${(100 * metrics.groupsWithSignal!).toFixed(0)}%${metrics.monitorMean !== undefined ? ` · monitor ${metrics.monitorMean.toFixed(3)}${metrics.hackingFlag ? ' · REWARD HACKING SUSPECTED' : ''}` : ''} · sample ${metrics.sampleSeconds!.toFixed(0)}s / score ${metrics.scoreSeconds!.toFixed(0)}s / learn ${metrics.learnSeconds!.toFixed(0)}s`,
      afterTraining: (result) => {
        const report = writeGrpoReport(result.runDirectory, `${result.specialist.name} · GRPO`);
        if (!report) return { json: {}, text: '' };
        const flagged = (result.training as GrpoResult).flaggedSteps ?? [];
        return {
          json: { report },
          text: `${flagged.length > 0 ? `Reward hacking suspected at step(s) ${flagged.join(', ')}: the reward rose while the monitor fell.\n` : ''}Report: ${report}\n`,
        };
      },
    },
  );
}
