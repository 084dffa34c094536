/**
 * Decontamination: which records of a dataset repeat a record of the splits a model is judged on
 * (validation, test), found by word n-gram overlap so that a test note still counts when it arrives
 * inside a chat message, reformatted or lightly edited. The data stage drops what this finds
 * (`dropContaminated`); training refuses it (`ContaminationError`), naming every record.
 *
 * The rule, per candidate record c and reference record r, over their own words (`recordWords`:
 * never the task's fixed instructions):
 * - words are case-folded and split at punctuation and whitespace; n-grams are runs of n words
 *   (n = 13 by default, as in GPT-3's decontamination); a record shorter than n words is one
 *   n-gram of its whole text, so it matches only a record with exactly the same words;
 * - n-grams of the template's fixed text and the system prompt never count, nor do n-grams found
 *   in more than `boilerplateRecords` reference records: those are shared boilerplate (a captured
 *   production system prompt, a stock sentence), not one record's content;
 * - share = shared n-grams / the n-grams of the smaller of c and r: how much of one record lies
 *   inside the other. c is contaminated when the share reaches `threshold` (0.5) for some r.
 * Why not GPT-3's "any shared 13-gram": notes of one domain share stock 13-word sentences ("no known
 * drug allergies…"), so a single n-gram flags records that merely sound alike. A verbatim copy scores
 * 1; a copy inside a longer chat message scores 1 too (the smaller side is the copied note); each
 * edited word removes at most n n-grams, so a copy with an edit every 26 words still scores over 0.5;
 * a record that shares one stock sentence with a long note scores a few percent.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseJsonLines } from '../common/jsonl.js';
import { TailorError } from '../core/errors.js';
import { type EvalRecord, loadDataset, type RecordChecks } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import { NgramTable } from './ngram-table.js';
import { ngramHashes, prepareSharedText, recordWords, type SharedText } from './record-ngrams.js';

export { normaliseWords, type SharedText } from './record-ngrams.js';

export const defaultNgram = 13;
export const defaultThreshold = 0.5;

/** Records to check or to check against, with where they came from (for messages). */
export interface DatasetSource {
  /** The split the records belong to (train, validation, test) or another name for them (pairs). */
  split: string;
  records: readonly EvalRecord[];
  /** The file they were read from. */
  path?: string;
  /** Record id → 1-based line in `path`. */
  lines?: ReadonlyMap<string, number>;
}

/** One record, by split and id, and by file and line where known. */
export interface RecordLocation {
  split: string;
  id: string;
  path?: string;
  line?: number;
}

/** A reference record that a candidate overlaps. */
export interface Overlap {
  reference: RecordLocation;
  /** Shared n-grams over the n-grams of the smaller of the two records, 0 to 1. */
  share: number;
  sharedNgrams: number;
}

export interface ContaminatedRecord {
  record: RecordLocation;
  /** The highest share among its overlaps. */
  share: number;
  /** Every reference record it overlaps at or above the threshold, highest share first. */
  overlaps: Overlap[];
}

export interface ContaminationReport {
  ngram: number;
  threshold: number;
  /** Candidate records checked. */
  checked: number;
  /** Reference records checked against. */
  referenceRecords: number;
  /** The reference splits checked against, in the order given. */
  referenceSplits: string[];
  /** In the order the candidates were given. */
  contaminated: ContaminatedRecord[];
  /** Contaminated records per candidate split. */
  bySplit: Record<string, number>;
  /** Contaminated records per reference split they overlap (one overlapping both counts in both). */
  byReferenceSplit: Record<string, number>;
}

export interface DecontaminationOptions {
  /** Words per n-gram; default 13. */
  ngram?: number;
  /** The share at which a record is contaminated, above 0 and at most 1; default 0.5. */
  threshold?: number;
  /**
   * An n-gram found in more reference records than this is boilerplate and never counts; default
   * the larger of 3 and 1% of the reference records (so a note repeated in test and validation still
   * counts).
   */
  boilerplateRecords?: number;
}

/** The reference splits, indexed once, to check any number of records against. */
export interface ContaminationIndex {
  readonly ngram: number;
  readonly threshold: number;
  readonly referenceRecords: number;
  /**
   * The reference records one record overlaps at or above the threshold, highest share first. With
   * `self`, the reference record that is this very record (same split and id) is passed over.
   */
  overlaps(record: EvalRecord, self?: { split: string; id: string }): Overlap[];
  /** Check every record of the candidates. */
  check(candidates: readonly DatasetSource[]): ContaminationReport;
}

/** In the index, an n-gram that never counts: the task's fixed text, or boilerplate. */
const ignored = -1;
/** In the index, values from -2 down name lists of reference records: -2 the first, -3 the next. */
const firstList = -2;

export class DecontaminationError extends TailorError {
  constructor(message: string) {
    super('decontamination-invalid', message);
  }
}

