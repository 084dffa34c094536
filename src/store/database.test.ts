import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceError } from '../core/errors.js';
import { openDatabase } from './database.js';
import { WorkspaceStore } from './workspace.js';

const directory = () => mkdtempSync(join(tmpdir(), 'tailor-db-'));

describe('openDatabase', () => {
  it('applies migrations once and records them', () => {
    const file = join(directory(), 'tailor.db');
    openDatabase(file).close();
    const database = openDatabase(file);
    const rows = database.prepare('SELECT version FROM schema_migrations').all();
    expect(rows).toEqual([1, 2, 3, 4, 5].map((version) => ({ version })));
    expect(() => database.prepare('SELECT * FROM response_cache').all()).not.toThrow();
    database.close();
  });

  it('rolls back a failing migration entirely', () => {
    const file = join(directory(), 'tailor.db');
    const broken = [{ version: 1, name: 'half', sql: 'CREATE TABLE a (x); CREATE TABLE a (y);' }];
    expect(() => openDatabase(file, broken)).toThrow();
    const database = openDatabase(file, [{ version: 1, name: 'ok', sql: 'CREATE TABLE a (x);' }]);
    expect(database.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 1 });
    database.close();
  });

  it('refuses a database from a newer Tailor', () => {
    const file = join(directory(), 'tailor.db');
    openDatabase(file, [{ version: 7, name: 'future', sql: 'SELECT 1' }]).close();
    expect(() => openDatabase(file)).toThrow(WorkspaceError);
  });
});

describe('specialists', () => {
  it('numbers versions per name, names each adapter file by version, and finds the latest', () => {
    const store = new WorkspaceStore(openDatabase(join(directory(), 'tailor.db')));
    store.startTrainingRun({
      id: 'run-1',
      method: 'sft',
      base: 'smollm2-135m-instruct',
      runDirectory: '/runs/1',
      config: { lr: 1 },
    });
    const specialist = {
      name: 'notes',
      base: 'smollm2-135m-instruct',
      basePath: '/m.gguf',
      adapterPath: '',
      trainingRun: 'run-1',
      lineage: { steps: 3 },
    };
    const first = store.registerSpecialist(specialist, (version) => `/adapters/v${version}.gguf`);
    const second = store.registerSpecialist(specialist, (version) => `/adapters/v${version}.gguf`);
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(store.specialist('notes')).toMatchObject({
      version: 2,
      adapterPath: '/adapters/v2.gguf',
      lineage: { steps: 3 },
    });
    expect(store.specialist('notes', 1)?.adapterPath).toBe('/adapters/v1.gguf');
    expect(store.specialist('other')).toBeUndefined();
    store.finishTrainingRun('run-1', 'finished', { steps: 3 });
    expect(store.trainingRun('run-1')).toMatchObject({
      status: 'finished',
      result: { steps: 3 },
      config: { lr: 1 },
    });
    store.close();
  });
});
