import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ChatMessage, ChatModel, GenerateOptions, JsonSchema } from '../../core/chat-model.js';
import { ConfigError } from '../../core/errors.js';
import { createModel } from '../../models/create-model.js';
import { commandContext } from '../context.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

interface ChatOptions {
  prompt?: string;
  system?: string;
  temperature?: string;
  maxTokens?: string;
  seed?: string;
  jsonSchema?: string;
  cache: boolean;
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('talk to a model: one-shot with -p, otherwise an interactive session')
    .argument(
      '[model]',
      'model reference, e.g. llama:smollm2-135m-instruct (default: defaultModel in tailor.yaml)',
    )
    .option('-p, --prompt <text>', 'ask once, print the answer and exit')
    .option('-s, --system <text>', 'system message')
    .option('-t, --temperature <number>', 'sampling temperature (0 = greedy)')
    .option('-n, --max-tokens <number>', 'maximum tokens to generate')
    .option('--seed <number>', 'seed for reproducible sampling')
    .option('--json-schema <file>', 'constrain the answer to JSON matching this schema file')
    .option('--no-cache', 'do not read or write the response cache')
    .action(async (modelReference: string | undefined, options: ChatOptions) => {
      const context = commandContext(program.opts());
      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      const model = await createModel(modelReference ?? context.config.defaultModel, {
        config: context.config,
        ...(context.workspace ? { store: context.workspace.store } : {}),
        onProgress: bar.onTransfer,
      });
      bar.done();
      const generateOptions = parseGenerateOptions(options);
      const system: ChatMessage[] = options.system ? [{ role: 'system', content: options.system }] : [];
      try {
        if (options.prompt !== undefined) {
          await oneShot(
            model,
            [...system, { role: 'user', content: options.prompt }],
            generateOptions,
            context.json,
          );
        } else {
          await interactive(model, system, generateOptions);
        }
      } finally {
        await model.close();
        context.close();
      }
    });
}

function parseGenerateOptions(options: ChatOptions): GenerateOptions {
  const number = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new ConfigError(`${flag} expects a number, got "${value}"`);
    return parsed;
  };
  let jsonSchema: JsonSchema | undefined;
  if (options.jsonSchema) {
    try {
      jsonSchema = JSON.parse(readFileSync(options.jsonSchema, 'utf8')) as JsonSchema;
    } catch (error) {
      throw new ConfigError(`--json-schema ${options.jsonSchema}: ${(error as Error).message}`);
    }
  }
  const generateOptions: GenerateOptions = { cache: options.cache };
  const temperature = number(options.temperature, '--temperature');
  const maxTokens = number(options.maxTokens, '--max-tokens');
  const seed = number(options.seed, '--seed');
  if (temperature !== undefined) generateOptions.temperature = temperature;
  if (maxTokens !== undefined) generateOptions.maxTokens = maxTokens;
  if (seed !== undefined) generateOptions.seed = seed;
  if (jsonSchema) generateOptions.jsonSchema = jsonSchema;
  return generateOptions;
}

async function oneShot(model: ChatModel, messages: ChatMessage[], options: GenerateOptions, json: boolean) {
  if (json) {
    printJson(await model.generate(messages, options));
    return;
  }
  for await (const event of model.stream(messages, options)) {
    if (event.type === 'text') process.stdout.write(event.text);
    else {
      process.stdout.write('\n');
      const { usage, latencyMs, finishReason, cached } = event.result;
      process.stderr.write(
        `[${model.id} · ${usage.inputTokens} in / ${usage.outputTokens} out · ${(latencyMs / 1000).toFixed(2)}s · ${finishReason}${cached ? ' · cached' : ''}]\n`,
      );
    }
  }
}

async function interactive(model: ChatModel, system: ChatMessage[], options: GenerateOptions) {
  const terminal = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  process.stdout.write(`Chatting with ${model.id}. /reset clears the conversation, /exit quits.\n`);
  let history: ChatMessage[] = [...system];
  terminal.prompt();
  try {
    // Iterating (rather than question()) buffers lines typed or piped while a reply is streaming.
    for await (const raw of terminal) {
      const line = raw.trim();
      if (line === '/exit' || line === '/quit') break;
      if (line === '/reset') history = [...system];
      else if (line.length > 0) {
        history.push({ role: 'user', content: line });
        let reply = '';
        for await (const event of model.stream(history, options)) {
          if (event.type === 'text') {
            reply += event.text;
            process.stdout.write(event.text);
          }
        }
        process.stdout.write('\n');
        history.push({ role: 'assistant', content: reply });
      }
      terminal.prompt();
    }
  } finally {
    terminal.close();
  }
}
