import { join } from 'node:path';
import { formatEstimate } from '../common/format.js';
import type { ChatModel } from '../core/chat-model.js';
import { ConfigError } from '../core/errors.js';
import { sftConfigSchema } from '../core/train-config.js';
import { writeDataset } from '../data/dataset-file.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { Workspace } from '../store/workspace.js';
import type { EvalRecord } from '../task/dataset.js';
import { llmRubricGrader, rubricPrompt } from '../task/graders/llm-rubric.js';
import { type Task, withOutput, withSplits } from '../task/task.js';
import { trainSpecialist } from '../train/specialist.js';
import { type HumanAgreement, humanAgreement, type JudgeAgreement, judgeAgreement } from './agreement.js';
import { judgeItems } from './judge-run.js';
import { saveJudgeVersion } from './judge-versions.js';
import { type LabelledItem, labelledItems, labelledRecords, listLabels } from './labels.js';
import { type RubricConfig, splitItems } from './tune.js';

/**
 * `tailor align train <name> --method lora`: a generative judge fine-tuned on the experts' verdicts
 * and critiques, so it explains itself. Each labelled item becomes the exact prompt the task's rubric
 * judge sends (`rubricPrompt`), answered with the experts' consensus: their median score (or majority
 * verdict) and, as the reasoning, a critique of an annotator who agreed with it. The labels are split
 * by item as for the probe (train fits, dev is the validation loss, test is read once); items of the
 * task's test split are left out. The adapter is a specialist (`judge-<name>`) that llama.cpp serves
 * like any other, and the judge version is the rubric grader with that model, usable wherever an
 * llm-rubric grader is.
 */
export interface LoraJudgeResult {
  name: string;
  version: number;
  /** The specialist the judge runs on: `llama:judge-<name>@v<n>`. */
  model: string;
  sets: { train: string[]; dev: string[]; test: string[] };
  test: JudgeAgreement;
  errors: number;
  experts: HumanAgreement;
  cardPath: string;
  seconds: number;
}

const passingReason = 'The response follows the rubric; no issue found.';

