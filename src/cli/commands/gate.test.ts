import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toJsonl } from '../../common/jsonl.js';
import { noWorseGate, scoreGate } from '../../evals/gate.js';
import { tailorInProcess as tailor } from '../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';

// Release gates for CI on a tiny task with deterministic graders and supplied outputs: no model.

afterEach(() => {
  vi.restoreAllMocks();
});

const output = (city: string, temperature: number, wind: string) =>
  JSON.stringify({ city, temperature, wind });

/** Outputs for the six train records: `right` of them correct, the rest with the wrong city. */
function outputs(root: string, name: string, right: number): string {
  const answers: Array<[string, string, number, string]> = [
    ['oslo', 'Oslo', 4, 'calm'],
    ['copy', 'Oslo', 4, 'calm'],
    ['oslo-again', 'Oslo', 4, 'calm'],
    ['bergen', 'Bergen', 9, 'breeze'],
    ['leak', 'Stavanger', 9, 'gale'],
    ['tromso', 'Tromsø', -3, 'calm'],
  ];
  const file = join(root, `${name}.jsonl`);
  writeFileSync(
    file,
    toJsonl(
      answers.map(([id, city, temperature, wind], index) => ({
        id,
        output: output(index < right ? city : 'Nowhere', temperature, wind),
      })),
    ),
  );
  return file;
}

const estimate = (mean: number, low: number, high: number) => ({ mean, low, high, count: 40 });

describe('gates', () => {
  it('hold when the score reaches the threshold, and when B is shown no worse than A within the margin', () => {
    expect(scoreGate(estimate(0.8, 0.7, 0.9), 0.8).passed).toBe(true);
    expect(scoreGate(estimate(0.79, 0.7, 0.9), 0.8)).toMatchObject({
      passed: false,
      reason: 'overall score 0.790 [95% CI 0.700, 0.900] over 40 examples is below --fail-under 0.8',
    });
    expect(noWorseGate(estimate(0.01, -0.02, 0.04), 0.02).passed).toBe(true);
    // A difference too noisy to vouch for fails, even with a positive mean.
    expect(noWorseGate(estimate(0.01, -0.05, 0.07), 0.02)).toMatchObject({ passed: false });
    expect(noWorseGate(estimate(0.01, -0.05, 0.07), 0.02).reason).toContain('is below −0.02 (--margin)');
  });
});

describe('tailor eval --fail-under and tailor compare --fail-if-worse', () => {
  it('exit 3 with the reason on stderr after printing the results, and 0 when the gate holds', async () => {
    const root = dataWorkspace();
    const good = outputs(root, 'good', 6);
    const worse = outputs(root, 'worse', 2);
    const evaluate = (file: string, ...flags: string[]) =>
      tailor(root, ['--json', 'eval', '--split', 'train', '--outputs', file, ...flags]);

    const passed = await evaluate(good, '--fail-under', '0.9');
    expect(passed.code, passed.stderr).toBe(0);
    const goodRun = JSON.parse(passed.stdout);
    expect(goodRun.gate).toMatchObject({ passed: true });

    const failed = await evaluate(worse, '--fail-under', '0.9');
    expect(failed.code).toBe(3);
    // stdout is still the one JSON document of the run, with the gate in it; the reason is on stderr.
    const worseRun = JSON.parse(failed.stdout);
    expect(worseRun.gate).toMatchObject({ passed: false });
    expect(failed.stderr).toMatch(
      /^gate failed: overall score 0\.\d{3} \[95% CI .*\] over 6 examples is below --fail-under 0\.9\n$/,
    );

    const text = await tailor(root, ['eval', '--split', 'train', '--outputs', worse, '--fail-under', '0.9']);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('GRADER'); // the results were printed first

    const regressed = await tailor(root, ['compare', goodRun.runId, worseRun.runId, '--fail-if-worse']);
    expect(regressed.code).toBe(3);
    expect(regressed.stdout).toContain('score difference B − A');
    expect(regressed.stderr).toContain('gate failed: B − A');
    const improved = await tailor(root, ['compare', worseRun.runId, goodRun.runId, '--fail-if-worse']);
    expect(improved.code, improved.stderr).toBe(0);
    expect(improved.stdout).toMatch(/gate: B − A .* B is no worse than A by more than the margin 0/);
    // Without the flag a regression is reported, never an exit code.
    expect((await tailor(root, ['compare', goodRun.runId, worseRun.runId])).code).toBe(0);

    for (const [args, message] of [
      [
        ['eval', '--split', 'train', '--outputs', good, '--fail-under', 'high'],
        '--fail-under must be a number from 0 to 1, not "high"',
      ],
      [
        ['compare', goodRun.runId, worseRun.runId, '--fail-if-worse', '--margin', '2'],
        '--margin must be a number from 0 to 1, not "2"',
      ],
    ] as const) {
      const refused = await tailor(root, [...args]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(message);
    }
  });
});
