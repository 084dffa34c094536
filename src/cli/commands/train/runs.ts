import type { Command } from 'commander';
import { TailorError } from '../../../core/errors.js';
import type { SpecialistRecord, TrainingRunRecord } from '../../../store/workspace.js';
import { writeLossPlot } from '../../../train/loss-plot.js';
import { methodNamed } from '../../../train/methods/index.js';
import { type RunStatus, runStatus } from '../../../train/run-owner.js';
import { readTrainingRunResult } from '../../../train/run-result.js';
import { inWorkspace } from '../../context.js';
import { printJson, printTable } from '../../output.js';

/** `tailor train list` and `tailor train show <run>`: the stored runs, printed. */
export function registerRunCommands(program: Command, train: Command): void {
  train
    .command('list')
    .description('training runs and the specialists they produced')
    .action(() =>
      inWorkspace(program.opts(), 'train list', ({ workspace, json }) => {
        // A run whose process was killed still says running in the store: show it as interrupted.
        const runs = workspace.store.training.runs().map((run) => ({ ...run, status: runStatus(run) }));
        const specialists = workspace.store.training.specialists();
        if (json) printJson({ runs, specialists });
        else
          printTable(
            ['RUN', 'METHOD', 'BASE', 'STATUS', 'STEPS', 'BEST VALIDATION', 'SPECIALIST', 'STARTED'],
            runs.map((run) => runRow(run, specialists)),
          );
      }),
    );

  train
    .command('show')
    .description('one run: config, metrics, lineage, and its loss curve (HTML)')
    .argument('<run>', 'run id (the specialist name)')
    .action((id: string) =>
      inWorkspace(program.opts(), 'train show', ({ workspace, json }) => {
        const stored = workspace.store.training.run(id);
        const run = stored ? { ...stored, status: runStatus(stored) } : undefined;
        if (!run)
          throw new TailorError('not-found', `no training run "${id}"`, { hint: 'See tailor train list.' });
        const plot = writeLossPlot(run.runDirectory);
        const specialists = workspace.store.training
          .specialists()
          .filter((specialist) => specialist.trainingRun === id);
        if (json) {
          printJson({ run, specialists, lossPlot: plot });
          return;
        }
        process.stdout.write(
          `${run.id}: ${run.method} on ${run.base}, ${run.status}${run.status === 'interrupted' ? ` (its process is gone: tailor train ${run.method} --name ${run.id} --resume continues it)` : ''}\n`,
        );
        process.stdout.write(`Folder: ${run.runDirectory}\n`);
        process.stdout.write(`Config: ${JSON.stringify(run.config)}\n`);
        for (const specialist of specialists) {
          process.stdout.write(
            `Produced ${specialist.name} v${specialist.version}: ${specialist.adapterPath}\n`,
          );
        }
        if (plot) process.stdout.write(`Loss curve: ${plot}\n`);
      }),
    );
}

/**
 * One run's row. The best validation value is a loss for methods that validate by loss (SFT, DPO)
 * and the mean graded score for those that validate by score (GRPO, SFT with `--select-by score`):
 * the cell says which.
 */
function runRow(
  run: Omit<TrainingRunRecord, 'status'> & { status: RunStatus },
  specialists: SpecialistRecord[],
): string[] {
  const { training } = readTrainingRunResult(run.result);
  const best = training?.bestValidationLoss;
  const metric = training?.validationMetric ?? methodNamed(run.method)?.validationMetric ?? 'loss';
  const produced = specialists.filter((specialist) => specialist.trainingRun === run.id).at(-1);
  return [
    run.id,
    run.method,
    run.base,
    run.status,
    training ? String(training.steps) : '',
    typeof best === 'number' ? `${metric} ${best.toFixed(4)}` : '',
    produced ? `${produced.name} v${produced.version}` : '',
    run.createdAt.slice(0, 19),
  ];
}
