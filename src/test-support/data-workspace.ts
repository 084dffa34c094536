import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJsonl } from '../common/jsonl.js';
import { initWorkspace } from '../store/workspace.js';

/**
 * A workspace with a tiny weather task for the data stage's tests: deterministic graders only, and
 * train records with known answers. `copy` is an exact duplicate of `oslo` (case and punctuation
 * aside), `oslo-again` a near duplicate of it (one word added to 60), `leak` repeats the test
 * record, and `bergen` and `tromso` are unique.
 */
export function dataWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tailor-data-'));
  const long = (city: string, words: string) =>
    `${city} morning report ${words} ${Array.from({ length: 50 }, (_, index) => `${city.toLowerCase()}${index}`).join(' ')}`;
  const oslo = long('Oslo', 'light snow with calm winds near four degrees');
  const testNote =
    'Stavanger evening report heavy rain from the west with strong gale force winds and a temperature of nine degrees falling to seven by midnight along the coast';
  const record = (id: string, report: string, city: string, temperature: number, wind: string) => ({
    id,
    input: { report },
    reference: { city, temperature, wind },
  });
  const train = [
    record('oslo', oslo, 'Oslo', 4, 'calm'),
    record('copy', `${oslo.toUpperCase()}!`, 'Oslo', 4, 'calm'),
    record('oslo-again', `${oslo} today`, 'Oslo', 4, 'calm'),
    record('bergen', long('Bergen', 'drizzle and a breeze at nine degrees'), 'Bergen', 9, 'breeze'),
    record('leak', testNote, 'Stavanger', 9, 'gale'),
    record('tromso', long('Tromso', 'clear skies and calm at minus three'), 'Tromsø', -3, 'calm'),
  ];
  writeFileSync(join(root, 'train.jsonl'), toJsonl(train));
  writeFileSync(
    join(root, 'validation.jsonl'),
    toJsonl([record('v1', long('Bodo', 'fog and calm at one degree'), 'Bodø', 1, 'calm')]),
  );
  writeFileSync(join(root, 'test.jsonl'), toJsonl([record('t1', testNote, 'Stavanger', 9, 'gale')]));
  initWorkspace(root);
  writeFileSync(
    join(root, 'tailor.yaml'),
    `version: 1
task:
  name: weather
  prompt: "Weather report: {{report}}"
  output:
    format: json
  data:
    train: ./train.jsonl
    validation: ./validation.jsonl
    test: ./test.jsonl
  graders:
    - name: city
      type: field-match
      fields:
        city: { match: exact }
    - name: readings
      type: field-match
      fields:
        temperature: { match: numeric, tolerance: 0.5 }
        wind: { match: exact }
`,
  );
  return root;
}
