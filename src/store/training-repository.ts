import type { SqliteDatabase } from './database.js';
import { nextVersion, versionRow } from './versioned-rows.js';

/**
 * A training run as the store keeps it. `config` and `result` are JSON whose shape belongs to
 * src/train (the method's config, and what the run reported or why it failed); src/train parses them.
 */
export interface TrainingRunRecord {
  id: string;
  method: string;
  base: string;
  runDirectory: string;
  config: unknown;
  status: 'running' | 'finished' | 'failed';
  result: unknown;
  createdAt: string;
  finishedAt: string | null;
}

/** A trained model: a base GGUF plus an adapter, with where it came from. */
export interface SpecialistRecord {
  name: string;
  version: number;
  base: string;
  basePath: string;
  adapterPath: string;
  trainingRun: string;
  lineage: Record<string, unknown>;
  createdAt: string;
}

/** `training_runs` and `specialists`: a run, and the numbered specialists it registers. */
export class TrainingRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** Record a run as running; starting an id again (a resumed run) sets it back to running. */
  startRun(run: Pick<TrainingRunRecord, 'id' | 'method' | 'base' | 'runDirectory' | 'config'>): void {
    this.#database
      .prepare(
        `INSERT INTO training_runs (id, method, base, run_directory, config_json, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)
         ON CONFLICT(id) DO UPDATE SET status = 'running', finished_at = NULL`,
      )
      .run(
        run.id,
        run.method,
        run.base,
        run.runDirectory,
        JSON.stringify(run.config),
        new Date().toISOString(),
      );
  }

  finishRun(id: string, status: 'finished' | 'failed', result: unknown): void {
    this.#database
      .prepare('UPDATE training_runs SET status = ?, result_json = ?, finished_at = ? WHERE id = ?')
      .run(status, JSON.stringify(result), new Date().toISOString(), id);
  }

  runs(): TrainingRunRecord[] {
    return (
      this.#database.prepare('SELECT * FROM training_runs ORDER BY created_at').all() as TrainingRunRow[]
    ).map(fromTrainingRunRow);
  }

  run(id: string): TrainingRunRecord | undefined {
    const row = this.#database.prepare('SELECT * FROM training_runs WHERE id = ?').get(id) as
      | TrainingRunRow
      | undefined;
    return row ? fromTrainingRunRow(row) : undefined;
  }

  /** Register the next version of a specialist (in one transaction, so versions never collide). */
  registerSpecialist(
    specialist: Omit<SpecialistRecord, 'version' | 'createdAt'>,
    adapterPathFor: (version: number) => string,
  ): SpecialistRecord {
    return this.#database.transaction(() => {
      const version = nextVersion(this.#database, 'specialists', specialist.name);
      const record: SpecialistRecord = {
        ...specialist,
        adapterPath: adapterPathFor(version),
        version,
        createdAt: new Date().toISOString(),
      };
      this.#database
        .prepare(
          `INSERT INTO specialists (name, version, base, base_path, adapter_path, training_run, lineage_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.name,
          version,
          record.base,
          record.basePath,
          record.adapterPath,
          record.trainingRun,
          JSON.stringify(record.lineage),
          record.createdAt,
        );
      return record;
    })();
  }

  /** The latest version of a specialist, or the given one. */
  specialist(name: string, version?: number): SpecialistRecord | undefined {
    const row = versionRow<SpecialistRow>(this.#database, 'specialists', name, version);
    return row ? fromSpecialistRow(row) : undefined;
  }

  specialists(): SpecialistRecord[] {
    return (
      this.#database.prepare('SELECT * FROM specialists ORDER BY name, version').all() as SpecialistRow[]
    ).map(fromSpecialistRow);
  }
}

interface TrainingRunRow {
  id: string;
  method: string;
  base: string;
  run_directory: string;
  config_json: string;
  status: TrainingRunRecord['status'];
  result_json: string | null;
  created_at: string;
  finished_at: string | null;
}

function fromTrainingRunRow(row: TrainingRunRow): TrainingRunRecord {
  return {
    id: row.id,
    method: row.method,
    base: row.base,
    runDirectory: row.run_directory,
    config: JSON.parse(row.config_json),
    status: row.status,
    result: row.result_json ? JSON.parse(row.result_json) : null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

interface SpecialistRow {
  name: string;
  version: number;
  base: string;
  base_path: string;
  adapter_path: string;
  training_run: string;
  lineage_json: string;
  created_at: string;
}

function fromSpecialistRow(row: SpecialistRow): SpecialistRecord {
  return {
    name: row.name,
    version: row.version,
    base: row.base,
    basePath: row.base_path,
    adapterPath: row.adapter_path,
    trainingRun: row.training_run,
    lineage: JSON.parse(row.lineage_json) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
