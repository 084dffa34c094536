import type { SqliteDatabase } from './database.js';

/** An annotation queue. `source` is JSON whose shape belongs to src/serve's queues.ts. */
export interface QueueRecord {
  id: string;
  name: string;
  source: unknown;
  overlap: number;
  instructions: string;
  createdBy: string;
  createdAt: string;
}

/** One output to label. `input`, `reference` and `grades` are JSON owned by src/serve's queues.ts. */
export interface QueueItemRecord {
  itemId: string;
  position: number;
  exampleId: string;
  input: unknown;
  output: string;
  reference: unknown;
  grades: unknown;
}

export interface AssignmentCount {
  annotator: string;
  assigned: number;
  labelled: number;
}

/**
 * `queues`, `queue_items` and `queue_assignments` (who labels which item). The labels themselves
 * live in `labels`, keyed by the same item id, so `tailor labels` and `tailor align` read them with
 * nothing to export; progress is a join of the two.
 */
export class QueueRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** The queue, its items and their annotators, all or nothing. */
  create(
    queue: Omit<QueueRecord, 'createdAt'>,
    items: QueueItemRecord[],
    assignments: { itemId: string; annotator: string }[],
  ): QueueRecord {
    const createdAt = new Date().toISOString();
    const addItem = this.#database.prepare(
      `INSERT INTO queue_items (queue_id, item_id, position, example_id, input_json, output, reference_json, grades_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const assign = this.#database.prepare(
      'INSERT INTO queue_assignments (queue_id, item_id, annotator) VALUES (?, ?, ?)',
    );
    this.#database.transaction(() => {
      this.#database
        .prepare(
          'INSERT INTO queues (id, name, source_json, overlap, instructions, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          queue.id,
          queue.name,
          JSON.stringify(queue.source),
          queue.overlap,
          queue.instructions,
          queue.createdBy,
          createdAt,
        );
      for (const item of items)
        addItem.run(
          queue.id,
          item.itemId,
          item.position,
          item.exampleId,
          JSON.stringify(item.input),
          item.output,
          item.reference === undefined ? null : JSON.stringify(item.reference),
          JSON.stringify(item.grades),
        );
      for (const assignment of assignments) assign.run(queue.id, assignment.itemId, assignment.annotator);
    })();
    return { ...queue, createdAt };
  }

  queue(id: string): QueueRecord | undefined {
    const row = this.#database.prepare('SELECT * FROM queues WHERE id = ?').get(id) as QueueRow | undefined;
    return row ? fromQueueRow(row) : undefined;
  }

  /** Every queue, or those with an item assigned to `annotator`; newest first. */
  queues(annotator?: string): QueueRecord[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM queues WHERE @annotator IS NULL OR id IN
           (SELECT queue_id FROM queue_assignments WHERE annotator = @annotator)
         ORDER BY created_at DESC, id`,
      )
      .all({ annotator: annotator ?? null }) as QueueRow[];
    return rows.map(fromQueueRow);
  }

  itemCount(queueId: string): number {
    return (
      this.#database.prepare('SELECT COUNT(*) AS n FROM queue_items WHERE queue_id = ?').get(queueId) as {
        n: number;
      }
    ).n;
  }

  item(queueId: string, itemId: string): QueueItemRecord | undefined {
    const row = this.#database
      .prepare('SELECT * FROM queue_items WHERE queue_id = ? AND item_id = ?')
      .get(queueId, itemId) as ItemRow | undefined;
    return row ? fromItemRow(row) : undefined;
  }

  isAssigned(queueId: string, itemId: string, annotator: string): boolean {
    return (
      this.#database
        .prepare('SELECT 1 FROM queue_assignments WHERE queue_id = ? AND item_id = ? AND annotator = ?')
        .get(queueId, itemId, annotator) !== undefined
    );
  }

  /** Per annotator: items assigned, and how many of them carry that annotator's label. */
  progress(queueId: string): AssignmentCount[] {
    return this.#database
      .prepare(
        `SELECT a.annotator AS annotator, COUNT(*) AS assigned, COUNT(l.id) AS labelled
         FROM queue_assignments a LEFT JOIN labels l ON l.item_id = a.item_id AND l.annotator = a.annotator
         WHERE a.queue_id = ? GROUP BY a.annotator ORDER BY a.annotator`,
      )
      .all(queueId) as AssignmentCount[];
  }

  /** The first assigned item, in queue order, that the annotator has neither labelled nor skipped. */
  next(queueId: string, annotator: string): QueueItemRecord | undefined {
    const row = this.#database
      .prepare(
        `SELECT i.* FROM queue_items i JOIN queue_assignments a ON a.queue_id = i.queue_id AND a.item_id = i.item_id
         WHERE i.queue_id = @queueId AND a.annotator = @annotator AND a.skipped_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.item_id = i.item_id AND l.annotator = @annotator)
         ORDER BY i.position LIMIT 1`,
      )
      .get({ queueId, annotator }) as ItemRow | undefined;
    return row ? fromItemRow(row) : undefined;
  }

  /** Assigned items not yet labelled (skipped ones included: they come back when the rest are done). */
  remaining(queueId: string, annotator: string): number {
    return (
      this.#database
        .prepare(
          `SELECT COUNT(*) AS n FROM queue_assignments a WHERE a.queue_id = @queueId AND a.annotator = @annotator
             AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.item_id = a.item_id AND l.annotator = @annotator)`,
        )
        .get({ queueId, annotator }) as { n: number }
    ).n;
  }

  skip(queueId: string, itemId: string, annotator: string): void {
    this.#database
      .prepare(
        'UPDATE queue_assignments SET skipped_at = ? WHERE queue_id = ? AND item_id = ? AND annotator = ?',
      )
      .run(new Date().toISOString(), queueId, itemId, annotator);
  }

  /** Skipped items come back once nothing else is left. */
  unskipAll(queueId: string, annotator: string): void {
    this.#database
      .prepare('UPDATE queue_assignments SET skipped_at = NULL WHERE queue_id = ? AND annotator = ?')
      .run(queueId, annotator);
  }

  /**
   * Undo: removes the annotator's most recently saved label on an item of this queue, and returns
   * that item's id (undefined when there is nothing to undo). One transaction, so two quick undos
   * remove two labels, never one twice.
   */
  undoLatestLabel(queueId: string, annotator: string): string | undefined {
    return this.#database.transaction(() => {
      const row = this.#database
        .prepare(
          `SELECT l.id AS id, l.item_id AS itemId FROM labels l
           JOIN queue_assignments a ON a.item_id = l.item_id AND a.annotator = l.annotator
           WHERE a.queue_id = ? AND l.annotator = ? ORDER BY l.imported_at DESC, l.id DESC LIMIT 1`,
        )
        .get(queueId, annotator) as { id: number; itemId: string } | undefined;
      if (!row) return undefined;
      this.#database.prepare('DELETE FROM labels WHERE id = ?').run(row.id);
      this.#database
        .prepare(
          'UPDATE queue_assignments SET skipped_at = NULL WHERE queue_id = ? AND item_id = ? AND annotator = ?',
        )
        .run(queueId, row.itemId, annotator);
      return row.itemId;
    })();
  }

  /** Item ids of the queue, for reading its labels. */
  itemIds(queueId: string): string[] {
    return (
      this.#database
        .prepare('SELECT item_id FROM queue_items WHERE queue_id = ? ORDER BY position')
        .all(queueId) as { item_id: string }[]
    ).map((row) => row.item_id);
  }
}

interface QueueRow {
  id: string;
  name: string;
  source_json: string;
  overlap: number;
  instructions: string;
  created_by: string;
  created_at: string;
}

function fromQueueRow(row: QueueRow): QueueRecord {
  return {
    id: row.id,
    name: row.name,
    source: JSON.parse(row.source_json),
    overlap: row.overlap,
    instructions: row.instructions,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

interface ItemRow {
  item_id: string;
  position: number;
  example_id: string;
  input_json: string;
  output: string;
  reference_json: string | null;
  grades_json: string;
}

function fromItemRow(row: ItemRow): QueueItemRecord {
  return {
    itemId: row.item_id,
    position: row.position,
    exampleId: row.example_id,
    input: JSON.parse(row.input_json),
    output: row.output,
    reference: row.reference_json === null ? undefined : JSON.parse(row.reference_json),
    grades: JSON.parse(row.grades_json),
  };
}
