import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TailorError } from '../../core/errors.js';
import { exportFormatOf, exportRunResults } from '../../evals/export.js';
import { loadRunResults } from '../../evals/runner.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import type { WorkspaceStore } from '../../store/workspace.js';
import { inWorkspace } from '../context.js';
import { outputFile } from '../flags.js';
import { printJson, printTable } from '../output.js';

/** `tailor runs list` and `tailor runs export <run> --out <file>`: stored eval runs, leaving the workspace. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('stored eval runs: list them, export their outputs and grades');
  runs
    .command('list')
    .description('eval runs, newest first')
    .action(() =>
      inWorkspace(program.opts(), 'runs list', ({ workspace, json }) => {
        const stored = workspace.store.evalRuns.list();
        if (json) printJson(stored.map(({ config: _config, ...run }) => run));
        else
          printTable(
            ['RUN', 'TASK', 'MODEL', 'EXAMPLES', 'FINISHED', 'STARTED'],
            stored.map((run) => [
              run.id,
              run.task,
              run.model,
              String(run.examples),
              run.finishedAt ? 'yes' : 'no',
              run.createdAt.slice(0, 19).replace('T', ' '),
            ]),
          );
      }),
    );
  runs
    .command('export')
    .description("a run's per-example outputs and grades as JSONL or CSV (by the file's extension)")
    .argument('<run>', 'eval run id (see tailor runs list)')
    .requiredOption('--out <file>', 'the .jsonl or .csv file to write')
    .action((id: string, options: { out: string }) =>
      inWorkspace(program.opts(), 'runs export', ({ workspace, json }) => {
        const out = exportRun(workspace.store, id, outputFile(options.out, '--out'));
        if (json) printJson(out);
        else process.stdout.write(`${out.file}: ${out.examples} examples of run ${id}\n`);
      }),
    );
}

/** Write one stored run's results to `path`, in the format its extension names. */
export function exportRun(
  store: WorkspaceStore,
  id: string,
  path: string,
): { file: string; examples: number } {
  const format = exportFormatOf(path);
  const run = loadRunResults(store, id);
  if (!run) throw new TailorError('not-found', `no eval run "${id}"`, { hint: 'See tailor runs list.' });
  const file = resolve(path);
  writeFileAtomic(file, exportRunResults({ id, model: run.model }, run.results, format));
  return { file, examples: run.results.length };
}
