import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';

describe('judge versions', () => {
  it('numbers versions per judge from 1, and finds the latest or a given one', () => {
    const store = temporaryStore();
    const entry = (name: string, parentVersion: number | undefined) => ({
      name,
      config: { type: 'rubric', name },
      parentVersion,
      lineage: { tunedOn: 'train' },
    });
    expect(store.judgeVersions.saveNext(entry('tone', undefined))).toBe(1);
    expect(store.judgeVersions.saveNext(entry('tone', 1))).toBe(2);
    expect(store.judgeVersions.saveNext(entry('facts', undefined))).toBe(1);
    expect(store.judgeVersions.find('tone')).toMatchObject({ ...entry('tone', 1), version: 2 });
    expect(store.judgeVersions.find('tone', 1)).toMatchObject({ version: 1, parentVersion: undefined });
    expect(store.judgeVersions.find('tone', 3)).toBeUndefined();
    expect(store.judgeVersions.find('unknown')).toBeUndefined();
    expect(store.judgeVersions.list().map((record) => `${record.name} ${record.version}`)).toEqual([
      'facts 1',
      'tone 1',
      'tone 2',
    ]);
    store.close();
  });
});
