import type { Command } from 'commander';
import { comparePaired } from '../../evals/compare.js';
import { loadRunResults } from '../../evals/runner.js';
import { ConfigError } from '../../spec/errors.js';
import { commandContext } from '../context.js';
import { printJson } from '../output.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('paired comparison of two eval runs on their shared examples (B − A)')
    .argument('<runA>', 'eval run id (printed by tailor eval)')
    .argument('<runB>', 'eval run id')
    .action((runA: string, runB: string) => {
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
        const byId = new Map(b.results.map((result) => [result.exampleId, result]));
        const pairs = a.results
          .filter((result) => byId.has(result.exampleId))
          .map((result) => {
            const other = byId.get(result.exampleId)!;
            return {
              exampleId: result.exampleId,
              scoreA: result.score,
              scoreB: other.score,
              passA: result.pass,
              passB: other.pass,
            };
          });
        if (pairs.length === 0) throw new ConfigError('The two runs share no examples');
        const comparison = comparePaired(pairs);
        if (context.json) {
          printJson({ a: a.model, b: b.model, ...comparison });
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
          ].join('\n') + '\n',
        );
      } finally {
        context.close();
      }
    });
}
