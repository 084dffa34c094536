import type { ChatModel } from '../../core/chat-model.js';
import { ConfigError } from '../../core/errors.js';
import type { GraderConfig } from '../../core/task-config.js';
import type { Task, TrainedJudgeFor } from '../task.js';
import { fieldMatchGrader } from './field-match.js';
import { functionGrader } from './function.js';
import type { Grader } from './grader.js';
import { jsonSchemaGrader } from './json-schema.js';
import { listF1Grader } from './list-f1.js';
import { llmRubricGrader } from './llm-rubric.js';
import { pairwiseGrader } from './pairwise.js';
import { setF1Grader } from './set-f1.js';
import { containsGrader, exactGrader, regexGrader } from './text-match.js';
import { chrFGrader, numericGrader, rougeLGrader } from './text-similarity.js';
import { trainedJudgeGrader } from './trained-judge.js';

export type { Grade, GradeContext, Grader } from './grader.js';
export { GraderError, inputText, parseJson } from './grader.js';

/**
 * Build a grader from its config; LLM judges get their model from `judgeFor`, trained judges their
 * scorer from `trainedJudgeFor`.
 */
export async function createGrader(
  config: GraderConfig,
  task: Task,
  judgeFor: (reference: string | undefined) => Promise<ChatModel>,
  trainedJudgeFor?: TrainedJudgeFor,
): Promise<Grader> {
  switch (config.type) {
    case 'json-schema': {
      if (!config.schema) return jsonSchemaGrader(task.output.schema);
      const { readFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      const path = resolve(task.root, config.schema);
      let schema: unknown;
      try {
        schema = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new ConfigError(
          `grader "${config.name}": cannot read its schema ${path}: ${(error as Error).message}`,
        );
      }
      return jsonSchemaGrader(schema as Parameters<typeof jsonSchemaGrader>[0]);
    }
    case 'exact':
      return exactGrader(config.value, config.path);
    case 'contains':
      return containsGrader(config.value, config.ignoreCase);
    case 'regex':
      return regexGrader(config.pattern, config.flags);
    case 'numeric':
      return numericGrader(config.path, config.value, config.tolerance);
    case 'rouge-l':
      return rougeLGrader(config.path, config.threshold);
    case 'chrf':
      return chrFGrader(config.path, config.threshold);
    case 'function': {
      const { resolve } = await import('node:path');
      return functionGrader(resolve(task.root, config.module), config.export);
    }
    case 'field-match':
      return fieldMatchGrader(config.fields, config.passThreshold);
    case 'list-f1':
      return listF1Grader(config.path, config.key, config.normalize, config.passThreshold);
    case 'set-f1':
      return setF1Grader(config.path, config.normalize, config.average, config.passThreshold);
    case 'llm-rubric':
      return llmRubricGrader(await judgeFor(config.model), {
        rubric: config.rubric,
        scale: config.scale,
        reference: config.reference,
        maxTokens: config.maxTokens,
        repeat: config.repeat,
        aggregate: config.aggregate,
        passAt: config.passAt,
        examples: config.examples,
      });
    case 'trained-judge': {
      if (!trainedJudgeFor)
        throw new ConfigError(`grader "${config.name}" is a trained judge, which this step cannot run`);
      return trainedJudgeGrader(await trainedJudgeFor(config.judge, config.version), config.passAt);
    }
    case 'pairwise':
      return pairwiseGrader(await judgeFor(config.model), {
        rubric: config.rubric,
        maxTokens: config.maxTokens,
      });
  }
}
