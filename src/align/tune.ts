import { Random } from '../common/random.js';
import { bootstrapStatistic, type Estimate } from '../common/statistics.js';
import type { ChatModel } from '../core/chat-model.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import type { GraderConfig } from '../task/task.js';
import type { JudgeVerdict } from './agreement.js';
import { judgeItems } from './judge-run.js';
import type { LabelledItem } from './labels.js';
import { binaryAgreement, cohenKappa } from './metrics.js';

/**
 * `tailor align tune`: make a rubric judge agree better with the experts, without fooling ourselves.
 *
 * 1. The labelled items are split, stratified by the experts' pass/fail and seeded, into train (50%),
 *    dev (25%) and test (25%).
 * 2. Candidates are built from train only: the judge's threshold calibrated on its train verdicts;
 *    few-shot examples picked from train items (the judge's train mistakes first); rubric rewrites
 *    proposed by an LLM shown the train disagreements with the experts' critiques.
 * 3. The winner is the candidate with the best dev κ (the untuned judge is a candidate, so tuning
 *    can only win on dev by beating it).
 * 4. Only the untuned judge and the winner are run on test, and that is the number reported.
 * Every item a candidate was built from is recorded (`provenance`), which is what the leakage test
 * checks.
 */
export type RubricConfig = Extract<GraderConfig, { type: 'llm-rubric' }>;

export interface Candidate {
  name: string;
  config: RubricConfig;
  dev: { kappa: number; accuracy: number };
}

export interface TuneResult {
  sets: { train: string[]; dev: string[]; test: string[] };
  candidates: Candidate[];
  winner: Candidate;
  test: { untuned: Estimate; tuned: Estimate; untunedAccuracy: number; tunedAccuracy: number; items: number };
  /** Item ids each candidate was built from, and the prompts sent to the rubric proposer. */
  provenance: { fewShot: string[]; rewrites: string[]; proposerPrompts: string[] };
  /** Why tuning did not help, when it did not. */
  diagnosis: string[];
}

