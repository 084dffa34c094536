import type { SqliteDatabase } from './database.js';

/**
 * Tables keyed by (name, version) whose versions count up from 1 per name. The table name is one of
 * these constants, never caller input, so it can be put into the SQL text.
 */
export type VersionedTable = 'specialists' | 'judge_versions';

/** The number the next version of `name` gets. Call it inside the transaction that inserts it. */
export function nextVersion(database: SqliteDatabase, table: VersionedTable, name: string): number {
  const { latest } = database
    .prepare(`SELECT max(version) AS latest FROM ${table} WHERE name = ?`)
    .get(name) as {
    latest: number | null;
  };
  return (latest ?? 0) + 1;
}

/** The row of one version of `name`, or of its latest version when `version` is omitted. */
export function versionRow<Row>(
  database: SqliteDatabase,
  table: VersionedTable,
  name: string,
  version?: number,
): Row | undefined {
  return (
    version === undefined
      ? database.prepare(`SELECT * FROM ${table} WHERE name = ? ORDER BY version DESC LIMIT 1`).get(name)
      : database.prepare(`SELECT * FROM ${table} WHERE name = ? AND version = ?`).get(name, version)
  ) as Row | undefined;
}
