import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { registerAlign } from './commands/align.js';
import { registerChat } from './commands/chat.js';
import { registerCompare } from './commands/compare.js';
import { registerData } from './commands/data.js';
import { registerEval } from './commands/eval.js';
import { registerInit } from './commands/init.js';
import { registerLabels } from './commands/labels.js';
import { registerLoop } from './commands/loop.js';
import { registerModels } from './commands/models.js';
import { registerRuns } from './commands/runs.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train/index.js';
import { registerUsers } from './commands/users.js';
import { reportError } from './output.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('tailor')
    .description('Build a specialist model that beats your incumbent LLM on your own task and evals.')
    .version(packageJson.version)
    .option('-w, --workspace <dir>', 'workspace folder (default: the current folder if it has tailor.yaml)')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError()
    .exitOverride();
  registerInit(program);
  registerModels(program);
  registerChat(program);
  registerEval(program);
  registerRuns(program);
  registerCompare(program);
  registerTrain(program);
  registerLabels(program);
  registerAlign(program);
  registerServe(program);
  registerData(program);
  registerUsers(program);
  registerLoop(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(error, program.opts<{ json?: boolean }>().json === true || argv.includes('--json'));
  } finally {
    await disposeLlamaRuntime();
  }
}
