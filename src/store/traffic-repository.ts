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
  /**
   * A rollout's answer: `canary` (a candidate answered the client in prod's place) or `shadow` (a
   * candidate answered the same request in the background; the client got prod's answer, `shadowOf`).
   */
  rollout?: 'canary' | 'shadow' | undefined;
  shadowOf?: string | undefined;
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
      `INSERT INTO traffic (id, key_id, model, request_json, response_json, status, latency_ms, input_tokens, output_tokens, created_at, rollout, shadow_of)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      record.rollout ?? null,
      record.shadowOf ?? null,
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
   * [since, until) (ISO 8601 times). Shadow answers are left out (no client received them) unless
   * `shadow` asks for them alone.
   */
  successful(filter: {
    model?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
    shadow?: boolean;
  }): StoredTraffic[] {
    const rows = this.#database
      .prepare(
        `SELECT * FROM traffic WHERE status = 200 AND (@model IS NULL OR model = @model)
           AND (@since IS NULL OR created_at >= @since) AND (@until IS NULL OR created_at < @until)
           AND (CASE WHEN @shadow THEN rollout = 'shadow' ELSE rollout IS NOT 'shadow' END)
         ORDER BY created_at`,
      )
      .all({
        model: filter.model ?? null,
        since: filter.since ?? null,
        until: filter.until ?? null,
        shadow: filter.shadow ? 1 : 0,
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
  rollout: 'canary' | 'shadow' | null;
  shadow_of: string | null;
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
    ...(row.rollout ? { rollout: row.rollout } : {}),
    ...(row.shadow_of ? { shadowOf: row.shadow_of } : {}),
    createdAt: row.created_at,
  };
}