/** Index the reference splits (e.g. validation and test) against the task's shared text. */
export function createContaminationIndex(
  task: SharedText,
  references: readonly DatasetSource[],
  options: DecontaminationOptions = {},
): ContaminationIndex {
  const ngram = options.ngram ?? defaultNgram;
  const threshold = options.threshold ?? defaultThreshold;
  if (!Number.isInteger(ngram) || ngram < 1)
    throw new DecontaminationError(`ngram must be a whole number of words, 1 or more (got ${ngram})`);
  if (!(threshold > 0 && threshold <= 1))
    throw new DecontaminationError(`threshold must be above 0 and at most 1 (got ${threshold})`);
  const shared = prepareSharedText(task);

  // Inverted index: n-gram → the reference record holding it (most n-grams of a test set occur in
  // one record only), or a list of them, or `ignored` for the n-grams that never count. One lookup
  // per n-gram is what checking a record costs, so the ignored ones live here too.
  const postings = new NgramTable();
  const lists: number[][] = [];
  const listAt = (value: number) => lists[firstList - value]!;
  for (const phrase of shared.phrases)
    for (const hash of ngramHashes(phrase, ngram)) postings.set(hash, ignored);
  const locations: RecordLocation[] = [];
  const sizes: number[] = [];
  for (const source of references) {
    for (const record of source.records) {
      const index = locations.length;
      locations.push(locate(source, record));
      let size = 0;
      for (const hash of ngramHashes(recordWords(shared, record), ngram)) {
        const holders = postings.get(hash);
        if (holders === ignored) continue;
        size++;
        if (holders === undefined) postings.set(hash, index);
        else if (holders >= 0) {
          postings.set(hash, firstList - lists.length);
          lists.push([holders, index]);
        } else listAt(holders).push(index);
      }
      sizes.push(size);
    }
  }
  const boilerplateLimit = options.boilerplateRecords ?? Math.max(3, Math.ceil(locations.length * 0.01));
  postings.forEach((hash, holders) => {
    if (holders >= ignored || listAt(holders).length <= boilerplateLimit) return;
    for (const holder of listAt(holders)) sizes[holder]!--;
    postings.set(hash, ignored);
  });

  const overlaps = (record: EvalRecord, self?: { split: string; id: string }): Overlap[] => {
    const counts = new Map<number, number>();
    let size = 0;
    for (const hash of ngramHashes(recordWords(shared, record), ngram)) {
      const holders = postings.get(hash);
      if (holders === ignored) continue;
      size++;
      if (holders === undefined) continue;
      if (holders >= 0) counts.set(holders, (counts.get(holders) ?? 0) + 1);
      else for (const holder of listAt(holders)) counts.set(holder, (counts.get(holder) ?? 0) + 1);
    }
    const found: Overlap[] = [];
    for (const [holder, sharedNgrams] of counts) {
      const reference = locations[holder]!;
      if (self && reference.split === self.split && reference.id === self.id) continue;
      const share = sharedNgrams / Math.min(size, sizes[holder]!);
      if (share >= threshold) found.push({ reference, share, sharedNgrams });
    }
    return found.sort((a, b) => b.share - a.share || a.reference.id.localeCompare(b.reference.id));
  };

  return {
    ngram,
    threshold,
    referenceRecords: locations.length,
    overlaps,
    check(candidates) {
      const contaminated: ContaminatedRecord[] = [];
      const bySplit: Record<string, number> = {};
      const byReferenceSplit: Record<string, number> = {};
      let checked = 0;
      for (const source of candidates) {
        for (const record of source.records) {
          checked++;
          const found = overlaps(record, { split: source.split, id: record.id });
          if (found.length === 0) continue;
          contaminated.push({ record: locate(source, record), share: found[0]!.share, overlaps: found });
          bySplit[source.split] = (bySplit[source.split] ?? 0) + 1;
          for (const split of new Set(found.map((overlap) => overlap.reference.split)))
            byReferenceSplit[split] = (byReferenceSplit[split] ?? 0) + 1;
        }
      }
      return {
        ngram,
        threshold,
        checked,
        referenceRecords: locations.length,
        referenceSplits: [...new Set(references.map((source) => source.split))],
        contaminated,
        bySplit,
        byReferenceSplit,
      };
    },
  };
}

/** Check candidates against references in one go (index the references once when checking more). */
export function findContamination(
  task: SharedText,
  candidates: readonly DatasetSource[],
  references: readonly DatasetSource[],
  options: DecontaminationOptions = {},
): ContaminationReport {
  return createContaminationIndex(task, references, options).check(candidates);
}

function locate(source: DatasetSource, record: EvalRecord): RecordLocation {
  const line = source.lines?.get(record.id);
  return {
    split: source.split,
    id: record.id,
    ...(source.path === undefined ? {} : { path: source.path }),
    ...(line === undefined ? {} : { line }),
  };
}

