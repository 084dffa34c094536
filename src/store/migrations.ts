/**
 * Schema history. Append only: a migration that has shipped is never edited, a change is a new entry.
 * Each runs in its own transaction together with its row in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'response cache and model call log',
    sql: `
      CREATE TABLE response_cache (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        result_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE model_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        cost_usd REAL,
        cached INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX model_calls_by_model ON model_calls(model, created_at);
    `,
  },
  {
    version: 2,
    name: 'eval runs and their per-example results',
    sql: `
      CREATE TABLE eval_runs (
        id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        model TEXT NOT NULL,
        dataset TEXT NOT NULL,
        config_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE eval_results (
        run_id TEXT NOT NULL REFERENCES eval_runs(id),
        example_id TEXT NOT NULL,
        output TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        cost_usd REAL,
        grades_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, example_id)
      );
    `,
  },
  {
    version: 3,
    name: 'training runs and the specialists they produce',
    sql: `
      CREATE TABLE training_runs (
        id TEXT PRIMARY KEY,
        method TEXT NOT NULL,
        base TEXT NOT NULL,
        run_directory TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL,
        result_json TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE specialists (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        base TEXT NOT NULL,
        base_path TEXT NOT NULL,
        adapter_path TEXT NOT NULL,
        training_run TEXT NOT NULL REFERENCES training_runs(id),
        lineage_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (name, version)
      );
    `,
  },
  {
    version: 4,
    name: 'expert labels and judge versions',
    sql: `
      CREATE TABLE labels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id TEXT NOT NULL,
        example_id TEXT NOT NULL,
        output TEXT NOT NULL,
        output_b TEXT,
        annotator TEXT NOT NULL,
        pass INTEGER,
        score INTEGER,
        preference TEXT,
        critique TEXT,
        labelled_at TEXT,
        meta_json TEXT NOT NULL,
        source_file TEXT NOT NULL,
        source_line INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        UNIQUE (item_id, annotator)
      );
      CREATE INDEX labels_by_example ON labels(example_id);
      CREATE TABLE judge_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        grader_json TEXT NOT NULL,
        parent_version INTEGER,
        lineage_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (name, version)
      );
    `,
  },
  {
    version: 5,
    name: 'API keys and captured serving traffic',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        capture INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE traffic (
        id TEXT PRIMARY KEY,
        key_id TEXT,
        model TEXT NOT NULL,
        request_json TEXT NOT NULL,
        response_json TEXT,
        status INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        created_at TEXT NOT NULL
      );
      CREATE INDEX traffic_by_model ON traffic(model, created_at);
    `,
  },
  {
    version: 6,
    name: 'dataset versions',
    sql: `
      CREATE TABLE dataset_versions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        parent_id TEXT REFERENCES dataset_versions(id),
        operations_json TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX dataset_versions_by_name ON dataset_versions(name);
    `,
  },
  {
    version: 7,
    name: 'specialist aliases and their audit log',
    sql: `
      CREATE TABLE specialist_aliases (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, alias),
        FOREIGN KEY (name, version) REFERENCES specialists(name, version)
      );
      CREATE TABLE alias_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        action TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        report TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX alias_events_by_alias ON alias_events(name, alias, id);
    `,
  },
  {
    version: 8,
    name: 'people, sessions and annotation queues',
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE invites (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name),
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE TABLE queues (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source_json TEXT NOT NULL,
        overlap INTEGER NOT NULL,
        instructions TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE queue_items (
        queue_id TEXT NOT NULL REFERENCES queues(id),
        item_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        example_id TEXT NOT NULL,
        input_json TEXT NOT NULL,
        output TEXT NOT NULL,
        reference_json TEXT,
        grades_json TEXT NOT NULL,
        PRIMARY KEY (queue_id, item_id)
      );
      CREATE TABLE queue_assignments (
        queue_id TEXT NOT NULL REFERENCES queues(id),
        item_id TEXT NOT NULL,
        annotator TEXT NOT NULL REFERENCES users(name),
        skipped_at TEXT,
        PRIMARY KEY (queue_id, item_id, annotator),
        FOREIGN KEY (queue_id, item_id) REFERENCES queue_items(queue_id, item_id)
      );
      CREATE INDEX queue_assignments_by_annotator ON queue_assignments(annotator, queue_id);
    `,
  },
  {
    version: 9,
    name: 'loop iterations',
    sql: `
      CREATE TABLE loop_iterations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        specialist TEXT NOT NULL,
        status TEXT NOT NULL,
        step TEXT NOT NULL,
        traffic_until TEXT NOT NULL,
        state_json TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX loop_iterations_by_specialist ON loop_iterations(specialist, id);
    `,
  },
  {
    version: 10,
    name: 'traffic of shadow and canary rollouts',
    sql: `
      ALTER TABLE traffic ADD COLUMN rollout TEXT;
      ALTER TABLE traffic ADD COLUMN shadow_of TEXT;
      CREATE INDEX traffic_by_shadow ON traffic(shadow_of);
    `,
  },
];
