import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { JsonSchema } from '../spec/chat-model.js';
import { ConfigError } from '../spec/errors.js';

/**
 * The task: one definition that evaluation, data curation, training and RL all read. Paths are
 * relative to the tailor.yaml that holds them.
 */
const fieldMatchSchema = z.discriminatedUnion('match', [
  z.strictObject({ match: z.literal('exact') }),
  z.strictObject({ match: z.literal('numeric'), tolerance: z.number().min(0).default(0) }),
  z.strictObject({ match: z.literal('set') }),
  z.strictObject({ match: z.literal('token-overlap'), threshold: z.number().min(0).max(1).default(0.6) }),
]);

const common = {
  name: z.string().min(1),
  required: z.boolean().default(false),
  weight: z.number().min(0).default(1),
};

export const graderSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('json-schema'), schema: z.string().optional() }),
  z.strictObject({
    ...common,
    type: z.literal('exact'),
    value: z.string().optional(),
    path: z.string().optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('contains'),
    value: z.string(),
    ignoreCase: z.boolean().default(false),
  }),
  z.strictObject({ ...common, type: z.literal('regex'), pattern: z.string(), flags: z.string().default('') }),
  z.strictObject({
    ...common,
    type: z.literal('numeric'),
    path: z.string().optional(),
    value: z.number().optional(),
    tolerance: z.number().min(0).default(0),
  }),
  z.strictObject({
    ...common,
    type: z.literal('chrf'),
    path: z.string().optional(),
    threshold: z.number().min(0).max(1).default(0.5),
  }),
  z.strictObject({
    ...common,
    type: z.literal('function'),
    /** Path to a module, relative to tailor.yaml. */
    module: z.string(),
    export: z.string().default('default'),
  }),
  z.strictObject({
    ...common,
    type: z.literal('rouge-l'),
    path: z.string().optional(),
    threshold: z.number().min(0).max(1).default(0.5),
  }),
  z.strictObject({
    ...common,
    type: z.literal('field-match'),
    fields: z.record(z.string(), fieldMatchSchema),
    passThreshold: z.number().min(0).max(1).default(1),
  }),
  z.strictObject({
    ...common,
    type: z.literal('list-f1'),
    path: z.string(),
    key: z.array(z.string()).min(1),
    normalize: z.enum(['none', 'lowercase']).default('lowercase'),
    passThreshold: z.number().min(0).max(1).default(1),
  }),
  z.strictObject({
    ...common,
    type: z.literal('llm-rubric'),
    rubric: z.string(),
    scale: z.enum(['binary', '1-5']).default('1-5'),
    reference: z.string().optional(),
    model: z.string().optional(),
    /** Cap on the judge's reply (reasoning plus verdict). */
    maxTokens: z.int().positive().default(256),
    /** Ask the judge k times (seeds 0..k-1) and combine; the spread is recorded. */
    repeat: z.int().min(1).max(15).default(1),
    aggregate: z.enum(['mean', 'majority']).default('mean'),
    /** 1–5 scale: the verdict from which an output passes (4 when unset); `tailor align tune` calibrates it. */
    passAt: z.int().min(1).max(5).optional(),
    /** Expert-graded examples shown to the judge before the response (few-shot). */
    examples: z
      .array(
        z.strictObject({
          output: z.string(),
          verdict: z.union([z.int().min(1).max(5), z.enum(['pass', 'fail'])]),
          critique: z.string().optional(),
        }),
      )
      .optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('pairwise'),
    /** What "better" means; the judge compares the output with a baseline's (tailor eval --baseline). */
    rubric: z.string(),
    model: z.string().optional(),
    maxTokens: z.int().positive().default(256),
  }),
]);

export type GraderConfig = z.infer<typeof graderSchema>;

export const taskSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  system: z.string().optional(),
  /** Template with `{{variable}}` placeholders filled from each record's `input`. */
  prompt: z.string().min(1),
  /** JSON schema every record's `input` must match (checked when a dataset loads). */
  input: z.strictObject({ schema: z.string().optional() }).prefault({}),
  output: z
    .strictObject({ format: z.enum(['json', 'text']).default('text'), schema: z.string().optional() })
    .prefault({}),
  data: z.record(z.string(), z.string()).default({}),
  graders: z.array(graderSchema).min(1),
});

export interface Task extends Omit<z.infer<typeof taskSchema>, 'input' | 'output' | 'data'> {
  /** Folder of the tailor.yaml, against which relative paths resolve. */
  root: string;
  input: { schema: JsonSchema | undefined };
  output: { format: 'json' | 'text'; schema: JsonSchema | undefined; schemaPath: string | undefined };
  /** Split name → absolute dataset path. */
  data: Record<string, string>;
  /** The template variables the prompt uses. */
  variables: string[];
}

export function parseTask(raw: unknown, configFile: string): Task {
  if (raw === undefined) {
    throw new ConfigError(`${configFile} has no task: section`, {
      hint: 'See examples/clinical-notes/tailor.yaml.',
    });
  }
  const result = taskSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `task.${issue.path.join('.')}: ${issue.message.replace(/^Invalid input: /, '')}`,
    );
    throw new ConfigError(`Invalid task in ${configFile}:\n  ${problems.join('\n  ')}`);
  }
  const task = result.data;
  const root = dirname(resolve(configFile));
  const schemaPath = task.output.schema ? resolve(root, task.output.schema) : undefined;
  const schema = readSchema('task.output.schema', schemaPath);
  const inputSchema = readSchema(
    'task.input.schema',
    task.input.schema ? resolve(root, task.input.schema) : undefined,
  );
  const names = new Set<string>();
  for (const grader of task.graders) {
    if (names.has(grader.name)) throw new ConfigError(`task.graders: two graders are named "${grader.name}"`);
    names.add(grader.name);
  }
  return {
    ...task,
    root,
    input: { schema: inputSchema },
    output: { format: task.output.format, schema, schemaPath },
    data: Object.fromEntries(Object.entries(task.data).map(([split, path]) => [split, resolve(root, path)])),
    variables: templateVariables(task.prompt),
  };
}

function readSchema(field: string, path: string | undefined): JsonSchema | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${path}: ${(error as Error).message}`);
  }
}

export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1]!))];
}

/** Fill `{{variable}}` from the record's input; objects are inserted as JSON. */
export function renderTemplate(template: string, input: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    const value = valueAt(input, name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Read `a.b.c` from an object. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