/** A dataset file read as a source: its records (checked as `loadDataset` checks them) and their lines. */
export function readDatasetSource(split: string, path: string, checks: RecordChecks = {}): DatasetSource {
  return { split, path, records: loadDataset(path, checks), lines: recordLines(path) };
}

/** The task's splits among `splits` that it has, read as sources: what training data is checked against. */
export function taskSplitSources(
  task: Pick<Task, 'data'>,
  splits: readonly string[] = ['validation', 'test'],
): DatasetSource[] {
  return splits.flatMap((split) => {
    const path = task.data[split];
    return path === undefined ? [] : [readDatasetSource(split, path)];
  });
}

/**
 * Record id → line, by the rules `loadDataset` gives ids by (an `id` field or column, else
 * `line-<n>`). CSV lines count rows after the header, as `loadDataset`'s own messages do.
 */
export function recordLines(path: string): Map<string, number> {
  const text = readFileSync(path, 'utf8');
  const lines = new Map<string, number>();
  if (path.toLowerCase().endsWith('.csv')) {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
      string,
      string
    >[];
    rows.forEach((row, index) => {
      lines.set(row.id ? row.id : `line-${index + 2}`, index + 2);
    });
    return lines;
  }
  // loadDataset has already rejected a file with a line that is not a JSON object.
  for (const { line, value } of parseJsonLines(text)) {
    const { id } = value as { id?: unknown };
    lines.set(typeof id === 'string' || typeof id === 'number' ? String(id) : `line-${line}`, line);
  }
  return lines;
}

/** A record left out of a dataset, and why, for the data stage to report. */
export interface DroppedRecord {
  record: EvalRecord;
  contamination: ContaminatedRecord;
  /** One line: where the record is and what it overlaps. */
  reason: string;
}

/** Split a source into the records to keep and those the report found contaminated. */
export function dropContaminated(
  source: DatasetSource,
  report: ContaminationReport,
): { kept: EvalRecord[]; dropped: DroppedRecord[] } {
  const byId = new Map(
    report.contaminated
      .filter((entry) => entry.record.split === source.split)
      .map((entry) => [entry.record.id, entry]),
  );
  const kept: EvalRecord[] = [];
  const dropped: DroppedRecord[] = [];
  for (const record of source.records) {
    const contamination = byId.get(record.id);
    if (contamination) dropped.push({ record, contamination, reason: describe(contamination) });
    else kept.push(record);
  }
  return { kept, dropped };
}

const percent = (share: number) => `${Math.floor(share * 100)}%`;

function where(location: RecordLocation): string {
  const name = `${location.split} "${location.id}"`;
  if (location.path === undefined) return name;
  return `${location.path}${location.line === undefined ? '' : `:${location.line}`} (${name})`;
}

/** `train.jsonl:4 (train "a-1") overlaps test.jsonl:3 (test "t-1"): 100% of its 13-grams; …`. */
function describe(entry: ContaminatedRecord): string {
  const overlaps = entry.overlaps.map((overlap) => `${where(overlap.reference)}: ${percent(overlap.share)}`);
  return `${where(entry.record)} overlaps ${overlaps.join('; ')}`;
}

/**
 * Every contaminated record, one line each, under a line of counts: the text of training's refusal
 * and of the data stage's notice. Nothing is elided, so the user can fix every line in one pass.
 */
export function formatContamination(report: ContaminationReport): string {
  const against = report.referenceSplits.join('/') || 'reference';
  if (report.contaminated.length === 0)
    return `None of ${report.checked} record(s) overlaps the ${against} data.`;
  const counts = Object.entries(report.bySplit)
    .map(([split, count]) => `${count} ${split}`)
    .join(', ');
  return [
    `${report.contaminated.length} of ${report.checked} record(s) (${counts}) overlap the ${against} data ` +
      `(${report.ngram}-word n-grams; share of the smaller record's n-grams ≥ ${percent(report.threshold)}):`,
    ...report.contaminated.map((entry) => `  ${describe(entry)}`),
  ].join('\n');
}

/** Training refuses records that repeat what it will be judged on; `report` says which. */
export class ContaminationError extends TailorError {
  readonly report: ContaminationReport;

  constructor(report: ContaminationReport, options: { code?: string; hint?: string } = {}) {
    const splits = report.referenceSplits;
    const unseen =
      splits.length === 0
        ? 'the reference data'
        : `the ${splits.join(' and ')} split${splits.length > 1 ? 's' : ''}`;
    super(options.code ?? 'test-split-leak', formatContamination(report), {
      hint:
        options.hint ??
        `Remove the records listed from the training data (the data stage drops them for you); ${unseen} must stay unseen.`,
    });
    this.report = report;
  }
}
