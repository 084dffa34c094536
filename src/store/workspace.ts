import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type TailorConfig } from '../core/config.js';
import { WorkspaceError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { openDatabase, type SqliteDatabase } from './database.js';

/**
 * A workspace is a folder with `tailor.yaml` and `.tailor/` (database + artifacts). Everything a run
 * produces lives there, so a project can be zipped, moved or deleted as a unit.
 */
export interface WorkspacePaths {
  root: string;
  configFile: string;
  dataDirectory: string;
  databaseFile: string;
  artifactsDirectory: string;
}

export function workspacePaths(root: string): WorkspacePaths {
  const absolute = resolve(root);
  const dataDirectory = join(absolute, '.tailor');
  return {
    root: absolute,
    configFile: join(absolute, 'tailor.yaml'),
    dataDirectory,
    databaseFile: join(dataDirectory, 'tailor.db'),
    artifactsDirectory: join(dataDirectory, 'artifacts'),
  };
}

export const configTemplate = `# Tailor workspace configuration. Reference: docs/cli.md#tailoryaml
version: 1

# Model used when a command is not given --model. See \`tailor models list\`.
defaultModel: llama:smollm2-135m-instruct

llama:
  threads: 0          # 0 = one per available core
  contextSize: 2048   # tokens per parallel sequence
  parallel: 8         # sequences decoded together in one batch
  gpu: auto           # auto | cuda | vulkan | metal | off

providers:
  openai:
    apiKeyEnv: OPENAI_API_KEY   # keys are read from the environment, never stored
    concurrency: 8
  anthropic:
    apiKeyEnv: ANTHROPIC_API_KEY
    concurrency: 4

cache:
  enabled: true

# USD per million tokens; keys are model references, a trailing * matches a prefix.
prices:
  "openai:gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 }
  "openai:gpt-4.1": { inputPerMillion: 2.0, outputPerMillion: 8.0 }
  "anthropic:claude-sonnet-4*": { inputPerMillion: 3.0, outputPerMillion: 15.0 }
  "anthropic:claude-haiku-4*": { inputPerMillion: 1.0, outputPerMillion: 5.0 }
`;

export interface InitResult {
  paths: WorkspacePaths;
  createdConfig: boolean;
}

/** Create `tailor.yaml` (unless present) and `.tailor/`. Safe to run again: it never overwrites. */
export function initWorkspace(root: string): InitResult {
  const paths = workspacePaths(root);
  mkdirSync(paths.artifactsDirectory, { recursive: true });
  const createdConfig = !existsSync(paths.configFile);
  if (createdConfig) writeFileAtomic(paths.configFile, configTemplate);
  loadConfig(paths.configFile); // an existing but invalid file should fail init loudly
  openDatabase(paths.databaseFile).close();
  return { paths, createdConfig };
}

export interface Workspace {
  paths: WorkspacePaths;
  config: TailorConfig;
  store: WorkspaceStore;
  close(): void;
}

export function openWorkspace(root: string): Workspace {
  const paths = workspacePaths(root);
  if (!existsSync(paths.configFile)) {
    throw new WorkspaceError(`No tailor.yaml in ${paths.root}`, {
      hint: 'Run `tailor init` there first, or pass --workspace <dir>.',
    });
  }
  const config = loadConfig(paths.configFile);
  mkdirSync(paths.artifactsDirectory, { recursive: true });
  const store = new WorkspaceStore(openDatabase(paths.databaseFile));
  return { paths, config, store, close: () => store.close() };
}

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

/** Typed access to the workspace database. Holds prepared statements; one per process is enough. */
export class WorkspaceStore {
  readonly #database: SqliteDatabase;
  readonly #getCached;
  readonly #putCached;
  readonly #hitCached;
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

  get database(): SqliteDatabase {
    return this.#database;
  }

  getCachedResponse(key: string): unknown | undefined {
    const row = this.#getCached.get(key) as { result_json: string } | undefined;
    if (!row) return undefined;
    this.#hitCached.run(key);
    return JSON.parse(row.result_json);
  }

  putCachedResponse(key: string, model: string, result: unknown): void {
    this.#putCached.run(key, model, JSON.stringify(result), new Date().toISOString());
  }

  recordModelCall(call: ModelCallRecord): void {
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

  startTrainingRun(run: Pick<TrainingRunRecord, 'id' | 'method' | 'base' | 'runDirectory' | 'config'>): void {
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

  finishTrainingRun(id: string, status: 'finished' | 'failed', result: unknown): void {
    this.#database
      .prepare('UPDATE training_runs SET status = ?, result_json = ?, finished_at = ? WHERE id = ?')
      .run(status, JSON.stringify(result), new Date().toISOString(), id);
  }

  trainingRuns(): TrainingRunRecord[] {
    return (
      this.#database.prepare('SELECT * FROM training_runs ORDER BY created_at').all() as TrainingRunRow[]
    ).map(fromTrainingRunRow);
  }

  trainingRun(id: string): TrainingRunRecord | undefined {
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
      const row = this.#database
        .prepare('SELECT max(version) AS version FROM specialists WHERE name = ?')
        .get(specialist.name) as { version: number | null };
      const version = (row.version ?? 0) + 1;
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
    const row = (
      version === undefined
        ? this.#database
            .prepare('SELECT * FROM specialists WHERE name = ? ORDER BY version DESC LIMIT 1')
            .get(name)
        : this.#database
            .prepare('SELECT * FROM specialists WHERE name = ? AND version = ?')
            .get(name, version)
    ) as SpecialistRow | undefined;
    return row ? fromSpecialistRow(row) : undefined;
  }

  specialists(): SpecialistRecord[] {
    return (
      this.#database.prepare('SELECT * FROM specialists ORDER BY name, version').all() as SpecialistRow[]
    ).map(fromSpecialistRow);
  }

  close(): void {
    if (this.#database.open) this.#database.close();
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
