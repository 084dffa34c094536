import type { Command } from 'commander';
import { type LoopState, loopConfigOf, loopStatus, runLoop } from '../../loop/loop.js';
import { shadowReport } from '../../loop/shadow.js';
import { modelPool } from '../../models/create-model.js';
import { loadTask } from '../../task/task.js';
import { inWorkspace } from '../context.js';
import { positiveInteger } from '../flags.js';
import { printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';

/**
 * `tailor loop run | status | history`: the loop of tailor.yaml's `loop:` section (src/loop/). `run`
 * does one iteration when the trigger fires (or with --force), resuming an unfinished one first; run
 * it from cron or a CI schedule. It exits 0 whether the candidate was promoted or prod kept: a kept
 * prod is the gate working, and the report says why.
 */
export function registerLoop(program: Command): void {
  const loop = program
    .command('loop')
    .description('retrain from captured traffic, gate the candidate against prod, promote or keep');
  loop
    .command('run')
    .description('one iteration if the trigger fires (data → train → eval → gate → promote or keep)')
    .option('--force', 'run an iteration even if the trigger has not fired')
    .option('--threads <n>', 'CPU threads for training (default: all cores)')
    .action((options: { force?: boolean; threads?: string }) =>
      inWorkspace(program.opts(), 'loop run', async ({ workspace, config, json }) => {
        const threads = options.threads ? positiveInteger(options.threads, '--threads') : undefined;
        const status = loopStatus(workspace);
        if (!status.due && !options.force) {
          if (json) printJson({ ran: false, why: status.why });
          else process.stdout.write(`Nothing to do: ${status.why}.\n`);
          return;
        }
        const task = loadTask(workspace);
        const bar = new ProgressBar(process.stderr, json && !process.stderr.isTTY);
        const models = modelPool({ config, store: workspace.store, onProgress: bar.onTransfer });
        try {
          const iteration = await runLoop(
            {
              workspace,
              task,
              modelFor: (reference) => models.get(reference),
              ...(threads ? { threads } : {}),
              onEvent: (event) => {
                if (event.type === 'progress') bar.update(event.stage, event.done, event.total, 'items');
                else bar.note(`iteration ${event.iteration} · ${event.step}: ${event.detail}`);
              },
            },
            { force: options.force === true },
          );
          bar.done();
          const state = iteration?.state as LoopState | undefined;
          if (json) printJson({ ran: true, iteration });
          else if (iteration && state)
            process.stdout.write(
              `\nIteration ${iteration.id}: ${iteration.status === 'promoted' ? `promoted v${state.training?.version}` : `kept v${state.prodVersion}`} as ${status.config.specialist}@prod.\n${state.verdict?.reason ?? ''}\nReport: ${state.report}\n`,
            );
        } finally {
          await models.closeAll();
        }
      }),
    );
  loop
    .command('shadow')
    .description("a shadow rollout's answers graded beside the answers clients got (serve.rollouts)")
    .argument('<candidate>', 'the candidate model of the rollout, as in serve.rollouts (e.g. notes@v3)')
    .option(
      '--graders <list>',
      'graders that need no reference (default: loop.data.graders, else schema graders)',
    )
    .action((candidate: string, options: { graders?: string }) =>
      inWorkspace(program.opts(), 'loop shadow', async ({ workspace, config, json }) => {
        const task = loadTask(workspace);
        const names = options.graders
          ? options.graders.split(',').map((name) => name.trim())
          : config.loop?.data.graders.length
            ? config.loop.data.graders
            : task.graders.filter((grader) => grader.type === 'json-schema').map((grader) => grader.name);
        const models = modelPool({ config, store: workspace.store });
        try {
          const graders = await task.createGraders({
            select: names,
            judgeFor: (reference) => models.get(reference ?? config.defaultModel),
          });
          const report = await shadowReport(workspace.store, candidate, graders);
          if (json) printJson(report ?? { candidate, pairs: 0 });
          else if (!report)
            process.stdout.write(
              `No shadow answers of ${candidate} with a successful client answer yet (serve.rollouts, mode: shadow).\n`,
            );
          else {
            const { comparison } = report;
            const d = comparison.difference;
            process.stdout.write(
              `${candidate} shadowing ${Object.keys(report.models).join(', ')} on ${comparison.examples} live requests\n\n`,
            );
            printTable(
              ['GRADER', 'PROD', 'CANDIDATE'],
              report.graders.map((grader) => [
                grader.name,
                grader.prod.toFixed(3),
                grader.candidate.toFixed(3),
              ]),
            );
            process.stdout.write(
              `\ncandidate − prod ${d.mean.toFixed(3)} [95% CI ${d.low.toFixed(3)}, ${d.high.toFixed(3)}] · wins ${comparison.wins} · losses ${comparison.losses} · ties ${comparison.ties} · sign test p ${comparison.signTestP.toPrecision(3)}\n`,
            );
          }
        } finally {
          await models.closeAll();
        }
      }),
    );
  loop
    .command('status')
    .description("the trigger's counts, prod's version and the last iteration")
    .action(() =>
      inWorkspace(program.opts(), 'loop status', ({ workspace, json }) => {
        const status = loopStatus(workspace);
        if (json) {
          printJson(status);
          return;
        }
        const { config, last } = status;
        process.stdout.write(
          `${config.specialist}@prod: ${status.prod === undefined ? 'none yet' : `v${status.prod}`}\n` +
            `trigger: ${status.due ? 'due' : 'not due'} (${status.why})\n` +
            `last iteration: ${last ? `${last.id}, ${last.status}${last.status === 'running' ? ` at ${last.step}` : ''}, started ${last.startedAt.slice(0, 19)}` : 'none'}\n`,
        );
      }),
    );
  loop
    .command('history')
    .description('every iteration: when, what it trained, the gate and its report')
    .action(() =>
      inWorkspace(program.opts(), 'loop history', ({ workspace, json }) => {
        const config = loopConfigOf(workspace);
        const iterations = workspace.store.loop.iterations(config.specialist);
        if (json) {
          printJson(iterations);
          return;
        }
        printTable(
          ['ITERATION', 'STATUS', 'STARTED', 'DATA', 'CANDIDATE', 'DIFFERENCE [95% CI]', 'REPORT'],
          iterations.map((iteration) => {
            const state = iteration.state as LoopState;
            const difference = state.verdict?.comparison.difference;
            return [
              String(iteration.id),
              iteration.status === 'running' ? `running (${iteration.step})` : iteration.status,
              iteration.startedAt.slice(0, 19).replace('T', ' '),
              state.dataset ? `${state.dataset.records} (${state.dataset.id})` : '',
              state.training ? `v${state.training.version}` : '',
              difference
                ? `${difference.mean.toFixed(3)} [${difference.low.toFixed(3)}, ${difference.high.toFixed(3)}]`
                : '',
              state.report ?? state.error ?? '',
            ];
          }),
        );
      }),
    );
}
