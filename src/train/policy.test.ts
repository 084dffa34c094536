import { describe, expect, it } from 'vitest';
import type { GraderConfig } from '../core/task-config.js';
import { validationGraderNames } from './policy.js';

const grader = (name: string, type: string) => ({ name, type }) as unknown as GraderConfig;
const graders = [
  grader('schema', 'json-schema'),
  grader('fields', 'field-match'),
  grader('judge', 'llm-rubric'),
  grader('versus', 'pairwise'),
];

describe('the graders of a validation score', () => {
  it('are every grader that calls no model, unless named', () => {
    expect(validationGraderNames(graders, undefined)).toEqual(['schema', 'fields']);
    // An LLM judge is used when a user asks for it.
    expect(validationGraderNames(graders, ['fields', 'judge'])).toEqual(['fields', 'judge']);
  });

  it('refuse a pairwise grader and a task with nothing to score by', () => {
    expect(() => validationGraderNames(graders, ['versus'])).toThrow(/versus compare with a baseline/);
    expect(() => validationGraderNames([grader('judge', 'llm-rubric')], undefined)).toThrow(
      /every grader of the task calls a model/,
    );
  });
});