export async function trainLoraJudge(options: {
  workspace: Workspace;
  task: Task;
  name: string;
  /** The task's llm-rubric grader whose prompt the judge learns to answer. */
  grader: string;
  base?: string;
  seed?: number;
  /** Overrides of `train.sft` (e.g. `{ epochs: 3 }`). */
  train?: Record<string, unknown>;
  threads?: number;
  modelFor: (reference: string) => Promise<ChatModel>;
  onProgress?: (stage: string, done: number, total: number) => void;
}): Promise<LoraJudgeResult> {
  const started = performance.now();
  const { workspace, task, name } = options;
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new ConfigError(`judge name "${name}" must be letters, digits, '.', '_' or '-'`);
  const rubric = task.grader(options.grader);
  if (rubric.type !== 'llm-rubric')
    throw new ConfigError(
      `grader "${options.grader}" is a ${rubric.type} grader; a LoRA judge learns an llm-rubric one`,
    );
  const labels = listLabels(workspace.store);
  if (labels.length === 0)
    throw new ConfigError('No expert labels in this workspace', {
      hint: 'Import some: tailor labels import <file>',
    });
  const { records, testExamples } = labelledRecords(task);
  const kept = labelledItems(labels).filter((item) => !testExamples.has(item.exampleId));
  const usable = kept.filter((item) => records.has(item.exampleId) && item.pass !== undefined);
  const sets = splitItems(usable, options.seed ?? 0);

  // ---- the training data: the rubric judge's prompt, answered as the experts did ----
  const example = (item: LabelledItem): EvalRecord => {
    const record = records.get(item.exampleId)!;
    const prompt = rubricPrompt(
      { ...rubric, reference: rubric.reference },
      {
        output: item.output,
        reference: record.reference,
        input: record.input,
      },
    );
    const agreeing = item.labels.find((label) => label.pass === item.pass && label.critique?.trim());
    const reasoning = (
      agreeing?.critique?.trim() ?? (item.pass ? passingReason : 'The response breaks the rubric.')
    ).slice(0, 400);
    const verdict =
      rubric.scale === 'binary' ? (item.pass ? 'pass' : 'fail') : (item.score ?? (item.pass ? 5 : 2));
    const messages = [{ role: 'user' as const, content: prompt }];
    return {
      id: item.itemId,
      input: { messages },
      reference: JSON.stringify({ reasoning, verdict }),
      output: undefined,
      messages,
    };
  };
  const folder = join(workspace.paths.artifactsDirectory, `judge-${name}-lora`);
  const trainFile = join(folder, 'train.jsonl');
  const devFile = join(folder, 'dev.jsonl');
  writeDataset(trainFile, sets.train.map(example));
  writeDataset(devFile, sets.dev.map(example));
  const parsed = sftConfigSchema.safeParse({ ...workspace.config.train.sft, ...options.train });
  if (!parsed.success)
    throw new ConfigError(
      `train settings: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  options.onProgress?.('train', 0, 1);
  const trained = await trainSpecialist({
    workspace,
    task: withOutput(
      withSplits(task, { [`judge:${name}:train`]: trainFile, [`judge:${name}:dev`]: devFile }),
      {
        format: 'json',
        schema: verdictSchema(rubric.scale),
        schemaPath: undefined,
      },
    ),
    name: `judge-${name}`,
    base: options.base ?? workspace.config.defaultModel,
    method: { kind: 'sft', config: parsed.data },
    trainSplit: `judge:${name}:train`,
    validationSplit: `judge:${name}:dev`,
    ...(options.threads ? { threads: options.threads } : {}),
    onEvent: (event) => {
      if (event.type === 'step-end') options.onProgress?.('train', event.step, event.totalSteps);
    },
  });
  const model = `llama:judge-${name}@v${trained.specialist.version}`;

  // ---- the held-out items, judged once by the trained judge, as any rubric judge would judge ----
  const config: RubricConfig = { ...rubric, model };
  const grader = llmRubricGrader(await options.modelFor(model), {
    rubric: config.rubric,
    scale: config.scale,
    reference: config.reference,
    maxTokens: config.maxTokens,
    repeat: 1,
    aggregate: config.aggregate,
    passAt: config.passAt,
  });
  const test = sets.test;
  const run = await judgeItems({
    grader,
    items: test,
    records,
    concurrency: workspace.config.llama.parallel,
    onProgress: (done, total) => options.onProgress?.('held-out', done, total),
  });
  const agreement = judgeAgreement(test, run.verdicts);
  const experts = humanAgreement(labels, kept);
  const ids = (items: LabelledItem[]) => items.map((item) => item.itemId);
  const version = saveJudgeVersion(workspace.store, {
    name,
    config,
    parentVersion: undefined,
    lineage: {
      method: 'lora',
      grader: options.grader,
      base: trained.specialist.base,
      specialist: model,
      trainingRun: trained.specialist.trainingRun,
      seed: options.seed ?? 0,
      sets: { train: ids(sets.train), dev: ids(sets.dev), test: ids(test) },
      annotators: experts.annotators.map((annotator) => annotator.name),
      test: {
        items: agreement.items,
        kappa: agreement.pass.kappa,
        errors: run.errors.length,
      },
    },
  });
  const cardPath = join(workspace.paths.artifactsDirectory, `judge-${name}-v${version}.md`);
  const ci = (estimate: { mean: number; low: number; high: number }) => formatEstimate(estimate, '—');
  writeFileAtomic(
    cardPath,
    [
      `# Judge card: ${name} v${version} (LoRA)`,
      '',
      `The task's \`${options.grader}\` rubric judge, fine-tuned on the experts' verdicts and critiques: ${model} (base ${trained.specialist.base}, training run ${trained.specialist.trainingRun}). Labels split by item, seed ${options.seed ?? 0}: ${sets.train.length} train, ${sets.dev.length} dev (validation loss), ${test.length} held-out test (these numbers); ${labels.length} labels, the task's test split left out.`,
      '',
      '| measure | value [95% CI] |',
      '| --- | --- |',
      `| held-out Cohen's κ (judge vs expert majority) | ${ci(agreement.pass.kappa)} |`,
      `| experts' Krippendorff α (pass/fail, human ceiling) | ${ci(experts.passAlpha)} |`,
      `| accuracy | ${ci(agreement.pass.accuracy)} |`,
      `| TPR (expert passes, the judge passes) | ${ci(agreement.pass.tpr)} |`,
      `| TNR (expert fails, the judge fails) | ${ci(agreement.pass.tnr)} |`,
      ...(agreement.scores
        ? [`| weighted κ (1–5, quadratic) | ${ci(agreement.scores.weightedKappa)} |`]
        : []),
      `| judge errors | ${run.errors.length} of ${test.length} |`,
      '',
      `Use it as a grader: \`{ name: ${name}, type: llm-rubric, model: ${model}, rubric: <the ${options.grader} rubric> }\`, or \`tailor align report ${options.grader} --judge ${model}\`.`,
      '',
    ].join('\n'),
  );
  return {
    name,
    version,
    model,
    sets: { train: ids(sets.train), dev: ids(sets.dev), test: ids(test) },
    test: agreement,
    errors: run.errors.length,
    experts,
    cardPath,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What the judge answers: the rubric judge's reply, reasoning then verdict. */
function verdictSchema(scale: 'binary' | '1-5'): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      reasoning: { type: 'string' },
      verdict: scale === 'binary' ? { type: 'string', enum: ['pass', 'fail'] } : { enum: [1, 2, 3, 4, 5] },
    },
    required: ['reasoning', 'verdict'],
    additionalProperties: false,
  };
}
