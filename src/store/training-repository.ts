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

  /**
   * A specialist by the name a client or a command gives: `name` (its latest version), `name@v3`
   * (that version) or `name@prod` (the version the alias points at now, read from the table on every
   * call, so a running server follows a promotion without a restart).
   */
  specialistAt(reference: string): SpecialistRecord | undefined {
    const at = reference.lastIndexOf('@');
    if (at <= 0) return this.specialist(reference);
    const name = reference.slice(0, at);
    const selector = reference.slice(at + 1);
    const version = /^v\d+$/.test(selector) ? Number(selector.slice(1)) : this.alias(name, selector)?.version;
    return version === undefined ? undefined : this.specialist(name, version);
  }

  alias(name: string, alias: string): AliasRecord | undefined {
    const row = this.#database
      .prepare('SELECT * FROM specialist_aliases WHERE name = ? AND alias = ?')
      .get(name, alias) as AliasRow | undefined;
    return row
      ? { name: row.name, alias: row.alias, version: row.version, updatedAt: row.updated_at }
      : undefined;
  }

  aliases(name?: string): AliasRecord[] {
    const rows = (
      name === undefined
        ? this.#database.prepare('SELECT * FROM specialist_aliases ORDER BY name, alias').all()
        : this.#database.prepare('SELECT * FROM specialist_aliases WHERE name = ? ORDER BY alias').all(name)
    ) as AliasRow[];
    return rows.map((row) => ({
      name: row.name,
      alias: row.alias,
      version: row.version,
      updatedAt: row.updated_at,
    }));
  }

  /**
   * Point an alias at a version and log who did it, when and why, in one transaction: readers see the
   * old version or the new one, and never a move without its log line. Returns the logged event.
   */
  moveAlias(move: Omit<AliasEvent, 'id' | 'fromVersion' | 'at'>): AliasEvent {
    return this.#database.transaction(() => {
      const from = this.alias(move.name, move.alias)?.version ?? null;
      const at = new Date().toISOString();
      this.#database
        .prepare(
          `INSERT INTO specialist_aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
        )
        .run(move.name, move.alias, move.toVersion, at);
      const { lastInsertRowid } = this.#database
        .prepare(
          `INSERT INTO alias_events (name, alias, action, from_version, to_version, actor, reason, report, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          move.name,
          move.alias,
          move.action,
          from,
          move.toVersion,
          move.actor,
          move.reason,
          move.report,
          at,
        );
      return { ...move, id: Number(lastInsertRowid), fromVersion: from, at };
    })();
  }

  /** The audit log, newest first. */
  aliasEvents(filter: { name?: string; alias?: string } = {}): AliasEvent[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM alias_events WHERE (@name IS NULL OR name = @name) AND (@alias IS NULL OR alias = @alias)
         ORDER BY id DESC`,
      )
      .all({ name: filter.name ?? null, alias: filter.alias ?? null }) as AliasEventRow[];
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      alias: row.alias,
      action: row.action,
      fromVersion: row.from_version,
      toVersion: row.to_version,
      actor: row.actor,
      reason: row.reason,
      report: row.report,
      at: row.at,
    }));
  }
}

/** A name clients call (`notes-sft@prod`) and the version it points at. */
export interface AliasRecord {
  name: string;
  alias: string;
  version: number;
  updatedAt: string;
}

/** One line of the alias audit log. */
export interface AliasEvent {
  id: number;
  name: string;
  alias: string;
  action: 'promote' | 'rollback';
  fromVersion: number | null;
  toVersion: number;
  actor: string;
  reason: string;
  /** A gate report (or any file) the move was made on. */
  report: string | null;
  at: string;
}

interface AliasRow {
  name: string;
  alias: string;
  version: number;
  updated_at: string;
}

interface AliasEventRow {
  id: number;
  name: string;
  alias: string;
  action: AliasEvent['action'];
  from_version: number | null;
  to_version: number;
  actor: string;
  reason: string;
  report: string | null;
  at: string;
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
