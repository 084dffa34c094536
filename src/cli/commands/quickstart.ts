import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runQuickstart } from '../../quickstart/quickstart.js';
import { comparisonLine, judgeLeftOut, nextSteps, resultRows } from '../../quickstart/report.js';
import { printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';

/** The reference task ships with the package: dist/cli/commands → examples/clinical-notes. */
const referenceTask = join(import.meta.dirname, '..', '..', '..', 'examples', 'clinical-notes');

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description(
      'the whole journey on the reference task: evaluate the base model, curate the incumbent, train a specialist, compare, report',
    )
    .option('--dir <path>', 'workspace to create (from the reference task) or continue', 'tailor-quickstart')
    .option('--quick', 'a ~5-minute version: fewer test notes and training steps')
    .option('--rl', 'continue the SFT specialist with a short GRPO run')
    .option('--threads <n>', 'CPU threads (default: all cores)')
    .action(async (options: { dir: string; quick?: boolean; rl?: boolean; threads?: string }) => {
      const json = (program.opts() as { json?: boolean }).json === true;
      const bar = new ProgressBar(process.stderr, json && !process.stderr.isTTY);
      const started = performance.now();
      const result = await runQuickstart({
        directory: resolve(options.dir),
        exampleDirectory: referenceTask,
        mode: options.quick ? 'quick' : 'full',
        rl: options.rl === true,
        ...(options.threads ? { threads: Number(options.threads) } : {}),
        onEvent: (event) => {
          const overall = `${((performance.now() - started) / 60_000).toFixed(1)} min so far`;
          if (event.type === 'stage')
            bar.note(
              `[${event.index}/${event.total}] ${event.stage}: ${event.detail}${event.skipped ? ' (done in an earlier run, skipped)' : ''} · ${overall}`,
            );
          else if (event.type === 'progress')
            bar.update(event.stage, event.done, event.total, 'items', event.note);
          else bar.note(`  ${event.text}`);
        },
      });
      bar.done();
      if (json) {
        printJson(result);
        return;
      }
      process.stdout.write(
        `\nTailor quickstart (${result.state.mode}${result.state.rl ? ', SFT + GRPO' : ''}) · ${result.comparison.examples} test notes · ${(result.totalSeconds / 60).toFixed(1)} min of work\n\n`,
      );
      printTable(resultRows(result)[0]!, resultRows(result).slice(1));
      const { curation } = result;
      process.stdout.write(
        `\n${comparisonLine(result)}\n` +
          `curation: kept ${curation.kept} of ${curation.incumbentOutputs} incumbent outputs; caught ${curation.knownBadCaught} of ${curation.knownBad} known-bad ones, dropped ${curation.goodDropped} good ones\n` +
          `${judgeLeftOut}\n\nreport: ${result.reportPath}\n\nNext:\n${nextSteps(result)
            .map((line) => `  ${line}`)
            .join('\n')}\n`,
      );
    });
}
