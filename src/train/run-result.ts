import { z } from 'zod';

/**
 * What a training run's record holds as its result (`training_runs.result_json`): `trainSpecialist`
 * writes it when the run ends, and `tailor train list` reads it back. A finished run holds the loop's
 * result, the consistency check and the specialist it registered; a failed one its error.
 */
const trainingSchema = z.object({
  steps: z.number(),
  /** Checkpoint folder of the registered adapter. */
  adapterDirectory: z.string(),
  /** Losses, or scores for a run that validates by score (GRPO, SFT with selectBy: score); null when it was not a number. */
  bestValidationLoss: z.number().nullable().optional(),
  firstValidationLoss: z.number().nullable().optional(),
  /** Absent from results written before SFT could validate by score: then the method's own metric. */
  validationMetric: z.enum(['loss', 'score']).optional(),
  stoppedEarly: z.boolean(),
});

const consistencySchema = z.object({
  positions: z.number(),
  base: z.object({ maxDifference: z.number(), meanDifference: z.number() }),
  adapted: z.object({ maxDifference: z.number(), meanDifference: z.number() }),
  /** Absent from results written before the effect was measured. */
  effect: z.object({ meanSize: z.number(), meanError: z.number() }).optional(),
  tolerance: z.number(),
  passed: z.boolean(),
});

const finishedSchema = z.object({
  training: trainingSchema,
  consistency: consistencySchema,
  /** `<name> v<version>`. */
  specialist: z.string(),
});
export type TrainingRunResult = z.infer<typeof finishedSchema>;

const failedSchema = z.object({ error: z.string() });
export type FailedTrainingRunResult = z.infer<typeof failedSchema>;

/** A stored result as read back: each part that holds what the schema says, else undefined. */
export type StoredTrainingRunResult = Partial<TrainingRunResult & FailedTrainingRunResult>;

/**
 * A stored result, typed part by part, so a record with one odd part (an older Tailor's consistency
 * report, say) still shows its steps: fields beyond the schema's are dropped, not refused. A running
 * run's result is null: every part is undefined.
 */
export function readTrainingRunResult(result: unknown): StoredTrainingRunResult {
  const stored = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  const part = <Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> | undefined => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  return {
    training: part(trainingSchema, stored.training),
    consistency: part(consistencySchema, stored.consistency),
    specialist: part(finishedSchema.shape.specialist, stored.specialist),
    error: part(failedSchema.shape.error, stored.error),
  };
}
