import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../store/database.js';
import { WorkspaceStore } from '../store/workspace.js';

/** A store on a fresh database in a temporary folder, for tests that need no tailor.yaml. */
export function temporaryStore(): WorkspaceStore {
  return new WorkspaceStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'tailor-store-')), 'tailor.db')));
}
