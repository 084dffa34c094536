import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { defaultItemId, type Label, labelledItems, labelWriter } from '../align/labels.js';
import { cohenKappa, krippendorffAlpha } from '../align/metrics.js';
import { TailorError } from '../core/errors.js';
import { loadRunResults } from '../evals/runner.js';
import type { QueueItemRecord, QueueRecord } from '../store/queue-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { type EvalRecord, loadDataset } from '../task/dataset.js';
import type {
  Agreement,
  CreateQueueRequest,
  ItemLabel,
  QueueItem,
  QueueSource,
  QueueSummary,
  SubmitLabelRequest,
} from './app-schema.js';
import { queueSourceSchema } from './app-schema.js';
import { gradeViews } from './app-views.js';
import { trafficDataset } from './traffic.js';

/**
 * Annotation queues: a set of outputs to label, drawn from an eval run, a dataset version or captured
 * traffic, with each item assigned to `overlap` of the queue's annotators (round robin, so every
 * annotator gets a share and every pair of annotators shares items to measure agreement on).
 *
 * Labels go to the same `labels` table as `tailor labels import` and feedback, under the item id the
 * rest of Tailor uses for that output (`<example>:<hash of the output>`, or `traffic:<request>`), so
 * `tailor labels`, `tailor align report` and `tailor align train` read them as they are.
 */

export class QueueError extends TailorError {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409,
    readonly field?: string,
  ) {
    super('queue', message);
  }
}

type Grade = QueueItem['grades'][number];

/** Build the queue's items from its source, assign them, and store it all in one transaction. */
export function createQueue(
  store: WorkspaceStore,
  request: CreateQueueRequest,
  createdBy: string,
): QueueSummary {
  const annotators = [...new Set(request.annotators)];
  for (const name of annotators) {
    const user = store.people.user(name);
    if (!user) throw new QueueError(`no user named "${name}"`, 400, 'annotators');
    if (user.role !== 'annotator' && user.role !== 'admin')
      throw new QueueError(
        `"${name}" is a ${user.role}; only annotators and admins can label`,
        400,
        'annotators',
      );
  }
  if (request.overlap > annotators.length)
    throw new QueueError(
      `overlap ${request.overlap} needs at least ${request.overlap} annotators; ${annotators.length} assigned`,
      400,
      'overlap',
    );
  const items = sourceItems(store, request.source).slice(0, request.limit ?? Number.POSITIVE_INFINITY);
  if (items.length === 0) throw new QueueError('the source has no outputs to label', 400, 'source');
  const assignments = items.flatMap((item, index) =>
    Array.from({ length: request.overlap }, (_, offset) => ({
      itemId: item.itemId,
      annotator: annotators[(index + offset) % annotators.length]!,
    })),
  );
  const queue = store.queues.create(
    {
      id: `q-${randomBytes(6).toString('hex')}`,
      name: request.name,
      source: request.source,
      overlap: request.overlap,
      instructions: request.instructions ?? '',
      createdBy,
    },
    items,
    assignments,
  );
  return summary(store, queue);
}

