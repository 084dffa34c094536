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
    .object({ kind: z.literal('eval-run'), runId: z.string().min(1), failuresOnly: z.boolean().optional() })
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

// ---- errors --------------------------------------------------------------------------------------

/** Every error: a sentence for the person, and the field it is about where there is one. */
export const apiErrorSchema = z.object({
  error: z.object({ message: z.string(), field: z.string().optional() }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
