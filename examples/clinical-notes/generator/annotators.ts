import type { Random } from './random.js';
import { type Summary, summarySchema } from './schema.js';

/**
 * Three simulated domain experts who label outputs against the note's reference. They share one
 * reading of what is wrong (`findIssues`) but weigh it differently, as real reviewers do:
 *
 * - `dr-okafor` (physician, strict on dosing): any dose or frequency error fails the output.
 * - `dr-lindqvist` (physician, lenient on phrasing): accepts a chief complaint or assessment worded
 *   differently when the key words are there, and one minor slip.
 * - `rn-garcia` (nurse reviewer, balanced): fails any critical or major issue.
 *
 * On borderline outputs (exactly one non-critical issue) each annotator flips their verdict with a
 * small seeded probability, so inter-annotator agreement is high but below 1, as in real life.
 */
export type Severity = 'critical' | 'major' | 'minor';

export interface Issue {
  severity: Severity;
  kind:
    | 'unparsable'
    | 'schema'
    | 'hallucinated-medication'
    | 'missing-medication'
    | 'wrong-dose'
    | 'wrong-frequency'
    | 'missed-allergy'
    | 'extra-allergy'
    | 'vitals'
    | 'assessment'
    | 'chief-complaint'
    | 'plan';
  detail: string;
}

export interface Label {
  annotator: string;
  pass: boolean;
  score: number;
  critique: string;
}

const words = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .replace(/[^a-z0-9 ]/g, ' ')
      .split(/\s+/)
      .filter((word) => word.length > 2 && !['for', 'the', 'and', 'with'].includes(word)),
  );

function overlap(a: string, b: string): number {
  const left = words(a);
  const right = words(b);
  if (right.size === 0) return left.size === 0 ? 1 : 0;
  let shared = 0;
  for (const word of right) if (left.has(word)) shared++;
  return shared / right.size;
}

export function findIssues(output: string, reference: Summary): Issue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return [{ severity: 'critical', kind: 'unparsable', detail: 'output is not valid JSON' }];
  }
  const checked = summarySchema.safeParse(parsed);
  if (!checked.success) {
    const path = checked.error.issues[0]?.path.join('.') || 'output';
    return [{ severity: 'critical', kind: 'schema', detail: `does not match the schema at ${path}` }];
  }
  const summary = checked.data;
  const issues: Issue[] = [];
  const expected = new Map(
    reference.medications.map((medication) => [medication.name.toLowerCase(), medication]),
  );
  const actual = new Map(
    summary.medications.map((medication) => [medication.name.toLowerCase(), medication]),
  );
  for (const [name, medication] of actual) {
    const truth = expected.get(name);
    if (!truth) {
      issues.push({
        severity: 'critical',
        kind: 'hallucinated-medication',
        detail: `lists ${medication.name}, which the patient is not taking`,
      });
      continue;
    }
    if (truth.dose !== medication.dose) {
      issues.push({
        severity: 'critical',
        kind: 'wrong-dose',
        detail: `${name} dose ${medication.dose}, note says ${truth.dose}`,
      });
    }
    if (truth.frequency !== medication.frequency) {
      issues.push({
        severity: 'major',
        kind: 'wrong-frequency',
        detail: `${name} ${medication.frequency}, note says ${truth.frequency}`,
      });
    }
  }
  for (const name of expected.keys()) {
    if (!actual.has(name))
      issues.push({ severity: 'major', kind: 'missing-medication', detail: `omits ${name}` });
  }
  const expectedAllergies = new Set((reference.allergies ?? []).map((allergy) => allergy.toLowerCase()));
  const actualAllergies = new Set((summary.allergies ?? []).map((allergy) => allergy.toLowerCase()));
  for (const allergy of expectedAllergies) {
    if (!actualAllergies.has(allergy))
      issues.push({ severity: 'critical', kind: 'missed-allergy', detail: `misses the ${allergy} allergy` });
  }
  for (const allergy of actualAllergies) {
    if (!expectedAllergies.has(allergy))
      issues.push({ severity: 'major', kind: 'extra-allergy', detail: `adds a ${allergy} allergy` });
  }
  if (
    (reference.allergies === null) !== (summary.allergies === null) &&
    expectedAllergies.size === 0 &&
    actualAllergies.size === 0
  ) {
    issues.push({
      severity: 'minor',
      kind: 'extra-allergy',
      detail:
        reference.allergies === null
          ? 'claims no allergies where the note is silent'
          : 'allergy status left unknown though the note says none',
    });
  }
  const vitalMismatches = (Object.keys(reference.vitals) as (keyof Summary['vitals'])[]).filter((key) => {
    const truth = reference.vitals[key];
    const value = summary.vitals[key];
    if (truth === null || value === null) return truth !== value;
    return typeof truth === 'number' ? Math.abs(truth - (value as number)) > 0.15 : truth !== value;
  });
  if (vitalMismatches.length > 0) {
    issues.push({
      severity: vitalMismatches.length >= 2 ? 'major' : 'minor',
      kind: 'vitals',
      detail: `vitals wrong or missing: ${vitalMismatches.join(', ')}`,
    });
  }
  const assessmentOverlap = overlap(summary.assessment, reference.assessment);
  if (assessmentOverlap < 1) {
    issues.push({
      severity: assessmentOverlap < 0.5 ? 'major' : 'minor',
      kind: 'assessment',
      detail: `assessment "${summary.assessment}" vs "${reference.assessment}"`,
    });
  }
  const complaintOverlap = overlap(summary.chief_complaint, reference.chief_complaint);
  if (complaintOverlap < 1) {
    issues.push({
      severity: 'minor',
      kind: 'chief-complaint',
      detail: `chief complaint "${summary.chief_complaint}"`,
    });
  }
  if (overlap(summary.plan, reference.plan) < 0.25) {
    issues.push({ severity: 'major', kind: 'plan', detail: 'plan does not reflect the note' });
  }
  return issues;
}

