import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { findDuplicateKey } from '../../common/json-duplicate-keys.js';
import type { JsonSchema } from '../../core/chat-model.js';
import { GraderError, type SyncGrader } from './grader.js';

/** Output parses as JSON, repeats no key, and validates against the schema; the first errors are the reason. */
export function jsonSchemaGrader(schema: JsonSchema | undefined): SyncGrader {
  if (!schema) throw new GraderError('json-schema grader needs task.output.schema or its own schema');
  const validate = compileJsonSchema(schema);
  return ({ parsed, output }) => {
    if (parsed === undefined) return { score: 0, pass: false, reason: 'output is not valid JSON' };
    // JSON.parse keeps the last of two equal keys; the output still said two different things.
    const duplicate = findDuplicateKey(output);
    if (duplicate)
      return { score: 0, pass: false, reason: `key "${duplicate.key}" appears twice in ${duplicate.path}` };
    if (validate(parsed)) return { score: 1, pass: true, reason: 'valid against the schema' };
    return {
      score: 0,
      pass: false,
      reason: `schema violations: ${describeSchemaErrors(validate.errors)}`,
      details: { errors: validate.errors },
    };
  };
}

/** Compile a JSON schema with ajv; the `$schema` draft marker is dropped so any draft's files load. */
export function compileJsonSchema(schema: JsonSchema): ValidateFunction {
  const { $schema: _ignored, ...body } = schema;
  return new Ajv({ allErrors: true, strict: false }).compile(body);
}

/** Ajv's errors as short readable phrases: `/vitals/pulse must be integer`. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, limit = 3): string {
  return (errors ?? [])
    .slice(0, limit)
    .map((error) => `${error.instancePath || '/'} ${error.message}`)
    .join('; ');
}