function sourceItems(store: WorkspaceStore, source: QueueSource): QueueItemRecord[] {
  if (source.kind === 'eval-run') {
    const run = loadRunResults(store, source.runId);
    if (!run) throw new QueueError(`no eval run "${source.runId}"`, 404, 'source');
    const graders = new Set(run.results.flatMap((result) => Object.keys(result.grades)));
    if (source.grader !== undefined && !graders.has(source.grader))
      throw new QueueError(
        `eval run ${source.runId} has no grader "${source.grader}" (it has ${[...graders].join(', ')})`,
        400,
        'source',
      );
    // The run keeps outputs and grades; the inputs and references are in the dataset it ran on.
    const records = new Map<string, EvalRecord>();
    if (existsSync(run.dataset))
      for (const record of loadDataset(run.dataset)) records.set(record.id, record);
    return run.results
      .filter((result) => {
        if (!source.failuresOnly) return true;
        // A grader's flags: the outputs it failed; otherwise every output that failed the run.
        if (source.grader !== undefined) return result.grades[source.grader]?.pass === false;
        return !result.pass;
      })
      .map((result, position) => ({
        itemId: defaultItemId(result.exampleId, result.output),
        position,
        exampleId: result.exampleId,
        input: records.get(result.exampleId)?.input ?? null,
        output: result.output,
        reference: records.get(result.exampleId)?.reference ?? null,
        grades: gradeViews(result.grades),
      }));
  }
  if (source.kind === 'dataset') {
    const version = store.datasetVersions.get(source.datasetId);
    if (!version) throw new QueueError(`no dataset version "${source.datasetId}"`, 404, 'source');
    return loadDataset(version.path).map((record, position) => {
      const output =
        record.output ??
        (typeof record.reference === 'string' ? record.reference : JSON.stringify(record.reference));
      return {
        itemId: defaultItemId(record.id, output),
        position,
        exampleId: record.id,
        input: record.input,
        output,
        reference: null,
        grades: [],
      };
    });
  }
  return trafficDataset(store, { model: source.model }).map((record, position) => {
    const messages = record.messages as { role: string; content: string }[];
    return {
      itemId: `traffic:${record.id}`,
      position,
      exampleId: record.id,
      input: { messages: messages.slice(0, -1) },
      output: messages.at(-1)?.content ?? '',
      reference: null,
      grades: [],
    };
  });
}

export function summary(store: WorkspaceStore, queue: QueueRecord): QueueSummary {
  const annotators = store.queues.progress(queue.id);
  const items = store.queues.itemCount(queue.id);
  return {
    id: queue.id,
    name: queue.name,
    source: queueSourceSchema.parse(queue.source),
    overlap: queue.overlap,
    instructions: queue.instructions,
    items,
    createdBy: queue.createdBy,
    createdAt: queue.createdAt,
    annotators,
    labelled: annotators.reduce((sum, entry) => sum + entry.labelled, 0),
    required: items * queue.overlap,
  };
}

/** The queue's labels so far, from the labels table. */
function queueLabels(store: WorkspaceStore, queueId: string): Label[] {
  const annotators = new Set(store.queues.progress(queueId).map((entry) => entry.annotator));
  return store.queues
    .itemIds(queueId)
    .flatMap((itemId) => store.labels.onItem(itemId))
    .filter((label) => annotators.has(label.annotator));
}

/**
 * Agreement among the annotators as labels arrive: Krippendorff's α over every item with two or more
 * labels (pass/fail nominal, the 1–5 score ordinal), and Cohen's κ on pass/fail for each pair of
 * annotators over the items both labelled. Null until there is something to measure.
 */
export function agreement(store: WorkspaceStore, queueId: string): Agreement {
  const items = labelledItems(queueLabels(store, queueId)).filter((item) => item.labels.length >= 2);
  const alphaOf = (values: (number | undefined)[][], level: 'nominal' | 'ordinal') => {
    const units = values.map((unit) => unit.filter((value): value is number => value !== undefined));
    const usable = units.filter((unit) => unit.length >= 2);
    if (usable.length === 0) return null;
    const alpha = krippendorffAlpha(usable, level);
    return Number.isFinite(alpha) ? alpha : null;
  };
  const annotators = [
    ...new Set(items.flatMap((item) => item.labels.map((label) => label.annotator))),
  ].sort();
  const pairwiseKappa: Agreement['pairwiseKappa'] = [];
  for (const [i, a] of annotators.entries())
    for (const b of annotators.slice(i + 1)) {
      const both = items
        .map((item) => [
          item.labels.find((l) => l.annotator === a),
          item.labels.find((l) => l.annotator === b),
        ])
        .filter(([x, y]) => x?.pass !== undefined && y?.pass !== undefined);
      const kappa =
        both.length === 0
          ? Number.NaN
          : cohenKappa(
              both.map(([x]) => (x!.pass ? 1 : 0)),
              both.map(([, y]) => (y!.pass ? 1 : 0)),
            );
      pairwiseKappa.push({ a, b, items: both.length, kappa: Number.isFinite(kappa) ? kappa : null });
    }
  return {
    overlappingItems: items.length,
    alphaPass: alphaOf(
      items.map((item) =>
        item.labels.map((label) => (label.pass === undefined ? undefined : label.pass ? 1 : 0)),
      ),
      'nominal',
    ),
    alphaScore: alphaOf(
      items.map((item) => item.labels.map((label) => label.score)),
      'ordinal',
    ),
    pairwiseKappa,
  };
}

