import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Keeps the benchmark runnable: a tiny configuration, checking that it prints both ratios and that
// the compared runs produced identical text. No timing is asserted.
describe('bench/generate', () => {
  it('runs and prints its ratios', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, 'run.ts'),
        '--rounds',
        '1',
        '--parallel',
        '2',
        '--tokens',
        '8',
        '--prompts',
        '2',
      ],
      { encoding: 'utf8', timeout: 170_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ratio tailor\/raw = \d+\.\d+/);
    expect(result.stdout).toMatch(/ratio parallel\/sequential throughput = \d+\.\d+×/);
    expect(result.stdout.match(/identical outputs: yes/g)).toHaveLength(2);
  });
});
