import type { WorkspaceStore } from '../store/workspace.js';
import type { RubricConfig } from './tune.js';

/**
 * Judge versions: a tuned judge is a new version of a grader config with its lineage (parent
 * version, the labels and split it was tuned on, its dev and test scores). Version numbers per judge
 * name start at 1 and are assigned in a transaction.
 */
export interface JudgeVersion {
  name: string;
  version: number;
  config: RubricConfig;
  parentVersion: number | undefined;
  lineage: Record<string, unknown>;
  createdAt: string;
}

export function saveJudgeVersion(
  store: WorkspaceStore,
  entry: {
    name: string;
    config: RubricConfig;
    parentVersion: number | undefined;
    lineage: Record<string, unknown>;
  },
): number {
  const database = store.database;
  return database.transaction(() => {
    const { latest } = database
      .prepare('SELECT MAX(version) AS latest FROM judge_versions WHERE name = ?')
      .get(entry.name) as { latest: number | null };
    const version = (latest ?? 0) + 1;
    database
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

interface Row {
  name: string;
  version: number;
  grader_json: string;
  parent_version: number | null;
  lineage_json: string;
  created_at: string;
}

const fromRow = (row: Row): JudgeVersion => ({
  name: row.name,
  version: row.version,
  config: JSON.parse(row.grader_json),
  parentVersion: row.parent_version ?? undefined,
  lineage: JSON.parse(row.lineage_json),
  createdAt: row.created_at,
});

/** One version, or the latest when `version` is omitted. */
export function judgeVersion(
  store: WorkspaceStore,
  name: string,
  version?: number,
): JudgeVersion | undefined {
  const row = (
    version === undefined
      ? store.database
          .prepare('SELECT * FROM judge_versions WHERE name = ? ORDER BY version DESC LIMIT 1')
          .get(name)
      : store.database
          .prepare('SELECT * FROM judge_versions WHERE name = ? AND version = ?')
          .get(name, version)
  ) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export function judgeVersions(store: WorkspaceStore): JudgeVersion[] {
  return (store.database.prepare('SELECT * FROM judge_versions ORDER BY name, version').all() as Row[]).map(
    fromRow,
  );
}
