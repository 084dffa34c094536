import type { SqliteDatabase } from './database.js';

/**
 * One captured request. `request` and `response` are JSON whose shape belongs to src/serve (the
 * OpenAI wire format, already redacted there); `keyId` names the key, never the secret.
 */
export interface TrafficRecord {
  id: string;
  keyId: string | undefined;
  model: string;
  request: unknown;
  response: unknown;
  status: number;
  latencyMs: number;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
}

export interface StoredTraffic extends TrafficRecord {
  createdAt: string;
}

/** `traffic`: captured serving requests. Feedback on them is stored as labels (see labels). */
export class TrafficRepository {
  readonly #database: SqliteDatabase;
  readonly #add;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    // Written after every captured response.
    this.#add = database.prepare(
      `INSERT INTO traffic (id, key_id, model, request_json, response_json, status, latency_ms, input_tokens, output_tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  add(record: TrafficRecord): void {
    this.#add.run(
      record.id,
      record.keyId ?? null,
      record.model,
      JSON.stringify(record.request),
      record.response === undefined ? null : JSON.stringify(record.response),
      record.status,
      record.latencyMs,
      record.inputTokens ?? null,
      record.outputTokens ?? null,
      new Date().toISOString(),
    );
  }

  find(id: string): StoredTraffic | undefined {
    const row = this.#database.prepare('SELECT * FROM traffic WHERE id = ?').get(id) as
      | TrafficRow
      | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Requests answered with status 200, oldest first, optionally of one model and within
   * [since, until) (ISO 8601 times).
   */
  successful(filter: {
    model?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
  }): StoredTraffic[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM traffic WHERE status = 200 AND (@model IS NULL OR model = @model)
           AND (@since IS NULL OR created_at >= @since) AND (@until IS NULL OR created_at < @until)
         ORDER BY created_at`,
      )
      .all({
        model: filter.model ?? null,
        since: filter.since ?? null,
        until: filter.until ?? null,
      }) as TrafficRow[];
    return rows.map(fromRow);
  }

  /** The latest `limit` requests, whatever their status, newest first; optionally of one model. */
  recent(filter: { model?: string | undefined; limit: number }): StoredTraffic[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM traffic WHERE (@model IS NULL OR model = @model)
         ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
      )
      .all({ model: filter.model ?? null, limit: filter.limit }) as TrafficRow[];
    return rows.map(fromRow);
  }

  /** Every model that has captured traffic, by name. */
  models(): string[] {
    return (
      this.#database.prepare('SELECT DISTINCT model FROM traffic ORDER BY model').all() as { model: string }[]
    ).map((row) => row.model);
  }
}

interface TrafficRow {
  id: string;
  key_id: string | null;
  model: string;
  request_json: string;
  response_json: string | null;
  status: number;
  latency_ms: number;
  input_tokens: number | null;
  output_tokens: number | null;
  created_at: string;
}

function fromRow(row: TrafficRow): StoredTraffic {
  return {
    id: row.id,
    keyId: row.key_id ?? undefined,
    model: row.model,
    request: JSON.parse(row.request_json),
    response: row.response_json === null ? undefined : JSON.parse(row.response_json),
    status: row.status,
    latencyMs: row.latency_ms,
    inputTokens: row.input_tokens ?? undefined,
    outputTokens: row.output_tokens ?? undefined,
    createdAt: row.created_at,
  };
}
