import type { SqliteDatabase } from './database.js';

/** An eval run. `config` is JSON whose shape belongs to src/evals (grader configs, generation cap). */
export interface EvalRunRecord {
  id: string;
  task: string;
  model: string;
  dataset: string;
  config: unknown;
  createdAt: string;
  finishedAt: string | null;
}

/**
 * One example's stored result. `grades` is JSON whose shape belongs to src/task's grading (grader
 * name → outcome); src/evals reads it back.
 */
export interface EvalResultRecord {
  exampleId: string;
  output: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  costUsd: number | null;
  grades: unknown;
}

/**
 * `eval_runs` and `eval_results`. Results are written one by one as examples finish, each in its own
 * statement, so a killed run keeps everything done before the kill and resumes from there.
 */
export class EvalRunRepository {
  readonly #database: SqliteDatabase;
  readonly #saveResult;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    this.#saveResult = database.prepare(
      `INSERT OR REPLACE INTO eval_results (run_id, example_id, output, input_tokens, output_tokens, latency_ms, cost_usd, grades_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Record a run; an id that is already stored is left as it is (the same id is the same run, resumed). */
  start(run: Pick<EvalRunRecord, 'id' | 'task' | 'model' | 'dataset' | 'config'>): void {
    this.#database
      .prepare(
        'INSERT OR IGNORE INTO eval_runs (id, task, model, dataset, config_json, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(run.id, run.task, run.model, run.dataset, JSON.stringify(run.config), new Date().toISOString());
  }

  finish(id: string): void {
    this.#database
      .prepare('UPDATE eval_runs SET finished_at = ? WHERE id = ?')
      .run(new Date().toISOString(), id);
  }

  run(id: string): EvalRunRecord | undefined {
    const row = this.#database.prepare('SELECT * FROM eval_runs WHERE id = ?').get(id) as
      | EvalRunRow
      | undefined;
    return row ? fromRunRow(row) : undefined;
  }

  /** Every run, newest first, with how many examples it has stored. */
  list(): Array<EvalRunRecord & { examples: number }> {
    const rows = this.#database
      .prepare(
        `SELECT eval_runs.*, (SELECT COUNT(*) FROM eval_results WHERE run_id = eval_runs.id) AS examples
         FROM eval_runs ORDER BY created_at DESC, id`,
      )
      .all() as Array<EvalRunRow & { examples: number }>;
    return rows.map((row) => ({ ...fromRunRow(row), examples: row.examples }));
  }

  /** Stored results of a run, by example id. */
  results(runId: string): EvalResultRecord[] {
    const rows = this.#database
      .prepare('SELECT * FROM eval_results WHERE run_id = ? ORDER BY example_id')
      .all(runId) as EvalResultRow[];
    return rows.map((row) => ({
      exampleId: row.example_id,
      output: row.output,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      latencyMs: row.latency_ms,
      costUsd: row.cost_usd,
      grades: JSON.parse(row.grades_json),
    }));
  }

  /** Store one example's result, replacing an earlier one for the same example. */
  saveResult(runId: string, result: EvalResultRecord): void {
    this.#saveResult.run(
      runId,
      result.exampleId,
      result.output,
      result.inputTokens,
      result.outputTokens,
      result.latencyMs,
      result.costUsd,
      JSON.stringify(result.grades),
      new Date().toISOString(),
    );
  }
}

function fromRunRow(row: EvalRunRow): EvalRunRecord {
  return {
    id: row.id,
    task: row.task,
    model: row.model,
    dataset: row.dataset,
    config: JSON.parse(row.config_json),
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

interface EvalRunRow {
  id: string;
  task: string;
  model: string;
  dataset: string;
  config_json: string;
  created_at: string;
  finished_at: string | null;
}

interface EvalResultRow {
  example_id: string;
  output: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  cost_usd: number | null;
  grades_json: string;
}
