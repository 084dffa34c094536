import Database from 'better-sqlite3';
import { WorkspaceError } from '../core/errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

export type SqliteDatabase = Database.Database;

/** Open (creating if needed) a SQLite database and bring its schema up to date. */
export function openDatabase(file: string, migrations: Migration[] = allMigrations): SqliteDatabase {
  let database: SqliteDatabase;
  try {
    database = new Database(file);
  } catch (error) {
    throw new WorkspaceError(`Cannot open database ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // WAL lets an eval keep writing while `tailor` in another terminal reads; busy_timeout makes the
    // second writer wait instead of failing with SQLITE_BUSY.
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    migrate(database, migrations);
  } catch (error) {
    database.close();
    const code = (error as { code?: string }).code;
    // SQLite opens any file lazily: a file that is not a database, or a damaged one, shows up at the
    // first statement. Say which file and what to do, not SQLite's one-liner with a stack.
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw new WorkspaceError(`${file} is not a readable Tailor database (${(error as Error).message})`, {
        cause: error,
        hint: 'Restore it from a backup, or move it away to start the workspace with an empty store.',
      });
    throw error;
  }
  return database;
}

export function migrate(database: SqliteDatabase, migrations: Migration[]): void {
  database.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    database
      .prepare('SELECT version FROM schema_migrations')
      .all()
      .map((row) => (row as { version: number }).version),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((migration) => migration.version));
  if (newest > known) {
    throw new WorkspaceError(
      `The workspace database is at schema version ${newest}, newer than this Tailor knows (${known})`,
      { hint: 'Upgrade Tailor to open this workspace.' },
    );
  }
  const record = database.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    database.transaction(() => {
      database.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
  }
}
