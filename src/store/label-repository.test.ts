import { afterEach, describe, expect, it, vi } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import type { LabelRecord } from './label-repository.js';

const label = (overrides: Partial<LabelRecord>): LabelRecord => ({
  itemId: 'e1:a',
  exampleId: 'e1',
  output: 'A',
  outputB: undefined,
  annotator: 'ann',
  pass: true,
  score: undefined,
  preference: undefined,
  critique: undefined,
  labelledAt: undefined,
  meta: {},
  sourceFile: '/labels.jsonl',
  sourceLine: 1,
  ...overrides,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('labels', () => {
  it('reads back what was saved, absent fields included', () => {
    const store = temporaryStore();
    const full = label({
      outputB: 'B',
      pass: false,
      score: 2,
      preference: 'tie',
      critique: 'both wrong',
      labelledAt: '2025-01-02T03:04:05Z',
      meta: { split: 'dev' },
    });
    store.labels.save(full);
    store.labels.save(label({ itemId: 'e1:b', pass: undefined, score: 4 }));
    expect(store.labels.find('e1:a', 'ann')).toEqual(full);
    expect(store.labels.find('e1:b', 'ann')).toEqual(label({ itemId: 'e1:b', pass: undefined, score: 4 }));
    expect(store.labels.find('e1:a', 'someone else')).toBeUndefined();
    store.close();
  });

  it('keeps one label per item and annotator: saving again replaces it', () => {
    const store = temporaryStore();
    store.labels.save(label({ pass: true }));
    store.labels.save(label({ pass: false, output: 'regenerated', sourceLine: 7 }));
    expect(store.labels.list()).toEqual([label({ pass: false, output: 'regenerated', sourceLine: 7 })]);
    store.close();
  });

  it('filters by annotator and example, ordered by example, item, then annotator', () => {
    const store = temporaryStore();
    store.labels.save(label({ exampleId: 'e2', itemId: 'e2:a', annotator: 'zoe' }));
    store.labels.save(label({ exampleId: 'e2', itemId: 'e2:a', annotator: 'amy' }));
    store.labels.save(label({ exampleId: 'e1', itemId: 'e1:b', annotator: 'zoe' }));
    store.labels.save(label({ exampleId: 'e1', itemId: 'e1:a', annotator: 'zoe' }));
    const keys = (labels: LabelRecord[]) => labels.map((entry) => `${entry.itemId} ${entry.annotator}`);
    expect(keys(store.labels.list())).toEqual(['e1:a zoe', 'e1:b zoe', 'e2:a amy', 'e2:a zoe']);
    expect(keys(store.labels.list({ annotator: 'zoe' }))).toEqual(['e1:a zoe', 'e1:b zoe', 'e2:a zoe']);
    expect(keys(store.labels.list({ exampleId: 'e2' }))).toEqual(['e2:a amy', 'e2:a zoe']);
    expect(keys(store.labels.list({ annotator: 'amy', exampleId: 'e1' }))).toEqual([]);
    store.close();
  });

  it('finds the most recently imported label on an item, whoever gave it', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = temporaryStore();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    store.labels.save(label({ annotator: 'zoe', pass: true }));
    vi.setSystemTime(new Date('2025-01-02T00:00:00Z'));
    store.labels.save(label({ annotator: 'amy', pass: false }));
    expect(store.labels.latestOnItem('e1:a')).toMatchObject({ annotator: 'amy', pass: false });
    vi.setSystemTime(new Date('2025-01-03T00:00:00Z'));
    store.labels.save(label({ annotator: 'zoe', pass: undefined, score: 5 }));
    expect(store.labels.latestOnItem('e1:a')).toMatchObject({ annotator: 'zoe', score: 5 });
    expect(store.labels.latestOnItem('e9:z')).toBeUndefined();
    store.close();
  });

  it('rolls back every write of a transaction that throws', () => {
    const store = temporaryStore();
    store.labels.save(label({ itemId: 'kept' }));
    expect(() =>
      store.transaction(() => {
        store.labels.save(label({ itemId: 'e1:a', pass: false }));
        store.labels.save(label({ itemId: 'e1:b' }));
        throw new Error('a bad row');
      }),
    ).toThrow('a bad row');
    expect(store.labels.list().map((entry) => entry.itemId)).toEqual(['kept']);
    expect(store.transaction(() => 42)).toBe(42);
    store.close();
  });
});
