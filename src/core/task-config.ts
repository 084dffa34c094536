import { z } from 'zod';

/**
 * The `task:` section of tailor.yaml: one definition that evaluation, data curation, training and RL
 * all read. Paths are relative to the tailor.yaml that holds them. Resolved into a `Task` by
 * `src/task/` (schemas read, paths made absolute).
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
  z
    .strictObject({ ...common, type: z.literal('regex'), pattern: z.string(), flags: z.string().default('') })
    .superRefine((grader, context) => {
      // Compiled here so that a bad pattern is a config error with its line, naming its grader.
      try {
        new RegExp(grader.pattern, grader.flags);
      } catch (error) {
        context.addIssue({
          code: 'custom',
          path: ['pattern'],
          message: `grader "${grader.name}": invalid regex: ${(error as Error).message}`,
        });
      }
    }),
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
    type: z.literal('set-f1'),
    /** Where the object of lists sits in output and reference; the whole value when unset. */
    path: z.string().optional(),
    normalize: z.enum(['none', 'lowercase']).default('lowercase'),
    /** `micro` pools every (key, value) pair; `macro` averages the per-key F1. */
    average: z.enum(['micro', 'macro']).default('micro'),
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
    type: z.literal('trained-judge'),
    /** A judge trained on expert labels (`tailor align train <judge>`), by name. */
    judge: z.string().min(1),
    /** Its version (default: the latest). */
    version: z.int().positive().optional(),
    /** The probability that the experts would pass an output, from which it passes. */
    passAt: z.number().min(0).max(1).default(0.5),
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
  graders: z
    .array(graderSchema)
    .min(1)
    .superRefine((graders, context) => {
      const seen = new Set<string>();
      for (const [index, grader] of graders.entries()) {
        if (seen.has(grader.name))
          context.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `two graders are named "${grader.name}"`,
          });
        seen.add(grader.name);
      }
    }),
});

export type TaskConfig = z.infer<typeof taskSchema>;
