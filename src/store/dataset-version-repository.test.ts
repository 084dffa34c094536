import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';

describe('dataset versions', () => {
  const version = {
    id: 'ds-000000000001',
    name: 'curated',
    source: 'outputs.jsonl graded against split train',
    parentId: null,
    operations: [{ op: 'curate', kept: 2, dropped: 1 }],
    recordCount: 2,
    path: '.tailor/datasets/ds-000000000001.jsonl',
  };

  it('stores a version once: saving the same id again keeps the first row', () => {
    const store = temporaryStore();
    const first = store.datasetVersions.save(version);
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({ ...version, createdAt: expect.any(String) });
    const again = store.datasetVersions.save({ ...version, name: 'other' });
    expect(again).toEqual({ version: first.version, created: false });
    expect(store.datasetVersions.list()).toHaveLength(1);
  });

  it('finds versions by id and by name, and lists them oldest first', () => {
    const store = temporaryStore();
    store.datasetVersions.save(version);
    store.datasetVersions.save({ ...version, id: 'ds-000000000002', parentId: version.id, name: 'deduped' });
    store.datasetVersions.save({ ...version, id: 'ds-000000000003', name: 'deduped' });
    expect(store.datasetVersions.get('ds-000000000002')?.parentId).toBe(version.id);
    expect(store.datasetVersions.get('ds-missing')).toBeUndefined();
    expect(store.datasetVersions.named('deduped').map((entry) => entry.id)).toEqual([
      'ds-000000000002',
      'ds-000000000003',
    ]);
    expect(store.datasetVersions.list().map((entry) => entry.id)).toEqual([
      'ds-000000000001',
      'ds-000000000002',
      'ds-000000000003',
    ]);
  });
});
