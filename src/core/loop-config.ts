import { z } from 'zod';

/**
 * The `loop:` section of tailor.yaml: what `tailor loop run` retrains, from which traffic, and the gate
 * a candidate must pass before it becomes `<specialist>@prod`. See src/loop/ and docs/cli.md.
 */
export const loopSchema = z.strictObject({
  /** The specialist the loop trains new versions of and promotes (`<specialist>@prod`). */
  specialist: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "letters, digits, '.', '_' or '-'"),
  /** The base model to train on (default: the prod version's base, else defaultModel). */
  base: z.string().optional(),
  /** Whose captured traffic to learn from: the model name clients sent (default: every model). */
  traffic: z.string().optional(),
  /** When an iteration runs: this many new traffic records, or this many new feedback labels. */
  trigger: z
    .strictObject({
      traffic: z.int().positive().default(100),
      feedback: z.int().positive().optional(),
    })
    .prefault({}),
  data: z
    .strictObject({
      /**
       * Graders that curate the traffic's answers: those that need no reference (a schema check, a
       * trained judge). An answer is kept when every one passes; an expert's correction always is.
       */
      graders: z.array(z.string()).default([]),
      /** Also train on the task's train split (its references), beside the curated traffic. */
      includeTrain: z.boolean().default(true),
    })
    .prefault({}),
  /** Overrides of `train.sft` for the loop's retraining (e.g. `{maxSteps: 200}`). */
  train: z.record(z.string(), z.unknown()).default({}),
  gate: z
    .strictObject({
      /** The pinned eval set: a split of the task, never trained on. */
      split: z.string().default('validation'),
      /** Only its first n examples (a faster gate; the same n every iteration). */
      limit: z.int().positive().optional(),
      /** Graders of the comparison (default: every grader that needs no judge model). */
      graders: z.array(z.string()).optional(),
      /**
       * The lower end of the 95% CI of (candidate − prod) must reach this: 0 = shown no worse,
       * 0.01 = shown better by a point, −0.01 = at most a point worse.
       */
      minDifference: z.number().min(-1).max(1).default(0),
      /** A JSONL of examples that must never regress: on each, the candidate scores at least prod's. */
      anchors: z.string().optional(),
      /** Graders the candidate may not fail on an example where prod passes them (safety checks). */
      safety: z.array(z.string()).default([]),
      /** Generation cap for the gate's evals. */
      maxTokens: z.int().positive().default(400),
    })
    .prefault({}),
});

export type LoopConfig = z.infer<typeof loopSchema>;
