import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The reference task's test split is for final evaluation only: nothing may train or tune on it.
 * Training enforces this at run time (src/train/specialist.ts refuses the test split and any record
 * copied from it); on top of that the code base is scanned: only these files may name the test
 * split's file.
 */
const repository = join(import.meta.dirname, '..', '..', '..');
const allowed = new Set([
  'examples/clinical-notes/tailor.yaml', // declares it as the task's test split (evaluation)
  'examples/clinical-notes/README.md',
  'examples/clinical-notes/generator/generate.ts', // writes it
  'examples/clinical-notes/generator/generator.test.ts', // checks it
  'examples/clinical-notes/generator/split-guard.test.ts',
  // Decontamination reads the test split to find copies of it elsewhere; its tests name that file.
  'src/data/decontaminate.test.ts',
  // The second example's own test split: declared as such, evaluated on by the peer, documented.
  'examples/review-sentiment/tailor.yaml',
  'examples/review-sentiment/README.md',
  'examples/review-sentiment/peer/vader_outputs.py',
]);

// The example's own data folders are skipped by path, so a code folder of the same name (src/data/)
// is still scanned.
const exampleData = ['data', 'incumbent', 'labels'].map((folder) =>
  join('examples', 'clinical-notes', folder),
);

function* files(directory: string): Generator<string> {
  for (const entry of readdirSync(directory)) {
    // tailor-quickstart/ is the workspace `make demo` copies the task into (git-ignored).
    const skipped = ['node_modules', '.git', 'dist', '.venv', '.tailor'];
    if ([...skipped, 'tailor-quickstart'].includes(entry)) continue;
    const path = join(directory, entry);
    if (exampleData.includes(relative(repository, path))) continue;
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|js|mjs|py|ya?ml|json|md|sh)$/.test(entry) || entry === 'Makefile') yield path;
  }
}

describe('test split guard', () => {
  it('only evaluation code names the clinical-notes test split', () => {
    const offenders: string[] = [];
    for (const path of files(repository)) {
      const name = relative(repository, path);
      if (allowed.has(name) || name.startsWith('docs/')) continue;
      const text = readFileSync(path, 'utf8');
      if (/clinical-notes\/data\/test|data\/test\.jsonl|splits?\.test\b/.test(text)) offenders.push(name);
    }
    expect(offenders).toEqual([]);
  });
});
