import { type Comparison, comparePaired } from '../evals/compare.js';
import type { StoredTraffic } from '../store/traffic-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { gradeOutput } from '../task/grading.js';
import type { TaskGrader } from '../task/task.js';

/**
 * A shadow rollout graded: each shadow answer of the candidate (captured by `tailor serve` with
 * `serve.rollouts`) beside the answer the client got for the same request, both graded with the
 * given graders (reference-free ones: production traffic has no reference), compared paired. This
 * is how a candidate is measured on live traffic before it answers anyone.
 */
export interface ShadowReport {
  candidate: string;
  /** The model the clients called, by how many of the pairs. */
  models: Record<string, number>;
  comparison: Comparison;
  /** Mean score per grader, prod and candidate. */
  graders: { name: string; prod: number; candidate: number }[];
}

export async function shadowReport(
  store: WorkspaceStore,
  candidate: string,
  graders: TaskGrader[],
): Promise<ShadowReport | undefined> {
  const shadows = store.traffic.successful({ model: candidate, shadow: true });
  const pairs: { prod: StoredTraffic; shadow: StoredTraffic }[] = [];
  for (const shadow of shadows) {
    const prod = shadow.shadowOf ? store.traffic.find(shadow.shadowOf) : undefined;
    if (prod && prod.status === 200) pairs.push({ prod, shadow });
  }
  if (pairs.length === 0) return undefined;
  const models: Record<string, number> = {};
  const sums = new Map<string, { prod: number; candidate: number }>();
  const graded = [];
  for (const { prod, shadow } of pairs) {
    models[prod.model] = (models[prod.model] ?? 0) + 1;
    const record = {
      input: { messages: (prod.request as { messages?: unknown }).messages },
      reference: undefined,
    };
    const a = await gradeOutput(graders, record, answerOf(prod.response));
    const b = await gradeOutput(graders, record, answerOf(shadow.response));
    for (const name of Object.keys(a.grades)) {
      const sum = sums.get(name) ?? { prod: 0, candidate: 0 };
      sum.prod += a.grades[name]?.score ?? 0;
      sum.candidate += b.grades[name]?.score ?? 0;
      sums.set(name, sum);
    }
    graded.push({ exampleId: prod.id, scoreA: a.score, scoreB: b.score, passA: a.pass, passB: b.pass });
  }
  return {
    candidate,
    models,
    comparison: comparePaired(graded),
    graders: [...sums].map(([name, sum]) => ({
      name,
      prod: sum.prod / pairs.length,
      candidate: sum.candidate / pairs.length,
    })),
  };
}

/** The text a captured response carried: a completion's first choice, or a stream's text. */
function answerOf(response: unknown): string {
  const body = response as { choices?: { message?: { content?: string } }[]; content?: string } | undefined;
  return body?.choices?.[0]?.message?.content ?? body?.content ?? '';
}
