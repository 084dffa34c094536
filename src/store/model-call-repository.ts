import type { SqliteDatabase } from './database.js';

/** One finished model call, as the call pipeline's accounting records it (cache hits included). */
export interface ModelCallRecord {
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  costUsd: number | null;
  cached: boolean;
}

export interface ModelUsageSummary {
  model: string;
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/**
 * `response_cache` and `model_calls`: what the call pipeline remembers about calls. Both sit on the
 * hot path of every model call, so their statements are prepared once, when the store opens.
 */
export class ModelCallRepository {
  readonly #database: SqliteDatabase;
  readonly #getCached;
  readonly #hitCached;
  readonly #putCached;
  readonly #insertCall;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    this.#getCached = database.prepare('SELECT result_json FROM response_cache WHERE key = ?');
    this.#hitCached = database.prepare('UPDATE response_cache SET hits = hits + 1 WHERE key = ?');
    this.#putCached = database.prepare(
      'INSERT OR REPLACE INTO response_cache (key, model, result_json, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#insertCall = database.prepare(
      `INSERT INTO model_calls (model, provider, input_tokens, output_tokens, latency_ms, cost_usd, cached, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /**
   * The cached result under `key` (counting the hit), or undefined. The result's shape belongs to
   * src/models (a `GenerateResult`), which reads it back.
   */
  cachedResponse(key: string): unknown | undefined {
    const row = this.#getCached.get(key) as { result_json: string } | undefined;
    if (!row) return undefined;
    this.#hitCached.run(key);
    return JSON.parse(row.result_json);
  }

  cacheResponse(key: string, model: string, result: unknown): void {
    this.#putCached.run(key, model, JSON.stringify(result), new Date().toISOString());
  }

  record(call: ModelCallRecord): void {
    this.#insertCall.run(
      call.model,
      call.provider,
      call.inputTokens,
      call.outputTokens,
      call.latencyMs,
      call.costUsd,
      call.cached ? 1 : 0,
      new Date().toISOString(),
    );
  }

  usageByModel(): ModelUsageSummary[] {
    return this.#database
      .prepare(
        `SELECT model, count(*) AS calls, sum(cached) AS cachedCalls, sum(input_tokens) AS inputTokens,
                sum(output_tokens) AS outputTokens, sum(cost_usd) AS costUsd
         FROM model_calls GROUP BY model ORDER BY model`,
      )
      .all() as ModelUsageSummary[];
  }

  /** Output tokens actually decoded: every call's, cache hits excluded (they cost no decoding). */
  decodedOutputTokens(): number {
    const row = this.#database
      .prepare('SELECT coalesce(sum(output_tokens), 0) AS total FROM model_calls WHERE cached = 0')
      .get() as { total: number };
    return row.total;
  }
}
