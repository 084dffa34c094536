import { z } from 'zod';

/**
 * The web app's JSON API under /api/: every request body the server accepts and every response it
 * sends, as zod schemas. The server validates requests with these; the app in web/ imports the same
 * module, so the two cannot drift apart. Only zod here: this file is bundled into the browser.
 */

export const roles = ['admin', 'annotator', 'viewer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const userSchema = z.object({
  name: z.string(),
  role: roleSchema,
  /** False until the person has set a password through their invite link. */
  active: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

/** A person's name: what labels record as the annotator. */
export const userNameSchema = z
  .string()
  .trim()
  .min(1, 'a name is required')
  .max(64, 'at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]*$/,
    'letters, digits and . _ @ - only, starting with a letter or digit',
  );

export const passwordSchema = z.string().min(8, 'at least 8 characters').max(200, 'at most 200 characters');

// ---- session -------------------------------------------------------------------------------------

export const signInRequest = z.object({ name: z.string().min(1), password: z.string().min(1) }).strict();
export const acceptInviteRequest = z.object({ token: z.string().min(1), password: passwordSchema }).strict();

/** The signed-in person and the token every state-changing request sends back as X-CSRF-Token. */
export const sessionResponse = z.object({ user: userSchema, csrfToken: z.string() });
export type SessionResponse = z.infer<typeof sessionResponse>;

// ---- people (admin) --------------------------------------------------------------------------------

export const createUserRequest = z.object({ name: userNameSchema, role: roleSchema }).strict();
/** The invite link is shown once: only its hash is stored. */
export const inviteResponse = z.object({ user: userSchema, inviteUrl: z.string(), expiresAt: z.string() });
export const usersResponse = z.object({ users: z.array(userSchema) });

// ---- queues --------------------------------------------------------------------------------------

export const queueSourceSchema = z.discriminatedUnion('kind', [
  /** The outputs of an eval run; `failures` keeps only outputs that failed a grader. */
  z
    .object({
      kind: z.literal('eval-run'),
      runId: z.string().min(1),
      failuresOnly: z.boolean().optional(),
      /** With failuresOnly: only the outputs this grader failed (the items a judge flags). */
      grader: z.string().min(1).optional(),
    })
    .strict(),
  /** A dataset version's records (their reference is the output to judge). */
  z.object({ kind: z.literal('dataset'), datasetId: z.string().min(1) }).strict(),
  /** Captured serving traffic with a 200 answer, newest first. */
  z.object({ kind: z.literal('traffic'), model: z.string().min(1).optional() }).strict(),
]);
export type QueueSource = z.infer<typeof queueSourceSchema>;

export const createQueueRequest = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(120),
    source: queueSourceSchema,
    /** Annotators (user names) who label this queue. */
    annotators: z.array(userNameSchema).min(1, 'assign at least one annotator'),
    /** How many annotators label each item (1 = split the items; 2+ = overlap for agreement). */
    overlap: z.number().int().min(1),
    /** At most this many items (the source's first ones). */
    limit: z.number().int().min(1).max(10000).optional(),
    instructions: z.string().max(4000).optional(),
  })
  .strict();
export type CreateQueueRequest = z.infer<typeof createQueueRequest>;

export const annotatorProgressSchema = z.object({
  annotator: z.string(),
  assigned: z.number(),
  labelled: z.number(),
});

export const queueSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  source: queueSourceSchema,
  overlap: z.number(),
  instructions: z.string(),
  items: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  annotators: z.array(annotatorProgressSchema),
  /** Labels given / labels asked for (items × overlap). */
  labelled: z.number(),
  required: z.number(),
});
export type QueueSummary = z.infer<typeof queueSummarySchema>;
export const queuesResponse = z.object({ queues: z.array(queueSummarySchema) });

/** Agreement among the queue's annotators so far; null where too few items have two labels. */
export const agreementSchema = z.object({
  /** Items labelled by at least two annotators. */
  overlappingItems: z.number(),
  alphaPass: z.number().nullable(),
  alphaScore: z.number().nullable(),
  pairwiseKappa: z.array(
    z.object({ a: z.string(), b: z.string(), items: z.number(), kappa: z.number().nullable() }),
  ),
});
export type Agreement = z.infer<typeof agreementSchema>;
export const queueDetailResponse = z.object({ queue: queueSummarySchema, agreement: agreementSchema });

export const gradeSchema = z.object({
  grader: z.string(),
  score: z.number().nullable(),
  pass: z.boolean().nullable(),
  reason: z.string(),
});

export const labelSchema = z.object({
  pass: z.boolean().nullable(),
  score: z.number().int().min(1).max(5).nullable(),
  critique: z.string(),
  tags: z.array(z.string()),
  labelledAt: z.string(),
});
export type ItemLabel = z.infer<typeof labelSchema>;

