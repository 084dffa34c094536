import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, type TailorConfig } from '../core/config.js';
import { WorkspaceError } from '../core/errors.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { writeFileAtomic } from './atomic-file.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { DatasetVersionRepository } from './dataset-version-repository.js';
import { EvalRunRepository } from './eval-run-repository.js';
import { JudgeVersionRepository } from './judge-version-repository.js';
import { LabelRepository } from './label-repository.js';
import { LoopRepository } from './loop-repository.js';
import { ModelCallRepository } from './model-call-repository.js';
import { PeopleRepository } from './people-repository.js';
import { QueueRepository } from './queue-repository.js';
import { TrafficRepository } from './traffic-repository.js';
import { TrainingRepository } from './training-repository.js';

// Record types that callers have always imported from here.
export type { DatasetVersionRecord } from './dataset-version-repository.js';
export type { ModelCallRecord, ModelUsageSummary } from './model-call-repository.js';
export type { SpecialistRecord, TrainingRunRecord } from './training-repository.js';

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
  /** Dataset versions: `<id>.jsonl` with its data card `<id>.md` and `<id>.html`. */
  datasetsDirectory: string;
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
    datasetsDirectory: join(dataDirectory, 'datasets'),
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

# The task: what the model is asked and how its answers are graded (docs/tutorial.md). Uncomment,
# point data: at your JSONL files ({"id", "input": {...}, "reference": ...} per line), and run
# \`tailor eval\`. Every folder under examples/ has a complete one.
# task:
#   name: my-task
#   system: You extract the order details from a customer email.
#   prompt: "Email:\\n{{email}}\\n\\nReply with the JSON object only."
#   output:
#     format: json              # json | text
#     schema: ./schema.json     # JSON Schema of the reply (json tasks); also constrains decoding
#   data:
#     train: ./data/train.jsonl
#     validation: ./data/validation.jsonl
#     test: ./data/held-out.jsonl  # for the final comparison only: training never reads it
#   graders:
#     - name: schema
#       type: json-schema
#       required: true          # a failed required grader fails the example whatever the rest say
#     - name: fields
#       type: field-match       # per-field agreement with the reference
#       weight: 2
#       fields:
#         customer: { match: exact }
#         total: { match: numeric, tolerance: 0.01 }
#         items: { match: set }
# An example passes when its weighted mean score is at least 0.8 and no required grader failed.
`;

export interface InitResult {
  paths: WorkspacePaths;
  createdConfig: boolean;
}

/** Create `tailor.yaml` (unless present) and `.tailor/`. Safe to run again: it never overwrites. */
export function initWorkspace(root: string): InitResult {
  const paths = workspacePaths(root);
  for (const folder of [paths.root, dirname(paths.artifactsDirectory)])
    if (existsSync(folder) && !statSync(folder).isDirectory())
      throw new WorkspaceError(`${folder} is a file, not a folder: a workspace is a folder`, {
        hint: 'Give tailor init a folder (it is created if missing).',
      });
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

/** Typed access to the workspace database: one repository per group of tables. */
export class WorkspaceStore {
  readonly #database: SqliteDatabase;
  readonly modelCalls: ModelCallRepository;
  readonly evalRuns: EvalRunRepository;
  readonly labels: LabelRepository;
  readonly judgeVersions: JudgeVersionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly traffic: TrafficRepository;
  readonly training: TrainingRepository;
  readonly datasetVersions: DatasetVersionRepository;
  readonly people: PeopleRepository;
  readonly queues: QueueRepository;
  readonly loop: LoopRepository;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    this.modelCalls = new ModelCallRepository(database);
    this.evalRuns = new EvalRunRepository(database);
    this.labels = new LabelRepository(database);
    this.judgeVersions = new JudgeVersionRepository(database);
    this.apiKeys = new ApiKeyRepository(database);
    this.traffic = new TrafficRepository(database);
    this.training = new TrainingRepository(database);
    this.datasetVersions = new DatasetVersionRepository(database);
    this.people = new PeopleRepository(database);
    this.queues = new QueueRepository(database);
    this.loop = new LoopRepository(database);
  }

  /**
   * Run `work` all-or-nothing: if it throws, every repository write it made is rolled back. For a
   * feature whose one step spans several repository calls (a label import is one file, whole or not).
   */
  transaction<T>(work: () => T): T {
    return this.#database.transaction(work)();
  }

  /** SQLite's own consistency check of the whole file: `['ok']` when the database is sound. */
  integrityCheck(): string[] {
    return (this.#database.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    );
  }

  close(): void {
    if (this.#database.open) this.#database.close();
  }
}
