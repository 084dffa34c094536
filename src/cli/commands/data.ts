import { resolve } from 'node:path';
import type { Command } from 'commander';
import { toJsonl } from '../../common/jsonl.js';
import { ConfigError } from '../../core/errors.js';
import { trafficDataset } from '../../serve/traffic.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { inWorkspace } from '../context.js';
import { printJson } from '../output.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('datasets from what the workspace has seen');
  data
    .command('import')
    .description(
      'write captured serving traffic as a chat-format JSONL dataset (tailor eval --dataset, training)',
    )
    .requiredOption('--from-traffic', 'take the records from traffic captured by tailor serve')
    .requiredOption('--out <file>', 'the JSONL file to write')
    .option('--model <name>', 'only requests to this model')
    .option('--since <time>', 'only requests at or after this ISO time')
    .option('--until <time>', 'only requests before this ISO time')
    .option('--feedback <which>', 'pass | fail | any | none: filter by reviewer feedback')
    .action((options: { out: string; model?: string; since?: string; until?: string; feedback?: string }) =>
      inWorkspace(program.opts(), 'data import', (context) => {
        if (options.feedback && !['pass', 'fail', 'any', 'none'].includes(options.feedback))
          throw new ConfigError(`--feedback must be pass, fail, any or none, not "${options.feedback}"`);
        for (const [flag, value] of [
          ['--since', options.since],
          ['--until', options.until],
        ] as const)
          if (value !== undefined && Number.isNaN(Date.parse(value)))
            throw new ConfigError(`${flag} must be an ISO 8601 time, not "${value}"`);
        const records = trafficDataset(context.workspace.store, {
          model: options.model,
          since: options.since ? new Date(options.since).toISOString() : undefined,
          until: options.until ? new Date(options.until).toISOString() : undefined,
          feedback: options.feedback as 'pass' | 'fail' | 'any' | 'none' | undefined,
        });
        const out = resolve(options.out);
        writeFileAtomic(out, toJsonl(records));
        if (context.json) printJson({ file: out, records: records.length });
        else process.stdout.write(`${out}: ${records.length} records\n`);
      }),
    );
}
