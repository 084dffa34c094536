import type { SqliteDatabase } from './database.js';

/**
 * A dataset version as the store keeps it. The id is a hash of the records' content (src/data makes
 * it), so the same records always get the same row. `operations` is JSON whose shape belongs to
 * src/data (the steps that made the version, with their counts); src/data parses it. `path` is the
 * records file relative to the workspace root, so a workspace that is moved keeps its datasets.
 */
export interface DatasetVersionRecord {
  id: string;
  name: string;
  /** Where the records came from, in words (a file, a split, the outputs curated). */
  source: string;
  parentId: string | null;
  operations: unknown;
  recordCount: number;
  path: string;
  createdAt: string;
}

/** `dataset_versions`: content-addressed datasets, each pointing at the version it was made from. */
export class DatasetVersionRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /**
   * Store a version unless one with its id exists. Returns the stored row and whether it is new: saving
   * the same content again leaves the first row (its name, source and time) as it was.
   */
  save(version: Omit<DatasetVersionRecord, 'createdAt'>): {
    version: DatasetVersionRecord;
    created: boolean;
  } {
    const { changes } = this.#database
      .prepare(
        `INSERT INTO dataset_versions (id, name, source, parent_id, operations_json, record_count, path, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO NOTHING`,
      )
      .run(
        version.id,
        version.name,
        version.source,
        version.parentId,
        JSON.stringify(version.operations),
        version.recordCount,
        version.path,
        new Date().toISOString(),
      );
    return { version: this.get(version.id)!, created: changes > 0 };
  }

  get(id: string): DatasetVersionRecord | undefined {
    const row = this.#database.prepare('SELECT * FROM dataset_versions WHERE id = ?').get(id) as
      | DatasetVersionRow
      | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Every version with this name, oldest first (a name may be given to several versions). */
  named(name: string): DatasetVersionRecord[] {
    return (
      this.#database
        .prepare('SELECT * FROM dataset_versions WHERE name = ? ORDER BY created_at, id')
        .all(name) as DatasetVersionRow[]
    ).map(fromRow);
  }

  list(): DatasetVersionRecord[] {
    return (
      this.#database
        .prepare('SELECT * FROM dataset_versions ORDER BY created_at, id')
        .all() as DatasetVersionRow[]
    ).map(fromRow);
  }
}

interface DatasetVersionRow {
  id: string;
  name: string;
  source: string;
  parent_id: string | null;
  operations_json: string;
  record_count: number;
  path: string;
  created_at: string;
}

function fromRow(row: DatasetVersionRow): DatasetVersionRecord {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    parentId: row.parent_id,
    operations: JSON.parse(row.operations_json),
    recordCount: row.record_count,
    path: row.path,
    createdAt: row.created_at,
  };
}
