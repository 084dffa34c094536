import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createTrainedJudges } from '../../align/trained-judges.js';
import type { PriceTable } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { scoresByGroup } from '../../evals/breakdown.js';
import { type ClassificationReport, classificationReport } from '../../evals/classification.js';
import { economicsLine } from '../../evals/economics.js';
import { exportFormatOf } from '../../evals/export.js';
import { GateFailedError, scoreGate } from '../../evals/gate.js';
import { renderEvalReport } from '../../evals/report.js';
import { loadRunResults, runEval } from '../../evals/runner.js';
import { priceFor } from '../../models/call-pipeline.js';
import { modelPool } from '../../models/create-model.js';
import { modelLabel } from '../../models/model-label.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import type { WorkspaceStore } from '../../store/workspace.js';
import { attachOutputs, loadDataset, readOutputs, taskChecks } from '../../task/dataset.js';
import { loadTask } from '../../task/task.js';
import { commandContext } from '../context.js';
import { fraction, outputFile, positiveInteger } from '../flags.js';
import { formatEstimate, printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';
import { exportRun } from './runs.js';

interface EvalOptions {
  model?: string;
  split: string;
  dataset?: string;
  outputs?: string;
  graders?: string;
  judge?: string;
  limit?: string;
  concurrency?: string;
  maxTokens: string;
  report?: string;
  baseline?: string;
  export?: string;
  by?: string;
  classes?: string;
  pricedAs?: string;
  failUnder?: string;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("run the workspace task's graders on a model's outputs (or on supplied outputs); resumable")
    .option('-m, --model <reference>', 'model under test (default: defaultModel)')
    .option('--split <name>', 'dataset split from task.data', 'test')
    .option('--dataset <file>', 'a JSONL dataset instead of a split')
    .option('--outputs <file>', 'grade these {id, output} records (e.g. an incumbent) instead of generating')
    .option('--graders <names>', 'comma-separated subset of the task graders')
    .option('--judge <reference>', 'model for LLM judges without their own (default: defaultModel)')
    .option(
      '--baseline <run|file>',
      'outputs that pairwise graders compare against: an eval run id or a JSONL of {id, output}',
    )
    .option('--limit <n>', 'only the first n examples')
    .option('--concurrency <n>', 'examples in flight at once (default: llama.parallel)')
    .option('--max-tokens <n>', 'generation cap per example', '400')
    .option(
      '--report <file>',
      'also write a self-contained HTML report (default: .tailor/artifacts/eval-<run>.html)',
    )
    .option(
      '--priced-as <model>',
      'with --outputs: price the supplied outputs as this API model (tokens estimated, prices from tailor.yaml)',
    )
    .option('--by <field>', 'also score by group: a reference field (label) or an input field (input.site)')
    .option(
      '--classes <field>',
      'also report classification metrics for a label field of the output and reference: per-class precision, recall and F1, macro and weighted F1, confusion matrix',
    )
    .option('--export <file>', "also write the run's per-example outputs and grades (.jsonl or .csv)")
    .option(
      '--fail-under <score>',
      'exit 3 (after printing the results) when the overall score is below this, for CI',
    )
    .action(async (options: EvalOptions) => {
      const context = commandContext(program.opts());
      if (!context.workspace)
        throw new ConfigError('tailor eval needs a workspace with a task', {
          hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
        });
      const task = loadTask(context.workspace);
      // A bad export name or threshold is refused before any model runs, not after.
      if (options.export) exportFormatOf(outputFile(options.export, '--export'));
      if (options.report) outputFile(options.report, '--report');
      const failUnder =
        options.failUnder !== undefined ? fraction(options.failUnder, '--fail-under') : undefined;
      const pricedAs = options.pricedAs ? supplyPrice(options, context.config.prices) : undefined;
      // Whole positive numbers, checked before anything is read or stored: a junk run is never made.
      const limit = options.limit !== undefined ? positiveInteger(options.limit, '--limit') : undefined;
      const concurrency =
        options.concurrency !== undefined
          ? positiveInteger(options.concurrency, '--concurrency')
          : context.config.llama.parallel;
      const maxTokens = positiveInteger(options.maxTokens, '--max-tokens');
      const datasetPath = options.dataset ? resolve(options.dataset) : task.split(options.split);
      let records = loadDataset(datasetPath, taskChecks(task, { withVariables: !options.outputs }));
      if (records.length === 0) throw new ConfigError(`${datasetPath} holds no records: nothing to evaluate`);
      if (options.outputs) {
        records = attachOutputs(records, resolve(options.outputs));
        if (records.length === 0)
          throw new ConfigError(
            `No output in ${resolve(options.outputs)} has the id of a record in ${datasetPath}: nothing to grade`,
            { hint: 'Each line needs {"id": <a record id of the split>, "output": "..."}.' },
          );
      }
      if (limit !== undefined) records = records.slice(0, limit);

      const wanted = options.graders?.split(',').map((name) => name.trim());
      // Unknown names are refused by task.createGraders below, before any model is called.
      const selected = task.graders.filter((grader) => !wanted || wanted.includes(grader.name));
      const pairwise = selected.filter((grader) => grader.type === 'pairwise');
      if (pairwise.length > 0 && !options.baseline)
        throw new ConfigError(
          `Grader ${pairwise.map((grader) => grader.name).join(', ')} compares against a baseline: pass --baseline <eval run id | outputs.jsonl>`,
          { hint: 'Or leave it out with --graders.' },
        );
      const baseline = options.baseline ? readBaseline(options.baseline, context.workspace.store) : undefined;
      if (baseline) {
        const missing = records.filter((record) => !baseline.outputs.has(record.id)).length;
        if (missing === records.length)
          throw new ConfigError(`The baseline ${baseline.label} has no output for any of these examples`);
        if (missing > 0)
          process.stderr.write(
            `warning: the baseline has no output for ${missing} of ${records.length} examples; pairwise grades for them are grader errors\n`,
          );
      }

      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      const store = context.workspace.store;
      const models = modelPool({ config: context.config, store, onProgress: bar.onTransfer });
      const modelFor = (reference: string) => models.get(reference);
      const trained = createTrainedJudges({ store, task });
      const graders = await task.createGraders({
        ...(wanted ? { select: wanted } : {}),
        judgeFor: (reference) => modelFor(reference ?? options.judge ?? context.config.defaultModel),
        trainedJudgeFor: (name, version) => trained.scorerFor(name, version),
      });
      const modelReference = options.model ?? context.config.defaultModel;
      const model = options.outputs ? undefined : await modelFor(modelReference);
      try {
        const { summary, results } = await runEval({
          task,
          model,
          modelLabel: options.outputs
            ? `outputs:${resolve(options.outputs)}`
            : modelLabel(modelReference, model?.id ?? modelReference, store),
          datasetPath,
          records,
          graders,
          store,
          concurrency,
          maxTokens,
          ...(baseline ? { baseline } : {}),
          ...(pricedAs ? { pricedAs } : {}),
          onProgress: ({ done, total, meanScore }) =>
            bar.update('eval', done, total, 'items', ` · score ${meanScore.toFixed(3)}`),
        });
        bar.done();
        const reportPath = resolve(
          options.report ?? join(context.workspace.paths.artifactsDirectory, `eval-${summary.runId}.html`),
        );
        writeFileAtomic(reportPath, renderEvalReport(summary, results, `${task.name} eval`));
        const exported = options.export ? exportRun(store, summary.runId, options.export) : undefined;
        const groups = options.by ? scoresByGroup(records, results, options.by) : undefined;
        const classification = options.classes
          ? classificationReport(records, results, options.classes)
          : undefined;
        const gate = failUnder !== undefined ? scoreGate(summary.overall, failUnder) : undefined;
        if (context.json) {
          printJson({
            ...summary,
            report: reportPath,
            ...(exported ? { export: exported.file } : {}),
            ...(groups ? { groups: { by: options.by, scores: groups } } : {}),
            ...(classification ? { classification } : {}),
            ...(gate ? { gate } : {}),
          });
          if (gate && !gate.passed) throw new GateFailedError(gate.reason);
          return;
        }
        const ci = formatEstimate;
        process.stdout.write(
          `\n${task.name} · ${summary.model} · ${summary.examples} examples · run ${summary.runId}${summary.resumed ? ` (resumed ${summary.resumed})` : ''}\n\n`,
        );
        printTable(
          ['GRADER', 'SCORE [95% CI]', 'PASS', 'ERRORS'],
          [
            ...summary.graders.map((grader) => [
              grader.name,
              ci(grader.score),
              `${(100 * grader.passRate).toFixed(1)}%`,
              String(grader.errors),
            ]),
            ['overall', ci(summary.overall), `${(100 * summary.passRate).toFixed(1)}%`, ''],
          ],
        );
        if (groups) {
          process.stdout.write(`\nby ${options.by}:\n`);
          printTable(
            [options.by!.toUpperCase(), 'EXAMPLES', 'SCORE [95% CI]', 'PASS'],
            groups.map((group) => [
              group.group,
              String(group.examples),
              ci(group.score),
              `${(100 * group.passRate).toFixed(1)}%`,
            ]),
          );
        }
        if (classification) printClassification(classification);
        for (const grader of summary.graders)
          if (grader.positionConsistency !== undefined)
            process.stdout.write(
              `\n${grader.name}: pairwise against ${baseline?.label}; position consistency ${(100 * grader.positionConsistency).toFixed(1)}% (verdicts that changed with the order count as ties)`,
            );
        process.stdout.write(
          `\n${economicsLine(summary)}\nreport: ${reportPath}${exported ? `\nexport: ${exported.file}` : ''}\n${gate?.passed ? `gate: ${gate.reason}\n` : ''}`,
        );
        if (gate && !gate.passed) throw new GateFailedError(gate.reason);
      } finally {
        await models.closeAll();
        await trained.close();
        context.close();
      }
    });
}

function printClassification(report: ClassificationReport): void {
  const share = (value: number) => value.toFixed(3);
  process.stdout.write(
    `\nclasses at ${report.field} (${report.examples} examples${report.unlabelled ? `, ${report.unlabelled} outputs with no label` : ''}):\n`,
  );
  printTable(
    ['CLASS', 'SUPPORT', 'PREDICTED', 'PRECISION', 'RECALL', 'F1'],
    report.classes.map((score) => [
      score.label,
      String(score.support),
      String(score.predicted),
      share(score.precision),
      share(score.recall),
      share(score.f1),
    ]),
  );
  process.stdout.write(
    `accuracy ${formatEstimate(report.accuracy)} · macro F1 ${formatEstimate(report.macroF1)} · weighted F1 ${formatEstimate(report.weightedF1)}\n`,
  );
  const predicted = [...new Set(Object.values(report.confusion).flatMap((row) => Object.keys(row)))].sort(
    (a, b) => a.localeCompare(b),
  );
  const columns = [
    ...report.classes.map((score) => score.label),
    ...predicted.filter((label) => !report.classes.some((score) => score.label === label)),
  ];
  process.stdout.write('confusion (rows: reference, columns: output):\n');
  printTable(
    ['', ...columns],
    report.classes.map((score) => [
      score.label,
      ...columns.map((label) => String(report.confusion[score.label]?.[label] ?? 0)),
    ]),
  );
}

/** A baseline is an eval run stored in this workspace, or a JSONL file of `{id, output}`. */
function readBaseline(
  reference: string,
  store: WorkspaceStore,
): { label: string; outputs: Map<string, string> } {
  const run = loadRunResults(store, reference);
  if (run)
    return {
      label: `run:${reference}`,
      outputs: new Map(run.results.map((result) => [result.exampleId, result.output])),
    };
  if (!existsSync(reference))
    throw new ConfigError(`--baseline ${reference} is neither an eval run in this workspace nor a file`);
  return { label: `outputs:${resolve(reference)}`, outputs: readOutputs(resolve(reference)) };
}

/** `--priced-as`: the price of the API model the supplied outputs stand for, from tailor.yaml. */
function supplyPrice(options: EvalOptions, prices: PriceTable) {
  if (!options.outputs)
    throw new ConfigError('--priced-as prices supplied outputs: give it with --outputs', {
      hint: 'A model that runs here is priced from its own measured tokens.',
    });
  const price = priceFor(prices, options.pricedAs!);
  if (!price)
    throw new ConfigError(`No price for ${options.pricedAs} in tailor.yaml prices`, {
      hint: 'Add it under prices: (USD per million input and output tokens), or name a model that has one.',
    });
  return { model: options.pricedAs!, ...price };
}
