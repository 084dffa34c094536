import type { SqliteDatabase } from './database.js';

/**
 * One iteration of `tailor loop run`. `state` is JSON owned by src/loop (what each finished step
 * produced: the dataset version, the training run, the eval runs, the verdict), so a killed iteration
 * resumes at `step` with everything before it kept.
 */
export interface LoopIterationRecord {
  id: number;
  specialist: string;
  status: 'running' | 'promoted' | 'kept' | 'failed';
  step: string;
  /** Traffic captured up to this time is this iteration's data; the next trigger counts from here. */
  trafficUntil: string;
  state: unknown;
  startedAt: string;
  finishedAt: string | null;
}

/** `loop_iterations`. */
export class LoopRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  start(specialist: string, trafficUntil: string, step: string): LoopIterationRecord {
    const startedAt = new Date().toISOString();
    const { id } = this.#database
      .prepare(
        `INSERT INTO loop_iterations (specialist, status, step, traffic_until, state_json, started_at)
         VALUES (?, 'running', ?, ?, '{}', ?) RETURNING id`,
      )
      .get(specialist, step, trafficUntil, startedAt) as { id: number };
    return { id, specialist, status: 'running', step, trafficUntil, state: {}, startedAt, finishedAt: null };
  }

  /** Record a finished step: the next step to run and the state so far, in one statement. */
  advance(id: number, step: string, state: unknown): void {
    this.#database
      .prepare('UPDATE loop_iterations SET step = ?, state_json = ? WHERE id = ?')
      .run(step, JSON.stringify(state), id);
  }

  finish(id: number, status: 'promoted' | 'kept' | 'failed', state: unknown): void {
    this.#database
      .prepare(
        'UPDATE loop_iterations SET status = ?, step = ?, state_json = ?, finished_at = ? WHERE id = ?',
      )
      .run(status, 'done', JSON.stringify(state), new Date().toISOString(), id);
  }

  /** The specialist's iterations, newest first. */
  iterations(specialist: string): LoopIterationRecord[] {
    return (
      this.#database
        .prepare('SELECT * FROM loop_iterations WHERE specialist = ? ORDER BY id DESC')
        .all(specialist) as IterationRow[]
    ).map(fromRow);
  }

  /** Captured traffic with a 200 answer after `since` (exclusive), for the trigger. */
  trafficSince(since: string | undefined, model: string | undefined): number {
    return (
      this.#database
        .prepare(
          `SELECT COUNT(*) AS n FROM traffic WHERE status = 200 AND (@since IS NULL OR created_at > @since)
             AND (@model IS NULL OR model = @model) AND rollout IS NOT 'shadow'`,
        )
        .get({ since: since ?? null, model: model ?? null }) as { n: number }
    ).n;
  }

  /** Feedback labels on captured traffic imported after `since`. */
  feedbackSince(since: string | undefined): number {
    return (
      this.#database
        .prepare(
          `SELECT COUNT(*) AS n FROM labels WHERE item_id LIKE 'traffic:%' AND (@since IS NULL OR imported_at > @since)`,
        )
        .get({ since: since ?? null }) as { n: number }
    ).n;
  }
}

interface IterationRow {
  id: number;
  specialist: string;
  status: LoopIterationRecord['status'];
  step: string;
  traffic_until: string;
  state_json: string;
  started_at: string;
  finished_at: string | null;
}

function fromRow(row: IterationRow): LoopIterationRecord {
  return {
    id: row.id,
    specialist: row.specialist,
    status: row.status,
    step: row.step,
    trafficUntil: row.traffic_until,
    state: JSON.parse(row.state_json),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
