import type { Command } from 'commander';
import { registerDpoCommand } from './dpo.js';
import { registerGrpoCommand } from './grpo.js';
import { registerPairsCommand } from './pairs.js';
import { registerRunCommands } from './runs.js';
import { registerSftCommand } from './sft.js';

/** `tailor train`: one command per training method, DPO's pair builder, and the stored runs. */
export function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description('train specialists (LoRA on a local GGUF base) and inspect runs');
  registerSftCommand(program, train);
  registerDpoCommand(program, train);
  registerGrpoCommand(program, train);
  registerPairsCommand(program, train);
  registerRunCommands(program, train);
}
