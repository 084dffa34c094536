import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJsonl } from '../../common/jsonl.js';
import { tailorInProcess as tailor } from '../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';

// Bad numbers and empty inputs to `tailor eval` are refused before a run is stored (no model).

describe('tailor eval refuses bad input before it stores a run', () => {
  it('names the flag of a bad number, and an empty dataset or outputs that match no record', async () => {
    const root = dataWorkspace();
    const outputs = join(root, 'outputs.jsonl');
    writeFileSync(outputs, toJsonl([{ id: 'oslo', output: '{}' }]));
    const evaluate = (...flags: string[]) =>
      tailor(root, ['eval', '--split', 'train', '--outputs', outputs, ...flags]);
    for (const [flags, message] of [
      [['--limit', 'abc'], '--limit must be a positive integer, not "abc"'],
      [['--limit', '-1'], '--limit must be a positive integer, not "-1"'],
      [['--max-tokens', '0'], '--max-tokens must be a positive integer, not "0"'],
      [['--concurrency', 'abc'], '--concurrency must be a positive integer, not "abc"'],
    ] as const) {
      const result = await evaluate(...flags);
      expect(result.code, flags.join(' ')).not.toBe(0);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }

    const strangers = join(root, 'strangers.jsonl');
    writeFileSync(strangers, toJsonl([{ id: 'nobody', output: '{}' }]));
    const unmatched = await tailor(root, ['eval', '--split', 'train', '--outputs', strangers]);
    expect(unmatched.code).toBe(1);
    expect(unmatched.stderr).toContain('has the id of a record');

    const empty = join(root, 'empty.jsonl');
    writeFileSync(empty, '');
    const none = await tailor(root, ['eval', '--dataset', empty, '--outputs', outputs]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('holds no records');

    const runs = JSON.parse((await tailor(root, ['--json', 'runs', 'list'])).stdout);
    expect(runs).toEqual([]);
  });
});
