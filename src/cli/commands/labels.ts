import { resolve } from 'node:path';
import type { Command } from 'commander';
import { humanAgreement, minimumItems } from '../../align/agreement.js';
import { importLabels, labelledItems, listLabels } from '../../align/labels.js';
import { inWorkspace } from '../context.js';
import { positiveInteger } from '../flags.js';
import { formatEstimate, printJson, printTable } from '../output.js';

export function registerLabels(program: Command): void {
  const labels = program
    .command('labels')
    .description('expert labels: import, list and inter-annotator agreement');

  labels
    .command('import')
    .description(
      'import labels from JSONL or CSV (all rows checked first; nothing imported from a file with errors)',
    )
    .argument(
      '<file>',
      'labels: example_id, output, annotator, pass and/or score (1–5) and/or preference, critique, time',
    )
    .option('--skip-invalid', 'import the valid rows and list the skipped ones')
    .action((file: string, options: { skipInvalid?: boolean }) =>
      inWorkspace(program.opts(), 'labels', (context) => {
        const result = importLabels(context.workspace.store, resolve(file), {
          skipInvalid: options.skipInvalid,
        });
        if (context.json) {
          printJson(result);
          return;
        }
        process.stdout.write(
          `${result.file}: ${result.added} labels added, ${result.updated} updated, ${result.unchanged} already present\n`,
        );
        if (result.skipped.length > 0) {
          process.stdout.write(`skipped ${result.skipped.length} invalid row(s):\n`);
          for (const problem of result.skipped)
            process.stdout.write(`  ${result.file}:${problem.line}: ${problem.message}\n`);
        }
      }),
    );

  labels
    .command('list')
    .description('list stored labels')
    .option('--annotator <name>', 'only this annotator')
    .option('--example <id>', 'only this example')
    .option('--limit <n>', 'at most n rows', '50')
    .action((options: { annotator?: string; example?: string; limit: string }) =>
      inWorkspace(program.opts(), 'labels', (context) => {
        const rows = listLabels(context.workspace.store, {
          ...(options.annotator ? { annotator: options.annotator } : {}),
          ...(options.example ? { exampleId: options.example } : {}),
        }).slice(0, positiveInteger(options.limit, '--limit'));
        if (context.json) {
          printJson(rows);
          return;
        }
        printTable(
          ['EXAMPLE', 'ANNOTATOR', 'PASS', 'SCORE', 'CRITIQUE'],
          rows.map((label) => [
            label.exampleId,
            label.annotator,
            label.pass === undefined ? '' : label.pass ? 'pass' : 'fail',
            label.score === undefined ? '' : String(label.score),
            (label.critique ?? '').slice(0, 70),
          ]),
        );
      }),
    );

  labels
    .command('stats')
    .description("labels per annotator and the experts' agreement (Krippendorff α, Fleiss κ)")
    .action(() =>
      inWorkspace(program.opts(), 'labels', (context) => {
        const all = listLabels(context.workspace.store);
        const items = labelledItems(all);
        const human = humanAgreement(all, items);
        if (context.json) {
          printJson({ labels: all.length, labelledItems: items.length, ...human });
          return;
        }
        const ci = formatEstimate;
        process.stdout.write(
          `${all.length} labels on ${items.length} items; ${human.items} items have two or more pass/fail labels\n\n`,
        );
        printTable(
          ['ANNOTATOR', 'LABELS', 'PASS RATE', 'MEAN SCORE'],
          human.annotators.map((annotator) => [
            annotator.name,
            String(annotator.labels),
            Number.isNaN(annotator.passRate) ? '—' : `${(100 * annotator.passRate).toFixed(1)}%`,
            Number.isNaN(annotator.meanScore) ? '—' : annotator.meanScore.toFixed(2),
          ]),
        );
        process.stdout.write(
          `\nhuman agreement (the ceiling for any judge):\n  pass/fail  Krippendorff α ${ci(human.passAlpha)} · Fleiss κ ${human.passFleiss.toFixed(3)} · mean pairwise Cohen κ ${human.passPairwiseKappa.toFixed(3)}\n  1–5 score  Krippendorff α (ordinal) ${ci(human.scoreAlpha)}\n`,
        );
        if (human.items < minimumItems)
          process.stdout.write(
            `warning: fewer than ${minimumItems} multiply-labelled items; these intervals are wide\n`,
          );
      }),
    );
}
