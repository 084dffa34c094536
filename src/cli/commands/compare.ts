import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { comparePaired, pairResults } from '../../evals/compare.js';
import { economicsRows, type RunEconomics, runEconomics } from '../../evals/economics.js';
import { GateFailedError, noWorseGate } from '../../evals/gate.js';
import { renderCompareReport } from '../../evals/report.js';
import { loadRunResults } from '../../evals/runner.js';
import { createModel } from '../../models/create-model.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { loadDataset } from '../../task/dataset.js';
import { GraderError, inputText } from '../../task/graders/grader.js';
import { judgePair, type PairwiseVerdict, summarisePairwise } from '../../task/graders/pairwise-judge.js';
import { type CommandContext, commandContext } from '../context.js';
import { fraction, outputFile, positiveInteger } from '../flags.js';
import { printJson, printTable } from '../output.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('paired comparison of two eval runs on their shared examples (B − A)')
    .argument('<runA>', 'eval run id (printed by tailor eval)')
    .argument('<runB>', 'eval run id')
    .option('--judge <reference>', 'also judge each pair of outputs with this model, in both orders')
    .option(
      '--rubric <text>',
      'criteria for the pairwise judge',
      'Which response follows the task better and is more faithful to the input?',
    )
    .option('--limit <n>', 'judge only the first n shared examples')
    .option(
      '--report <file>',
      'HTML report with the per-example scatter (default: .tailor/artifacts/compare-<A>-<B>.html)',
    )
    .option(
      '--fail-if-worse',
      'exit 3 (after printing) unless B is shown no worse than A: the CI of B − A must start at −margin or above',
    )
    .option('--margin <x>', 'with --fail-if-worse: how much worse B may be (0)', '0')
    .action(
      async (
        runA: string,
        runB: string,
        options: {
          judge?: string;
          rubric: string;
          limit?: string;
          report?: string;
          failIfWorse?: boolean;
          margin: string;
        },
      ) => {
        const margin = fraction(options.margin, '--margin');
        if (options.report) outputFile(options.report, '--report');
        if (options.limit) positiveInteger(options.limit, '--limit');
        const context = commandContext(program.opts());
        if (!context.workspace)
          throw new ConfigError('tailor compare needs the workspace the runs are stored in');
        try {
          const [a, b] = [runA, runB].map((id) => {
            const run = loadRunResults(context.workspace!.store, id);
            if (!run) throw new ConfigError(`No eval run ${id} in ${context.workspace!.paths.databaseFile}`);
            return run;
          }) as [
            NonNullable<ReturnType<typeof loadRunResults>>,
            NonNullable<ReturnType<typeof loadRunResults>>,
          ];
          const pairs = pairResults(a.results, b.results);
          if (pairs.length === 0) throw new ConfigError('The two runs share no examples');
          const comparison = comparePaired(pairs);
          const pairwise = options.judge ? await judgeAll(context, a, b, pairs, options) : undefined;
          const reportPath = resolve(
            options.report ??
              join(context.workspace.paths.artifactsDirectory, `compare-${runA}-${runB}.html`),
          );
          writeFileAtomic(
            reportPath,
            renderCompareReport({
              title: `compare ${runA} → ${runB}`,
              labelA: `${a.model} (run ${runA})`,
              labelB: `${b.model} (run ${runB})`,
              comparison,
              pairs,
              pairwise,
            }),
          );
          // Each side's economics over the shared examples, saying what was measured and what not.
          const shared = new Set(pairs.map((pair) => pair.exampleId));
          const economics = [a, b].map((run) =>
            runEconomics(
              run.results.filter((result) => shared.has(result.exampleId)),
              run.economics,
            ),
          ) as [RunEconomics, RunEconomics];
          const gate = options.failIfWorse ? noWorseGate(comparison.difference, margin) : undefined;
          if (context.json) {
            printJson({
              a: a.model,
              b: b.model,
              economics: { a: economics[0], b: economics[1] },
              ...comparison,
              ...(pairwise ? { pairwise } : {}),
              report: reportPath,
              ...(gate ? { gate } : {}),
            });
            if (gate && !gate.passed) throw new GateFailedError(gate.reason);
            return;
          }
          const { difference } = comparison;
          process.stdout.write(
            [
              `A ${a.model}`,
              `B ${b.model}`,
              `${comparison.examples} shared examples`,
              `score difference B − A: ${difference.mean.toFixed(3)} [95% CI ${difference.low.toFixed(3)}, ${difference.high.toFixed(3)}]`,
              `wins ${comparison.wins} · losses ${comparison.losses} · ties ${comparison.ties} · sign test p = ${comparison.signTestP.toPrecision(3)}`,
              `pass/fail McNemar p = ${comparison.mcnemarP.toPrecision(3)}`,
              `regressions (A passed, B failed): ${comparison.regressions.length === 0 ? 'none' : comparison.regressions.join(', ')}`,
              ...(pairwise
                ? [
                    `pairwise judge (${options.judge}, both orders) on ${pairwise.pairs} pairs: A ${pairwise.winsA} · B ${pairwise.winsB} · tie ${pairwise.ties} · judge errors ${pairwise.errors} · position consistency ${(100 * pairwise.positionConsistency).toFixed(1)}%`,
                  ]
                : []),
              `report: ${reportPath}`,
            ].join('\n') + '\n\n',
          );
          const rowsA = economicsRows(economics[0]);
          const rowsB = economicsRows(economics[1]);
          printTable(
            ['', 'A', 'B'],
            ['latency p50', 'tokens/request', 'cost/1k requests'].map((label, index) => [
              label,
              rowsA[index]!,
              rowsB[index]!,
            ]),
          );
          if (gate?.passed) process.stdout.write(`\ngate: ${gate.reason}\n`);
          if (gate && !gate.passed) throw new GateFailedError(gate.reason);
        } finally {
          context.close();
        }
      },
    );
}

type StoredRun = NonNullable<ReturnType<typeof loadRunResults>>;

async function judgeAll(
  context: CommandContext,
  a: StoredRun,
  b: StoredRun,
  pairs: { exampleId: string }[],
  options: { judge?: string; rubric: string; limit?: string },
) {
  const judge = await createModel(options.judge!, {
    config: context.config,
    store: context.workspace!.store,
  });
  try {
    const inputs = new Map(loadDataset(a.dataset).map((record) => [record.id, inputText(record.input)]));
    const outputsA = new Map(a.results.map((result) => [result.exampleId, result.output]));
    const outputsB = new Map(b.results.map((result) => [result.exampleId, result.output]));
    const chosen = options.limit ? pairs.slice(0, positiveInteger(options.limit, '--limit')) : pairs;
    const verdicts: (PairwiseVerdict | GraderError)[] = await Promise.all(
      chosen.map((pair) =>
        judgePair(judge, {
          rubric: options.rubric,
          input: inputs.get(pair.exampleId) ?? '',
          outputA: outputsA.get(pair.exampleId)!,
          outputB: outputsB.get(pair.exampleId)!,
        }).catch((error: unknown) => {
          if (error instanceof GraderError) return error;
          throw error;
        }),
      ),
    );
    return summarisePairwise(verdicts);
  } finally {
    await judge.close();
  }
}
