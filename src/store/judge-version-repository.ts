import type { SqliteDatabase } from './database.js';
import { nextVersion, versionRow } from './versioned-rows.js';

/**
 * A stored judge version. `config` is JSON whose shape belongs to src/align (a rubric grader config),
 * which reads it back; `lineage` is what the tuning recorded about where the version came from.
 */
export interface JudgeVersionRecord {
  name: string;
  version: number;
  config: unknown;
  parentVersion: number | undefined;
  lineage: Record<string, unknown>;
  createdAt: string;
}

/** `judge_versions`: numbered versions per judge name, starting at 1. */
export class JudgeVersionRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /**
   * Store the next version of a judge and return its number. Reading the latest number and writing
   * the next one happen in one transaction, so two tuning runs never get the same number.
   */
  saveNext(entry: Omit<JudgeVersionRecord, 'version' | 'createdAt'>): number {
    return this.#database.transaction(() => {
      const version = nextVersion(this.#database, 'judge_versions', entry.name);
      this.#database
        .prepare(
          'INSERT INTO judge_versions (name, version, grader_json, parent_version, lineage_json, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          entry.name,
          version,
          JSON.stringify(entry.config),
          entry.parentVersion ?? null,
          JSON.stringify(entry.lineage),
          new Date().toISOString(),
        );
      return version;
    })();
  }

  /** One version, or the latest when `version` is omitted. */
  find(name: string, version?: number): JudgeVersionRecord | undefined {
    const row = versionRow<JudgeVersionRow>(this.#database, 'judge_versions', name, version);
    return row ? fromRow(row) : undefined;
  }

  /** Every version of every judge, by name then version. */
  list(): JudgeVersionRecord[] {
    return (
      this.#database.prepare('SELECT * FROM judge_versions ORDER BY name, version').all() as JudgeVersionRow[]
    ).map(fromRow);
  }
}

interface JudgeVersionRow {
  name: string;
  version: number;
  grader_json: string;
  parent_version: number | null;
  lineage_json: string;
  created_at: string;
}

const fromRow = (row: JudgeVersionRow): JudgeVersionRecord => ({
  name: row.name,
  version: row.version,
  config: JSON.parse(row.grader_json),
  parentVersion: row.parent_version ?? undefined,
  lineage: JSON.parse(row.lineage_json),
  createdAt: row.created_at,
});