/** One item as an annotator sees it. `input`, `output` and `reference` are shown as given. */
export const queueItemSchema = z.object({
  itemId: z.string(),
  exampleId: z.string(),
  position: z.number(),
  input: z.unknown(),
  output: z.string(),
  reference: z.unknown().nullable(),
  grades: z.array(gradeSchema),
  /** This annotator's label, when they have given one. */
  label: labelSchema.nullable(),
});
export type QueueItem = z.infer<typeof queueItemSchema>;

/** The next item the annotator has not labelled or skipped (null: the queue is done for them). */
export const nextItemResponse = z.object({
  item: queueItemSchema.nullable(),
  remaining: z.number(),
  labelled: z.number(),
  assigned: z.number(),
});
export type NextItemResponse = z.infer<typeof nextItemResponse>;

export const tagSchema = z.string().trim().min(1).max(40);
export const submitLabelRequest = z
  .object({
    pass: z.boolean().nullable(),
    score: z.number().int().min(1).max(5).nullable(),
    critique: z.string().max(4000).default(''),
    tags: z.array(tagSchema).max(20).default([]),
  })
  .strict()
  .refine((label) => label.pass !== null || label.score !== null, {
    message: 'give a pass/fail verdict or a 1–5 score',
  });
export type SubmitLabelRequest = z.input<typeof submitLabelRequest>;

/** Undo: the annotator's most recent label in this queue is removed; its item comes back. */
export const undoResponse = z.object({ itemId: z.string().nullable() });

// ---- runs ----------------------------------------------------------------------------------------

export const graderSummarySchema = z.object({
  grader: z.string(),
  mean: z.number().nullable(),
  passRate: z.number().nullable(),
});
export const evalRunSummarySchema = z.object({
  id: z.string(),
  model: z.string(),
  dataset: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  examples: z.number(),
  graders: z.array(graderSummarySchema),
});
export type EvalRunSummary = z.infer<typeof evalRunSummarySchema>;
export const evalRunsResponse = z.object({ runs: z.array(evalRunSummarySchema) });

export const evalResultSchema = z.object({
  exampleId: z.string(),
  output: z.string(),
  grades: z.array(gradeSchema),
  /** True when every grader that ran passed. */
  pass: z.boolean(),
  latencyMs: z.number(),
});
export type EvalResultView = z.infer<typeof evalResultSchema>;
/** GET /api/runs/:id?grader=<name>&failures=1 filters to results that failed that grader (or any). */
export const evalRunDetailResponse = z.object({
  run: evalRunSummarySchema,
  results: z.array(evalResultSchema),
});

// ---- compare two eval runs -----------------------------------------------------------------------

/** A mean with its 95% CI; null where there was nothing to estimate from. */
export const estimateSchema = z.object({
  mean: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
});
export type EstimateView = z.infer<typeof estimateSchema>;

export const pairedExampleSchema = z.object({
  exampleId: z.string(),
  scoreA: z.number(),
  scoreB: z.number(),
  passA: z.boolean(),
  passB: z.boolean(),
});
export type PairedExampleView = z.infer<typeof pairedExampleSchema>;

/**
 * GET /api/compare?a=<run>&b=<run>: the paired comparison `tailor compare A B` prints, over the
 * examples both runs scored (B − A: a positive difference means B scored higher).
 */
export const compareResponse = z.object({
  a: evalRunSummarySchema,
  b: evalRunSummarySchema,
  examples: z.number(),
  difference: estimateSchema,
  /** Examples where B scored higher / lower / the same. */
  wins: z.number(),
  losses: z.number(),
  ties: z.number(),
  signTestP: z.number(),
  mcnemarP: z.number(),
  /** Examples A passed and B failed. */
  regressions: z.array(z.string()),
  pairs: z.array(pairedExampleSchema),
});
export type CompareResponse = z.infer<typeof compareResponse>;

// ---- training runs -------------------------------------------------------------------------------

/** `interrupted`: the store says running, but the process that ran it is gone (resumable). */
export const trainingStatusSchema = z.enum(['running', 'finished', 'failed', 'interrupted']);
export type TrainingStatus = z.infer<typeof trainingStatusSchema>;

export const trainingRunSummarySchema = z.object({
  id: z.string(),
  method: z.string(),
  base: z.string(),
  status: trainingStatusSchema,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Steps trained: the result's for a finished run, else the latest step in its metrics so far. */
  steps: z.number().nullable(),
  /** What validation measures: a loss (lower is better) or a graded score (higher is better). */
  validationMetric: z.enum(['loss', 'score']),
  bestValidation: z.number().nullable(),
  /** `<name> v<version>` of the specialist the run registered. */
  specialist: z.string().nullable(),
});
export type TrainingRunSummary = z.infer<typeof trainingRunSummarySchema>;
export const trainingRunsResponse = z.object({ runs: z.array(trainingRunSummarySchema) });