interface Annotator {
  id: string;
  /** Issues this annotator does not hold against an output. */
  forgives(issue: Issue): boolean;
  /** Severity as this annotator sees it. */
  weigh(issue: Issue): Severity;
  passes(counts: Record<Severity, number>): boolean;
}

const penalty: Record<Severity, number> = { critical: 2.5, major: 1.5, minor: 0.5 };

export const annotators: Annotator[] = [
  {
    id: 'dr-okafor',
    forgives: () => false,
    weigh: (issue) => (issue.kind === 'wrong-frequency' ? 'critical' : issue.severity),
    passes: (counts) => counts.critical === 0 && counts.major === 0,
  },
  {
    id: 'dr-lindqvist',
    forgives: (issue) =>
      (issue.kind === 'chief-complaint' || issue.kind === 'assessment') && issue.severity === 'minor',
    weigh: (issue) => (issue.kind === 'plan' || issue.kind === 'vitals' ? 'minor' : issue.severity),
    passes: (counts) => counts.critical === 0 && counts.major <= 1,
  },
  {
    id: 'rn-garcia',
    forgives: () => false,
    weigh: (issue) => issue.severity,
    passes: (counts) => counts.critical === 0 && counts.major === 0,
  },
];

export function labelOutput(random: Random, output: string, reference: Summary): Label[] {
  const issues = findIssues(output, reference);
  return annotators.map((annotator) => {
    const held = issues
      .filter((issue) => !annotator.forgives(issue))
      .map((issue) => ({ ...issue, severity: annotator.weigh(issue) }));
    const counts: Record<Severity, number> = { critical: 0, major: 0, minor: 0 };
    for (const issue of held) counts[issue.severity]++;
    let pass = annotator.passes(counts);
    const borderline = held.length === 1 && held[0]!.severity !== 'critical';
    if (borderline && random.fork(annotator.id).chance(0.12)) pass = !pass;
    const raw = 5 - held.reduce((sum, issue) => sum + penalty[issue.severity], 0);
    let score = Math.max(1, Math.min(5, Math.round(raw)));
    if (pass && score < 3) score = 3;
    if (!pass && score > 3) score = 3;
    const worst = [...held].sort((a, b) => penalty[b.severity] - penalty[a.severity])[0];
    const critique = worst
      ? `${pass ? 'Acceptable, but' : 'Fails:'} ${worst.detail}${held.length > 1 ? ` (+${held.length - 1} more)` : ''}.`
      : 'Accurate and complete.';
    return { annotator: annotator.id, pass, score, critique };
  });
}
