import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QuickstartResult } from './result.js';

// The quickstart recipe with --quick as `make demo` runs it, on the real default model: base eval,
// curation, SFT, specialist eval, paired comparison, report. Then again: every finished stage is skipped.
const entry = join(import.meta.dirname, 'run.ts');
const tsx = import.meta.resolve('tsx');

function quickstart(directory: string) {
  const result = spawnSync(
    process.execPath,
    ['--import', tsx, entry, '--json', '--quick', '--dir', directory],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 1_500_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('quickstart --quick', () => {
  it('turns the base model into a specialist that beats it on the test notes, and resumes', () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'tailor-quickstart-')), 'workspace');
    const first = quickstart(directory);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as QuickstartResult;
    console.log(
      `quickstart --quick: base ${result.base.overall.mean.toFixed(3)} → specialist ${result.specialist.overall.mean.toFixed(3)}, difference ${result.comparison.difference.mean.toFixed(3)} [${result.comparison.difference.low.toFixed(3)}, ${result.comparison.difference.high.toFixed(3)}], ${result.totalSeconds.toFixed(0)} s`,
    );
    expect(existsSync(result.reportPath)).toBe(true);
    expect(readFileSync(result.reportPath, 'utf8')).toContain('specialist − base');
    expect(result.specialist.overall.mean).toBeGreaterThan(result.base.overall.mean);
    expect(result.comparison.examples).toBe(10);
    // The incumbent on the same test notes, paired; its economics estimated, never measured.
    expect(result.versusIncumbent.examples).toBe(10);
    expect(readFileSync(result.reportPath, 'utf8')).toContain('specialist − incumbent');
    expect(result.incumbent.overall.mean).toBeGreaterThan(result.base.overall.mean);
    expect(result.incumbent.latencyP50Ms).toBeNull(); // NaN, through JSON
    expect(result.incumbent).toMatchObject({ tokensEstimated: true });
    expect(result.incumbent.costPer1000Requests).toBeGreaterThan(0);

    // Every stage recorded what it made.
    const stages = ['base-eval', 'incumbent-eval', 'curate', 'sft', 'specialist-eval', 'compare', 'report'];
    expect(Object.keys(result.state.stages)).toEqual(stages);
    for (const stage of stages) {
      expect(result.state.stages[stage as keyof typeof result.state.stages]!.seconds).toBeGreaterThanOrEqual(
        0,
      );
      expect(
        Object.keys(result.state.stages[stage as keyof typeof result.state.stages]!.artifacts).length,
      ).toBeGreaterThan(0);
    }
    expect(existsSync(result.curation.file)).toBe(true);
    expect(result.curation.knownBadCaught).toBeGreaterThan(0);
    expect(result.curation.kept + result.curation.dropped).toBe(result.curation.incumbentOutputs);
    // SFT trained on the data stage's last version, whose card says what each step dropped. A step
    // that drops nothing leaves the content, and so the version and its card, as they were.
    expect(result.curation.trainingExamples).toBe(
      result.curation.kept - result.curation.duplicatesDropped - result.curation.contaminatedDropped,
    );
    expect(result.curation.datasetVersion).toMatch(/^ds-[0-9a-f]{12}/);
    const card = readFileSync(result.curation.dataCard, 'utf8');
    expect(card).toContain('curate');
    if (result.curation.contaminatedDropped > 0) expect(card).toContain('decontaminate');
    else if (result.curation.duplicatesDropped > 0) expect(card).toContain('dedup');
    expect(existsSync(join(directory, '.tailor', 'quickstart-quick.json'))).toBe(true);

    // Run again: nothing is redone, the same numbers come back.
    const second = quickstart(directory);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as QuickstartResult;
    expect(again.state.stages).toEqual(result.state.stages); // the same times: no stage ran again
    expect(again.comparison).toEqual(result.comparison);
  }, 1_800_000);
});