export const pointSchema = z.object({ step: z.number(), value: z.number() });
export type Point = z.infer<typeof pointSchema>;

export const consistencyViewSchema = z.object({
  passed: z.boolean(),
  /** Tokens compared. */
  positions: z.number(),
  /** Mean |Δ log p| between llama.cpp and the worker on the base model (the floor), and adapted. */
  baseMeanDifference: z.number(),
  adaptedMeanDifference: z.number(),
  tolerance: z.number(),
  /** The adapter's mean per-token effect and how far llama.cpp's differs; null in older results. */
  effectMeanSize: z.number().nullable(),
  effectMeanError: z.number().nullable(),
});
export type ConsistencyView = z.infer<typeof consistencyViewSchema>;

/** GET /api/training/:id: one run, with the curves of its metrics.jsonl (empty where it has none). */
export const trainingRunDetailResponse = z.object({
  run: trainingRunSummarySchema,
  runDirectory: z.string(),
  /** The method's config, flattened to `key` / value text (`lora.rank`: `16`). */
  config: z.array(z.object({ key: z.string(), value: z.string() })),
  /** Why a failed run failed. */
  error: z.string().nullable(),
  /** Training loss per step. */
  loss: z.array(pointSchema),
  learningRate: z.array(pointSchema),
  /** Validation value per evaluation step (loss or score, as `run.validationMetric` says). */
  validation: z.array(pointSchema),
  /** GRPO: the mean reward per step, and each reward grader's mean; null for other methods. */
  reward: z
    .object({
      mean: z.array(pointSchema),
      graders: z.array(z.object({ grader: z.string(), points: z.array(pointSchema) })),
    })
    .nullable(),
  /** GRPO with a held-out monitor grader: its mean per step and the steps flagged as reward hacking. */
  monitor: z
    .object({
      grader: z.string().nullable(),
      points: z.array(pointSchema),
      flaggedSteps: z.array(z.number()),
    })
    .nullable(),
  /** The llama.cpp consistency check, once the run has finished. */
  consistency: consistencyViewSchema.nullable(),
  /** The latest training step's throughput and elapsed time. */
  progress: z.object({
    step: z.number(),
    elapsedSeconds: z.number().nullable(),
    tokensPerSecond: z.number().nullable(),
  }),
});
export type TrainingRunDetail = z.infer<typeof trainingRunDetailResponse>;

// ---- judges --------------------------------------------------------------------------------------

export const judgeKindSchema = z.enum(['rubric', 'tuned', 'trained']);
export const judgeVersionViewSchema = z.object({
  name: z.string(),
  version: z.number(),
  /** rubric: stored as given (tuning kept the untuned one); tuned: a rubric tuning improved; trained: a probe. */
  kind: judgeKindSchema,
  parentVersion: z.number().nullable(),
  /** Cohen's κ against the experts on the held-out test items, with its 95% CI, where recorded. */
  kappa: estimateSchema.nullable(),
  /** For a tuned rubric: the untuned judge's κ on the same test items. */
  untunedKappa: z.number().nullable(),
  testItems: z.number().nullable(),
  /** The winning candidate of a tuning, or the base model of a trained probe. */
  detail: z.string(),
  createdAt: z.string(),
});
export type JudgeVersionView = z.infer<typeof judgeVersionViewSchema>;
export const judgesResponse = z.object({ judges: z.array(judgeVersionViewSchema) });

// ---- traffic -------------------------------------------------------------------------------------

/** GET /api/traffic?model=&limit= (limit 1–1000, default 100). */
export const trafficQuery = z.object({
  model: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const trafficItemSchema = z.object({
  id: z.string(),
  model: z.string(),
  status: z.number(),
  latencyMs: z.number(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  createdAt: z.string(),
  /** The last user message, clipped (as captured: redacted fields stay redacted). */
  preview: z.string(),
  /** The latest feedback on the served answer. */
  feedback: z
    .object({ pass: z.boolean().nullable(), score: z.number().nullable(), annotator: z.string() })
    .nullable(),
});
export type TrafficItem = z.infer<typeof trafficItemSchema>;
export const trafficResponse = z.object({
  traffic: z.array(trafficItemSchema),
  /** Every model with captured traffic, for the filter. */
  models: z.array(z.string()),
});

// ---- errors --------------------------------------------------------------------------------------

/** Every error: a sentence for the person, and the field it is about where there is one. */
export const apiErrorSchema = z.object({
  error: z.object({ message: z.string(), field: z.string().optional() }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