export interface TuneOptions {
  base: RubricConfig;
  items: LabelledItem[];
  records: Map<string, EvalRecord>;
  makeGrader: (config: RubricConfig) => Promise<Grader>;
  /** Proposes rubric rewrites; without one, rewrites are skipped. */
  proposer: ChatModel | undefined;
  rewrites: number;
  shots: number;
  seed: number;
  concurrency: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Stratified by consensus pass/fail, seeded: the same labels and seed give the same split. */
export function splitItems(
  items: LabelledItem[],
  seed: number,
): { train: LabelledItem[]; dev: LabelledItem[]; test: LabelledItem[] } {
  const random = new Random(seed);
  const sets = { train: [] as LabelledItem[], dev: [] as LabelledItem[], test: [] as LabelledItem[] };
  for (const verdict of [true, false]) {
    const stratum = random.permutation(
      items.filter((item) => item.pass === verdict).sort((a, b) => a.itemId.localeCompare(b.itemId)),
    );
    const trainEnd = Math.round(stratum.length * 0.5);
    const devEnd = trainEnd + Math.round(stratum.length * 0.25);
    sets.train.push(...stratum.slice(0, trainEnd));
    sets.dev.push(...stratum.slice(trainEnd, devEnd));
    sets.test.push(...stratum.slice(devEnd));
  }
  return sets;
}

export async function tuneJudge(options: TuneOptions): Promise<TuneResult> {
  const usable = options.items.filter(
    (item) => item.pass !== undefined && options.records.has(item.exampleId),
  );
  const sets = splitItems(usable, options.seed);
  const cache = new Map<string, JudgeVerdict[]>();
  const verdictsFor = async (config: RubricConfig, items: LabelledItem[], stage: string) => {
    // Threshold changes need no new calls: the 1–5 verdicts are the same, only the pass line moves.
    const key = JSON.stringify({
      ...config,
      passAt: undefined,
      name: undefined,
      items: items.map((item) => item.itemId),
    });
    if (!cache.has(key)) {
      const run = await judgeItems({
        grader: await options.makeGrader({ ...config, passAt: undefined }),
        items,
        records: options.records,
        concurrency: options.concurrency,
        onProgress: (done, total) => options.onProgress?.(stage, done, total),
      });
      cache.set(key, run.verdicts);
    }
    const passAt = config.passAt ?? 4;
    return cache
      .get(key)!
      .map((verdict) =>
        verdict.score === undefined ? verdict : { ...verdict, pass: verdict.score >= passAt },
      );
  };
  const agreementOn = (verdicts: JudgeVerdict[], items: LabelledItem[]) => {
    const truth = new Map(items.map((item) => [item.itemId, item.pass!]));
    const judged = verdicts.filter((verdict) => truth.has(verdict.itemId));
    return {
      judge: judged.map((verdict) => verdict.pass),
      expert: judged.map((verdict) => truth.get(verdict.itemId)!),
    };
  };
  const kappaOf = (verdicts: JudgeVerdict[], items: LabelledItem[]) => {
    const { judge, expert } = agreementOn(verdicts, items);
    const agreement = binaryAgreement(judge, expert);
    return { kappa: agreement.kappa, accuracy: agreement.accuracy };
  };

  // ---- candidates, from train only ----
  const base = { ...options.base };
  const trainVerdicts = await verdictsFor(base, sets.train, 'tune: untuned judge on train');
  const diagnosis: string[] = [];
  const candidates: { name: string; config: RubricConfig }[] = [{ name: 'untuned', config: base }];
  let passAt: number | undefined;
  if (base.scale === '1-5') {
    const scored = trainVerdicts.filter((verdict) => verdict.score !== undefined);
    const truth = new Map(sets.train.map((item) => [item.itemId, item.pass!]));
    let best = { passAt: base.passAt ?? 4, kappa: Number.NEGATIVE_INFINITY };
    for (const threshold of [2, 3, 4, 5]) {
      const kappa = cohenKappa(
        scored.map((verdict) => String(verdict.score! >= threshold)),
        scored.map((verdict) => String(truth.get(verdict.itemId))),
      );
      if (Number.isFinite(kappa) && kappa > best.kappa + 1e-12) best = { passAt: threshold, kappa };
    }
    if (best.kappa === Number.NEGATIVE_INFINITY)
      diagnosis.push(
        'threshold calibration had nothing to work with: κ on train is undefined at every threshold',
      );
    else if (best.passAt !== (base.passAt ?? 4)) {
      passAt = best.passAt;
      candidates.push({ name: `calibrated (passes at ${passAt})`, config: { ...base, passAt } });
    }
  }
  const wrongOnTrain = new Set(
    trainVerdicts
      .filter((verdict) => verdict.pass !== sets.train.find((item) => item.itemId === verdict.itemId)?.pass)
      .map((verdict) => verdict.itemId),
  );
  const fewShotItems = pickShots(sets.train, wrongOnTrain, options.shots);
  if (fewShotItems.length > 0) {
    const examples = fewShotItems.map((item) => ({
      output: item.output,
      verdict:
        base.scale === 'binary'
          ? item.pass
            ? ('pass' as const)
            : ('fail' as const)
          : (item.score ?? (item.pass ? 5 : 1)),
      critique: item.labels.find((label) => label.critique)?.critique,
    }));
    candidates.push({ name: `few-shot (${examples.length})`, config: { ...base, examples } });
    if (passAt !== undefined)
      candidates.push({
        name: `few-shot (${examples.length}) + calibrated`,
        config: { ...base, examples, passAt },
      });
  }
  const rewriteItems = sets.train.filter((item) => wrongOnTrain.has(item.itemId)).slice(0, 6);
  const proposerPrompts: string[] = [];
  if (options.proposer && options.rewrites > 0) {
    if (rewriteItems.length === 0) diagnosis.push('no train disagreements to learn a rubric rewrite from');
    else {
      const prompt = rewritePrompt(base.rubric, rewriteItems, trainVerdicts);
      proposerPrompts.push(prompt);
      for (let index = 0; index < options.rewrites; index++) {
        const rubric = await proposeRubric(options.proposer, prompt, index);
        if (rubric) candidates.push({ name: `rewrite ${index + 1}`, config: { ...base, rubric } });
        else diagnosis.push(`rubric rewrite ${index + 1}: the proposer gave no usable rubric`);
      }
    }
  }

  // ---- choose on dev ----
  const scored: Candidate[] = [];
  for (const candidate of candidates) {
    const verdicts = await verdictsFor(candidate.config, sets.dev, `tune: ${candidate.name} on dev`);
    scored.push({ ...candidate, dev: kappaOf(verdicts, sets.dev) });
    if (candidate.name === 'untuned' && new Set(verdicts.map((verdict) => verdict.pass)).size === 1)
      diagnosis.push(
        `the untuned judge said "${verdicts[0]?.pass ? 'pass' : 'fail'}" on every dev item (κ 0: no better than chance)`,
      );
  }
  const rank = (candidate: Candidate) => (Number.isFinite(candidate.dev.kappa) ? candidate.dev.kappa : -2);
  const winner = scored.reduce((best, candidate) =>
    rank(candidate) > rank(best) + 1e-12 ? candidate : best,
  );
  if (winner.name === 'untuned') diagnosis.push('no candidate beat the untuned judge on dev');

  // ---- report on test: the untuned judge and the winner only ----
  const testEstimate = async (config: RubricConfig, name: string) => {
    const { judge, expert } = agreementOn(
      await verdictsFor(config, sets.test, `tune: ${name} on test`),
      sets.test,
    );
    return {
      kappa: bootstrapStatistic(judge.length, (indices) =>
        cohenKappa(
          indices.map((index) => String(judge[index])),
          indices.map((index) => String(expert[index])),
        ),
      ),
      accuracy: binaryAgreement(judge, expert).accuracy,
      items: judge.length,
    };
  };
  const untuned = await testEstimate(base, 'untuned');
  const tuned = winner.name === 'untuned' ? untuned : await testEstimate(winner.config, winner.name);
  if (winner.name !== 'untuned' && !(tuned.kappa.mean > untuned.kappa.mean))
    diagnosis.push('the dev winner did not raise κ on the held-out test items');
  return {
    sets: {
      train: sets.train.map((item) => item.itemId),
      dev: sets.dev.map((item) => item.itemId),
      test: sets.test.map((item) => item.itemId),
    },
    candidates: scored,
    winner,
    test: {
      untuned: untuned.kappa,
      tuned: tuned.kappa,
      untunedAccuracy: untuned.accuracy,
      tunedAccuracy: tuned.accuracy,
      items: tuned.items,
    },
    provenance: {
      fewShot: fewShotItems.map((item) => item.itemId),
      rewrites: rewriteItems.map((item) => item.itemId),
      proposerPrompts,
    },
    diagnosis,
  };
}

/** Half passes, half fails, the judge's train mistakes first, so the examples teach the boundary. */
function pickShots(train: LabelledItem[], wrong: Set<string>, shots: number): LabelledItem[] {
  const order = (items: LabelledItem[]) =>
    [...items].sort((a, b) => Number(wrong.has(b.itemId)) - Number(wrong.has(a.itemId)));
  const passes = order(train.filter((item) => item.pass));
  const fails = order(train.filter((item) => !item.pass));
  const picked: LabelledItem[] = [];
  while (picked.length < shots && (passes.length > 0 || fails.length > 0)) {
    const next =
      picked.length % 2 === 0 ? (fails.shift() ?? passes.shift()) : (passes.shift() ?? fails.shift());
    if (next) picked.push(next);
  }
  return picked;
}

function rewritePrompt(rubric: string, items: LabelledItem[], verdicts: JudgeVerdict[]): string {
  const byItem = new Map(verdicts.map((verdict) => [verdict.itemId, verdict]));
  const cases = items
    .map((item, index) => {
      const verdict = byItem.get(item.itemId);
      const critiques = item.labels
        .filter((label) => label.critique)
        .map((label) => label.critique)
        .slice(0, 2)
        .join(' / ');
      return `Case ${index + 1}: the grader said ${verdict?.pass ? 'pass' : 'fail'}${verdict?.score !== undefined ? ` (${verdict.score}/5)` : ''}; the experts said ${item.pass ? 'pass' : 'fail'}${item.score !== undefined ? ` (${item.score}/5)` : ''}. Expert critique: ${critiques || '(none)'}`;
    })
    .join('\n');
  return [
    "A grading rubric disagrees with domain experts. Rewrite it so a grader following it would reach the experts' verdicts. Keep it short and concrete; say what makes a response pass and what makes it fail.",
    `Current rubric:\n${rubric.trim()}`,
    `Disagreements:\n${cases}`,
    'Answer with JSON: {"rubric": "<the new rubric>"}',
  ].join('\n\n');
}

async function proposeRubric(proposer: ChatModel, prompt: string, seed: number): Promise<string | undefined> {
  try {
    const reply = await proposer.generate([{ role: 'user', content: prompt }], {
      temperature: 0.7,
      seed,
      maxTokens: 300,
      jsonSchema: {
        type: 'object',
        properties: { rubric: { type: 'string' } },
        required: ['rubric'],
        additionalProperties: false,
      },
    });
    const rubric = String((JSON.parse(reply.text) as { rubric?: unknown }).rubric ?? '').trim();
    return rubric.length >= 20 ? rubric : undefined;
  } catch {
    return undefined;
  }
}
