import type { Command } from 'commander';
import { ConfigError } from '../../../core/errors.js';
import { modelPool } from '../../../models/create-model.js';
import { loadTask } from '../../../task/task.js';
import { writeSampledPairs } from '../../../train/preference-pairs.js';
import { commandContext } from '../../context.js';
import { fraction, outputFile, positiveInteger, positiveNumber } from '../../flags.js';
import { printJson } from '../../output.js';
import { ProgressBar } from '../../progress.js';

interface PairsFlags {
  out: string;
  model?: string;
  split: string;
  samples: string;
  temperature: string;
  graders?: string;
  minMargin: string;
  limit?: string;
}

/** `tailor train pairs`: DPO pairs from graded samples (the sampling and pairing are the library's). */
export function registerPairsCommand(program: Command, train: Command): void {
  train
    .command('pairs')
    .description(
      'build DPO pairs from graded samples: best vs worst of k samples per prompt, by the task graders',
    )
    .requiredOption('--out <file>', 'where to write the {id, input, chosen, rejected, margin} JSONL')
    .option('-m, --model <reference>', 'model that samples (default: defaultModel)')
    .option('--split <name>', 'prompts from this split', 'train')
    .option('--samples <n>', 'samples per prompt', '4')
    .option('--temperature <t>', 'sampling temperature', '0.8')
    .option('--graders <names>', 'comma-separated subset of the task graders (default: all)')
    .option('--min-margin <x>', 'keep a pair only when best and worst scores differ by this much', '0.1')
    .option('--limit <n>', 'only the first n prompts')
    .action(async (flags: PairsFlags) => {
      const context = commandContext(program.opts());
      const workspace = context.workspace;
      if (!workspace) throw new ConfigError('tailor train pairs needs a workspace with a task');
      const task = loadTask(workspace);
      const wanted = flags.graders?.split(',').map((name) => name.trim());
      const models = modelPool({ config: context.config, store: workspace.store });
      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      try {
        const written = await writeSampledPairs({
          task,
          split: flags.split,
          ...(flags.limit ? { limit: positiveInteger(flags.limit, '--limit') } : {}),
          model: () => models.get(flags.model ?? context.config.defaultModel),
          graders: () =>
            task.createGraders({
              ...(wanted ? { select: wanted } : {}),
              judgeFor: (reference) => models.get(reference ?? context.config.defaultModel),
            }),
          samples: positiveInteger(flags.samples, '--samples'),
          temperature: positiveNumber(flags.temperature, '--temperature'),
          minMargin: fraction(flags.minMargin, '--min-margin'),
          out: outputFile(flags.out, '--out'),
          onProgress: (prompts, total, pairs) =>
            bar.update('pairs', prompts, total, 'items', ` · ${pairs} kept`),
        });
        bar.done();
        if (context.json) printJson(written);
        else
          process.stdout.write(
            `${written.pairs} pairs from ${written.prompts} prompts written to ${written.out}\n`,
          );
      } finally {
        await models.closeAll();
        context.close();
      }
    });
}
