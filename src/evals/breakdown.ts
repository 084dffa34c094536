import { bootstrapMean, type Estimate } from '../common/statistics.js';
import type { EvalRecord } from '../task/dataset.js';
import { valueAt } from '../task/template.js';
import type { ExampleResult } from './runner.js';

/**
 * Scores by group: the overall number hides a class the model never gets right. The group is a
 * field of each example's reference (`label`, `vitals.unit`) or, prefixed, of its input
 * (`input.department`); `reference.` may prefix a reference field too. Examples where the field is
 * missing form the group `(none)`; a list or object is grouped by its JSON.
 */
export interface GroupScore {
  group: string;
  examples: number;
  score: Estimate;
  passRate: number;
}

export function scoresByGroup(
  records: readonly EvalRecord[],
  results: readonly ExampleResult[],
  field: string,
): GroupScore[] {
  const byId = new Map(records.map((record) => [record.id, record]));
  const groups = new Map<string, ExampleResult[]>();
  for (const result of results) {
    const record = byId.get(result.exampleId);
    const group = groupName(record ? fieldValue(record, field) : undefined);
    const members = groups.get(group) ?? [];
    members.push(result);
    groups.set(group, members);
  }
  return [...groups]
    .map(([group, members]) => ({
      group,
      examples: members.length,
      score: bootstrapMean(members.map((member) => member.score)),
      passRate: members.filter((member) => member.pass).length / members.length,
    }))
    .sort((a, b) => b.examples - a.examples || a.group.localeCompare(b.group));
}

function fieldValue(record: EvalRecord, field: string): unknown {
  if (field.startsWith('input.')) return valueAt(record.input, field.slice('input.'.length));
  const path = field.startsWith('reference.') ? field.slice('reference.'.length) : field;
  return valueAt(record.reference, path);
}

function groupName(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
