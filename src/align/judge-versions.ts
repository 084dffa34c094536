import type { JudgeVersionRecord } from '../store/judge-version-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import type { TrainedJudgeConfig } from './train-judge.js';
import type { RubricConfig } from './tune.js';

/**
 * Judge versions: a tuned judge is a new version of a grader config with its lineage (parent
 * version, the labels and split it was tuned on, its dev and test scores). Version numbers per judge
 * name start at 1 and are assigned by the store, in one transaction.
 */
export interface JudgeVersion extends JudgeVersionRecord {
  /** A tuned rubric (`tailor align tune`) or a trained judge (`tailor align train`). */
  config: RubricConfig | TrainedJudgeConfig;
}

export function saveJudgeVersion(
  store: WorkspaceStore,
  entry: {
    name: string;
    config: RubricConfig;
    parentVersion: number | undefined;
    lineage: Record<string, unknown>;
  },
): number {
  return store.judgeVersions.saveNext(entry);
}

// Only saveJudgeVersion (a RubricConfig) and trainJudge (a TrainedJudgeConfig) write the config column.
const fromRecord = (record: JudgeVersionRecord): JudgeVersion => ({
  ...record,
  config: record.config as RubricConfig | TrainedJudgeConfig,
});

/** One version, or the latest when `version` is omitted. */
export function judgeVersion(
  store: WorkspaceStore,
  name: string,
  version?: number,
): JudgeVersion | undefined {
  const record = store.judgeVersions.find(name, version);
  return record ? fromRecord(record) : undefined;
}

export function judgeVersions(store: WorkspaceStore): JudgeVersion[] {
  return store.judgeVersions.list().map(fromRecord);
}
