import type { JsonSchema } from '../../core/chat-model.js';

/**
 * A task's JSON Schema in the form node-llama-cpp's grammar builder reads correctly. Its builder
 * takes a `type` list of primitive types (`["number", "null"]`) but, given a list with `array` or
 * `object` in it, keeps only the primitive part: `{"type": ["array", "null"], "items": …}` becomes a
 * grammar that admits only `null`, so every constrained model wrote `"allergies": null` (measured on
 * the clinical-notes specialist, 2026-12-02: 91.5% of test outputs wrong on that field, the same
 * model without the grammar right). Such a list is rewritten as a `oneOf` of one schema per type,
 * each with the keywords of its own type; `anyOf` (the same language for a grammar) becomes `oneOf`.
 * Validation is unaffected: graders validate against the task's schema as written.
 */
export function forLlamaGrammar(schema: JsonSchema): JsonSchema {
  return rewrite(schema) as JsonSchema;
}

const keywordsOf: Record<string, readonly string[]> = {
  array: ['items', 'prefixItems', 'minItems', 'maxItems'],
  object: ['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'],
  string: ['minLength', 'maxLength', 'format', 'pattern'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  boolean: [],
  null: [],
};
const typeKeywords = new Set(Object.values(keywordsOf).flat());

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (value === null || typeof value !== 'object') return value;
  const schema = Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, child]) => [key, rewriteChild(key, child)]),
  );
  if ('anyOf' in schema && !('oneOf' in schema)) {
    schema.oneOf = schema.anyOf;
    delete schema.anyOf;
  }
  const { type } = schema;
  if (!Array.isArray(type) || !type.some((entry) => entry === 'array' || entry === 'object')) return schema;
  const shared = Object.fromEntries(
    Object.entries(schema).filter(([key]) => key !== 'type' && !typeKeywords.has(key)),
  );
  return {
    ...shared,
    oneOf: (type as string[]).map((entry) => ({
      type: entry,
      ...Object.fromEntries(
        (keywordsOf[entry] ?? []).filter((key) => key in schema).map((key) => [key, schema[key]]),
      ),
    })),
  };
}

/** Children that are schemas (or maps or lists of them) are rewritten; other keywords stay as they are. */
function rewriteChild(key: string, child: unknown): unknown {
  if (key === 'properties' || key === '$defs' || key === 'definitions')
    return child && typeof child === 'object'
      ? Object.fromEntries(
          Object.entries(child as Record<string, unknown>).map(([name, entry]) => [name, rewrite(entry)]),
        )
      : child;
  if (['items', 'prefixItems', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'not'].includes(key))
    return rewrite(child);
  return child;
}
