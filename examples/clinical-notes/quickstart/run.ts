/**
 * The quickstart, as `make demo` runs it: the reference journey on the default model, no API keys, no
 * GPU (see quickstart.ts for the stages). Rerunning it skips the stages a previous run finished.
 *
 *   node --import tsx examples/clinical-notes/quickstart/run.ts [--dir <path>] [--quick] [--rl] [--threads <n>] [--json]
 *
 * --dir      workspace to create (from the reference task) or continue (./tailor-quickstart)
 * --quick    a ~5-minute version: fewer test notes and training steps
 * --rl       continue the SFT specialist with a short GRPO run
 * --threads  CPU threads (default: all cores)
 * --json     the whole result as JSON on stdout
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { disposeLlamaRuntime, ProgressBar, printJson, printTable, reportError } from '../../../src/index.js';
import { runQuickstart } from './quickstart.js';
import {
  comparisonLine,
  economicsNote,
  incumbentLine,
  judgeLeftOut,
  nextSteps,
  resultRows,
} from './report.js';

const usage =
  'usage: node --import tsx examples/clinical-notes/quickstart/run.ts [--dir <path>] [--quick] [--rl] [--threads <n>] [--json]';

async function main(argv: string[]): Promise<number> {
  let values: { dir: string; quick?: boolean; rl?: boolean; threads?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string', default: 'tailor-quickstart' },
        quick: { type: 'boolean' },
        rl: { type: 'boolean' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  const json = values.json === true;
  const bar = new ProgressBar(process.stderr, json && !process.stderr.isTTY);
  const started = performance.now();
  try {
    const result = await runQuickstart({
      directory: resolve(values.dir),
      exampleDirectory: join(import.meta.dirname, '..'),
      mode: values.quick ? 'quick' : 'full',
      rl: values.rl === true,
      ...(values.threads ? { threads: Number(values.threads) } : {}),
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
      return 0;
    }
    process.stdout.write(
      `\nTailor quickstart (${result.state.mode}${result.state.rl ? ', SFT + GRPO' : ''}) · ${result.comparison.examples} test notes · ${(result.totalSeconds / 60).toFixed(1)} min of work\n\n`,
    );
    printTable(resultRows(result)[0]!, resultRows(result).slice(1));
    const { curation } = result;
    process.stdout.write(
      `\n${comparisonLine(result)}\n${incumbentLine(result)}\n${economicsNote}\n` +
        `curation: kept ${curation.kept} of ${curation.incumbentOutputs} incumbent outputs; caught ${curation.knownBadCaught} of ${curation.knownBad} known-bad ones, dropped ${curation.goodDropped} good ones; ${curation.duplicatesDropped} near duplicates and ${curation.contaminatedDropped} overlapping validation or test dropped after it: SFT data ${curation.datasetVersion} (${curation.trainingExamples} examples, data card ${curation.dataCard})\n` +
        `${judgeLeftOut}\n\nreport: ${result.reportPath}\n\nNext:\n${nextSteps(result)
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
    );
    return 0;
  } catch (error) {
    return reportError(error, json);
  } finally {
    // This program is the process: llama.cpp's runtime goes with it (the `tailor` command does the same).
    await disposeLlamaRuntime();
  }
}

process.exitCode = await main(process.argv.slice(2));
