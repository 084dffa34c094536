import { describe, expect, it } from 'vitest';
import { forLlamaGrammar } from './llama-json-schema.js';

describe("schemas for node-llama-cpp's grammar builder", () => {
  it('rewrites a type list with array or object in it as oneOf, each with its own keywords', () => {
    const schema = {
      type: 'object',
      properties: {
        allergies: { type: ['array', 'null'], items: { type: 'string', minLength: 1 }, description: 'drugs' },
        temp_c: { type: ['number', 'null'], minimum: 30 },
        vitals: {
          type: ['object', 'null'],
          properties: { bp: { type: ['array', 'null'], items: { type: 'integer' } } },
        },
      },
      required: ['allergies'],
    };
    expect(forLlamaGrammar(schema)).toEqual({
      type: 'object',
      properties: {
        allergies: {
          description: 'drugs',
          oneOf: [{ type: 'array', items: { type: 'string', minLength: 1 } }, { type: 'null' }],
        },
        // A list of primitive types is what the builder already reads: left as it is.
        temp_c: { type: ['number', 'null'], minimum: 30 },
        vitals: {
          oneOf: [
            {
              type: 'object',
              properties: {
                bp: { oneOf: [{ type: 'array', items: { type: 'integer' } }, { type: 'null' }] },
              },
            },
            { type: 'null' },
          ],
        },
      },
      required: ['allergies'],
    });
  });

  it('reads anyOf as oneOf (the same language for a grammar) and leaves other schemas alone', () => {
    expect(forLlamaGrammar({ anyOf: [{ type: 'string' }, { type: ['array', 'null'], items: {} }] })).toEqual({
      oneOf: [{ type: 'string' }, { oneOf: [{ type: 'array', items: {} }, { type: 'null' }] }],
    });
    const plain = {
      type: 'object',
      properties: { a: { type: 'string', enum: ['x', 'y'] } },
      required: ['a'],
    };
    expect(forLlamaGrammar(plain)).toEqual(plain);
  });
});
