import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

/** Every file's bytes (the database aside) and every table's rows: what "nothing was written" means. */
export function snapshot(root: string): { files: Record<string, string>; rows: Record<string, unknown[]> } {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!/tailor\.db(-wal|-shm)?$/.test(name))
        files[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  const rows: Record<string, unknown[]> = {};
  const databaseFile = join(root, '.tailor', 'tailor.db');
  let database: Database.Database | undefined;
  try {
    database = new Database(databaseFile, { readonly: true, fileMustExist: true });
    const tables = database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) rows[name] = database.prepare(`SELECT * FROM "${name}"`).all();
  } catch {
    rows['(database)'] = ['unreadable or absent'];
  } finally {
    database?.close();
  }
  return { files, rows };
}
