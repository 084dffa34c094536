import type { SqliteDatabase } from './database.js';

/**
 * A stored label: one annotator's verdict on one item, with where it came from. What the fields mean
 * and how labels are read, compared and combined belongs to src/align (`Label` there is this record).
 */
export interface LabelRecord {
  itemId: string;
  exampleId: string;
  output: string;
  /** The second output of a pairwise label (the preference is between `output` = A and this = B). */
  outputB: string | undefined;
  annotator: string;
  pass: boolean | undefined;
  score: number | undefined;
  preference: 'A' | 'B' | 'tie' | undefined;
  critique: string | undefined;
  labelledAt: string | undefined;
  /** Fields of the source row Tailor does not interpret (e.g. split, source), kept as given. */
  meta: Record<string, unknown>;
  sourceFile: string;
  sourceLine: number;
}

/** `labels`: at most one label per (item, annotator); saving another replaces it. */
export class LabelRepository {
  readonly #database: SqliteDatabase;
  readonly #find;
  readonly #save;
  readonly #latestOnItem;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    // Imports write labels one by one, thousands in a file, so these three are prepared once.
    this.#find = database.prepare('SELECT * FROM labels WHERE item_id = ? AND annotator = ?');
    this.#save = database.prepare(
      `INSERT INTO labels (item_id, example_id, output, output_b, annotator, pass, score, preference, critique,
         labelled_at, meta_json, source_file, source_line, imported_at)
       VALUES (@itemId, @exampleId, @output, @outputB, @annotator, @pass, @score, @preference, @critique,
         @labelledAt, @meta, @sourceFile, @sourceLine, @importedAt)
       ON CONFLICT (item_id, annotator) DO UPDATE SET example_id = excluded.example_id,
         output = excluded.output, output_b = excluded.output_b, pass = excluded.pass, score = excluded.score,
         preference = excluded.preference, critique = excluded.critique, labelled_at = excluded.labelled_at,
         meta_json = excluded.meta_json, source_file = excluded.source_file, source_line = excluded.source_line,
         imported_at = excluded.imported_at`,
    );
    this.#latestOnItem = database.prepare(
      'SELECT * FROM labels WHERE item_id = ? ORDER BY imported_at DESC LIMIT 1',
    );
  }

  /** The annotator's label on an item, if any. */
  find(itemId: string, annotator: string): LabelRecord | undefined {
    const row = this.#find.get(itemId, annotator) as LabelRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Add the label, or replace the same annotator's label on the same item; stamps the import time. */
  save(label: LabelRecord): void {
    this.#save.run({
      itemId: label.itemId,
      exampleId: label.exampleId,
      output: label.output,
      outputB: label.outputB ?? null,
      annotator: label.annotator,
      pass: label.pass === undefined ? null : label.pass ? 1 : 0,
      score: label.score ?? null,
      preference: label.preference ?? null,
      critique: label.critique ?? null,
      labelledAt: label.labelledAt ?? null,
      meta: JSON.stringify(label.meta),
      sourceFile: label.sourceFile,
      sourceLine: label.sourceLine,
      importedAt: new Date().toISOString(),
    });
  }

  /** Labels, optionally of one annotator and/or one example; ordered by example, item, annotator. */
  list(filter: { annotator?: string; exampleId?: string } = {}): LabelRecord[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM labels WHERE (@annotator IS NULL OR annotator = @annotator)
           AND (@exampleId IS NULL OR example_id = @exampleId) ORDER BY example_id, item_id, annotator`,
      )
      .all({ annotator: filter.annotator ?? null, exampleId: filter.exampleId ?? null }) as LabelRow[];
    return rows.map(fromRow);
  }

  /** Every annotator's label on an item. */
  onItem(itemId: string): LabelRecord[] {
    const rows = this.#database
      .prepare('SELECT * FROM labels WHERE item_id = ? ORDER BY annotator')
      .all(itemId) as LabelRow[];
    return rows.map(fromRow);
  }

  /** The most recently imported label on an item, whoever gave it. */
  latestOnItem(itemId: string): LabelRecord | undefined {
    const row = this.#latestOnItem.get(itemId) as LabelRow | undefined;
    return row ? fromRow(row) : undefined;
  }
}

interface LabelRow {
  item_id: string;
  example_id: string;
  output: string;
  output_b: string | null;
  annotator: string;
  pass: number | null;
  score: number | null;
  preference: LabelRecord['preference'] | null;
  critique: string | null;
  labelled_at: string | null;
  meta_json: string;
  source_file: string;
  source_line: number;
}

function fromRow(row: LabelRow): LabelRecord {
  return {
    itemId: row.item_id,
    exampleId: row.example_id,
    output: row.output,
    outputB: row.output_b ?? undefined,
    annotator: row.annotator,
    pass: row.pass === null ? undefined : row.pass === 1,
    score: row.score ?? undefined,
    preference: row.preference ?? undefined,
    critique: row.critique ?? undefined,
    labelledAt: row.labelled_at ?? undefined,
    meta: JSON.parse(row.meta_json),
    sourceFile: row.source_file,
    sourceLine: row.source_line,
  };
}
