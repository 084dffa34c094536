import { Ajv } from 'ajv';
import type { JsonSchema } from '../../spec/chat-model.js';
import { GraderError, type SyncGrader } from './grader.js';

/** Output parses as JSON and validates against the schema; the first errors are the reason. */
export function jsonSchemaGrader(schema: JsonSchema | undefined): SyncGrader {
  if (!schema) throw new GraderError('json-schema grader needs task.output.schema or its own schema');
  const { $schema: _ignored, ...body } = schema;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(body);
  return ({ parsed }) => {
    if (parsed === undefined) return { score: 0, pass: false, reason: 'output is not valid JSON' };
    if (validate(parsed)) return { score: 1, pass: true, reason: 'valid against the schema' };
    const errors = (validate.errors ?? [])
      .slice(0, 3)
      .map((error) => `${error.instancePath || '/'} ${error.message}`);
    return {
      score: 0,
      pass: false,
      reason: `schema violations: ${errors.join('; ')}`,
      details: { errors: validate.errors },
    };
  };
}
