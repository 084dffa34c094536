import { z } from 'zod';

/**
 * The structured summary of a clinical visit note: the task's output. The zod schema is the source;
 * `schema.json` beside the task is generated from it and is what constrained decoding and the
 * schema-validity grader use.
 *
 * Conventions the references follow (and the prompt states):
 * - vitals are normalised: temperature in °C (1 decimal), weight in kg (1 decimal); a vital the note
 *   does not give is null;
 * - medications are the ones the patient currently takes (discontinued or stopped ones excluded,
 *   medications newly prescribed today belong in the plan), with dose as "<amount> <unit>" and
 *   frequency in a fixed vocabulary;
 * - allergies: [] when the note says there are none (e.g. "NKDA"), null when it does not say.
 */
export const frequencies = [
  'once daily',
  'twice daily',
  'three times daily',
  'four times daily',
  'every 4 hours as needed',
  'every 6 hours as needed',
  'at bedtime',
  'as needed',
  'once weekly',
] as const;

export const medicationSchema = z.strictObject({
  name: z.string().min(1),
  dose: z.string().regex(/^\d+(\.\d+)? (mg|mcg|g|units|mL|puffs)$/),
  frequency: z.enum(frequencies),
});

export const summarySchema = z.strictObject({
  chief_complaint: z.string().min(1),
  vitals: z.strictObject({
    temp_c: z.number().nullable(),
    pulse: z.int().nullable(),
    bp: z
      .string()
      .regex(/^\d{2,3}\/\d{2,3}$/)
      .nullable(),
    resp_rate: z.int().nullable(),
    spo2: z.int().nullable(),
    weight_kg: z.number().nullable(),
  }),
  medications: z.array(medicationSchema),
  allergies: z.array(z.string().min(1)).nullable(),
  assessment: z.string().min(1),
  plan: z.string().min(1),
});

export type Summary = z.infer<typeof summarySchema>;
export type Medication = z.infer<typeof medicationSchema>;

/** JSON Schema for constrained decoding and for the schema-validity grader. */
export function summaryJsonSchema(): Record<string, unknown> {
  const nullable = (type: string) => ({ type: [type, 'null'] });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Clinical visit summary',
    type: 'object',
    additionalProperties: false,
    required: ['chief_complaint', 'vitals', 'medications', 'allergies', 'assessment', 'plan'],
    properties: {
      chief_complaint: { type: 'string', minLength: 1 },
      vitals: {
        type: 'object',
        additionalProperties: false,
        required: ['temp_c', 'pulse', 'bp', 'resp_rate', 'spo2', 'weight_kg'],
        properties: {
          temp_c: nullable('number'),
          pulse: nullable('integer'),
          bp: { type: ['string', 'null'], pattern: '^[0-9]{2,3}/[0-9]{2,3}$' },
          resp_rate: nullable('integer'),
          spo2: nullable('integer'),
          weight_kg: nullable('number'),
        },
      },
      medications: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'dose', 'frequency'],
          properties: {
            name: { type: 'string', minLength: 1 },
            dose: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)? (mg|mcg|g|units|mL|puffs)$' },
            frequency: { enum: [...frequencies] },
          },
        },
      },
      allergies: { type: ['array', 'null'], items: { type: 'string', minLength: 1 } },
      assessment: { type: 'string', minLength: 1 },
      plan: { type: 'string', minLength: 1 },
    },
  };
}
