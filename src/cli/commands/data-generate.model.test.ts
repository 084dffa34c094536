import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJsonl } from '../../common/jsonl.js';
import { disposeLlamaRuntime } from '../../models/llama-cpp.js';
import { initWorkspace } from '../../store/workspace.js';
import { tailorInProcess as tailor } from '../../test-support/cli-in-process.js';

// `tailor data generate` with the default model as a local teacher: best of 3 seeded samples per
// input, graded, kept as a dataset version; run again, every sample comes from the journal.
afterAll(async () => {
  await disposeLlamaRuntime();
});

describe('tailor data generate', () => {
  it('distils a dataset version from a local teacher, and a rerun makes no teacher call', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-generate-cli-'));
    const cities = ['Paris', 'Rome', 'Oslo'];
    writeFileSync(
      join(root, 'train.jsonl'),
      toJsonl(cities.map((city, index) => ({ id: `c${index}`, input: { city }, reference: city }))),
    );
    initWorkspace(root);
    writeFileSync(
      join(root, 'tailor.yaml'),
      `version: 1
llama:
  parallel: 3
  contextSize: 512
task:
  name: capitals
  prompt: "Name the country whose capital is {{city}}. Answer with the country's name only."
  output:
    format: text
  data:
    train: ./train.jsonl
  graders:
    - name: country
      type: regex
      pattern: "France|Italy|Norway"
`,
    );
    const args = ['--json', 'data', 'generate', '--teacher', 'llama:smollm2-135m-instruct', '--samples', '3'];
    const first = await tailor(root, [...args, '--max-tokens', '16', '--temperature', '1']);
    expect(first.code, first.stderr).toBe(0);
    const made = JSON.parse(first.stdout);
    expect(made.counts.teacher).toMatchObject({ calls: 9, resumed: 0, model: 'llama:smollm2-135m-instruct' });
    expect(made.counts.teacher.outputTokens).toBeGreaterThan(0);
    expect(made.operation).toMatchObject({ op: 'generate', input: 3 });
    expect(made.operation.kept + made.operation.dropped).toBe(3);
    expect(made.version.recordCount).toBe(made.operation.kept);
    // Each kept record's reference is a teacher answer that passed the grader.
    for (const line of readFileSync(made.version.path, 'utf8').trim().split('\n')) {
      const record = JSON.parse(line) as { reference: string };
      expect(record.reference).toMatch(/France|Italy|Norway/);
    }
    expect(readFileSync(made.version.cardPath, 'utf8')).toContain('generate');

    const again = await tailor(root, [...args, '--max-tokens', '16', '--temperature', '1']);
    expect(again.code, again.stderr).toBe(0);
    const resumed = JSON.parse(again.stdout);
    expect(resumed.counts.teacher).toMatchObject({ calls: 0, resumed: 9 });
    expect(resumed).toMatchObject({ created: false, version: { id: made.version.id } });

    // Other settings on the same journal are refused, not mixed in.
    const changed = await tailor(root, [...args, '--max-tokens', '16', '--temperature', '0.5']);
    expect(changed.code).toBe(1);
    expect(changed.stdout + changed.stderr).toContain('was written by a generate run with other settings');
  }, 600_000);
});
