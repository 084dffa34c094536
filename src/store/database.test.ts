import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceError } from '../core/errors.js';
import { openDatabase } from './database.js';

const directory = () => mkdtempSync(join(tmpdir(), 'tailor-db-'));

describe('openDatabase', () => {
  it('applies migrations once and records them', () => {
    const file = join(directory(), 'tailor.db');
    openDatabase(file).close();
    const database = openDatabase(file);
    const rows = database.prepare('SELECT version FROM schema_migrations').all();
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((version) => ({ version })));
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
    openDatabase(file, [{ version: 99, name: 'future', sql: 'SELECT 1' }]).close();
    expect(() => openDatabase(file)).toThrow(WorkspaceError);
  });
});