/** A queue as `user` may see it: admins and viewers see every queue, annotators their own. */
export function visibleQueue(
  store: WorkspaceStore,
  queueId: string,
  user: { name: string; role: string },
): QueueRecord {
  const queue = store.queues.queue(queueId);
  if (!queue) throw new QueueError(`no queue "${queueId}"`, 404);
  if (
    user.role === 'annotator' &&
    !store.queues.progress(queueId).some((entry) => entry.annotator === user.name)
  )
    throw new QueueError('this queue is not assigned to you', 403);
  return queue;
}

function assignedItem(
  store: WorkspaceStore,
  queueId: string,
  itemId: string,
  annotator: string,
): QueueItemRecord {
  const item = store.queues.item(queueId, itemId);
  if (!item) throw new QueueError(`no item "${itemId}" in this queue`, 404);
  if (!store.queues.isAssigned(queueId, itemId, annotator))
    throw new QueueError('this item is not assigned to you', 403);
  return item;
}

export function itemView(store: WorkspaceStore, item: QueueItemRecord, annotator: string): QueueItem {
  const label = store.labels.find(item.itemId, annotator);
  return {
    itemId: item.itemId,
    exampleId: item.exampleId,
    position: item.position,
    input: item.input,
    output: item.output,
    reference: item.reference ?? null,
    grades: item.grades as Grade[],
    label: label ? toItemLabel(label) : null,
  };
}

function toItemLabel(label: Label): ItemLabel {
  return {
    pass: label.pass ?? null,
    score: label.score ?? null,
    critique: label.critique ?? '',
    tags: ((label.meta as { tags?: string[] }).tags ?? []).slice(),
    labelledAt: label.labelledAt ?? '',
  };
}

export function nextItem(store: WorkspaceStore, queueId: string, annotator: string) {
  let item = store.queues.next(queueId, annotator);
  // Skipped items come back once everything else is labelled.
  if (!item && store.queues.remaining(queueId, annotator) > 0) {
    store.queues.unskipAll(queueId, annotator);
    item = store.queues.next(queueId, annotator);
  }
  const mine = store.queues.progress(queueId).find((entry) => entry.annotator === annotator);
  return {
    item: item ? itemView(store, item, annotator) : null,
    remaining: store.queues.remaining(queueId, annotator),
    labelled: mine?.labelled ?? 0,
    assigned: mine?.assigned ?? 0,
  };
}

export function getItem(
  store: WorkspaceStore,
  queueId: string,
  itemId: string,
  annotator: string,
): QueueItem {
  return itemView(store, assignedItem(store, queueId, itemId, annotator), annotator);
}

/** The annotator's label on an item of their queue: a new one, or a change of their earlier one. */
export function submitLabel(
  store: WorkspaceStore,
  queue: QueueRecord,
  itemId: string,
  annotator: string,
  label: SubmitLabelRequest & { critique: string; tags: string[] },
): QueueItem {
  const item = assignedItem(store, queue.id, itemId, annotator);
  const source = queueSourceSchema.parse(queue.source);
  labelWriter(store)({
    itemId: item.itemId,
    exampleId: item.exampleId,
    output: item.output,
    outputB: undefined,
    annotator,
    pass: label.pass ?? undefined,
    score: label.score ?? undefined,
    preference: undefined,
    critique: label.critique.trim() === '' ? undefined : label.critique,
    labelledAt: new Date().toISOString(),
    meta: {
      origin: 'queue',
      queue: queue.id,
      ...(source.kind === 'eval-run' ? { run: source.runId } : {}),
      ...(label.tags.length > 0 ? { tags: label.tags } : {}),
    },
    sourceFile: `queue ${queue.id}`,
    sourceLine: item.position + 1,
  });
  return itemView(store, item, annotator);
}

export function skipItem(store: WorkspaceStore, queueId: string, itemId: string, annotator: string): void {
  assignedItem(store, queueId, itemId, annotator);
  store.queues.skip(queueId, itemId, annotator);
}

export function undoLabel(store: WorkspaceStore, queueId: string, annotator: string): string | null {
  return store.queues.undoLatestLabel(queueId, annotator) ?? null;
}
