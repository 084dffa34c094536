import { describe, expect, it } from 'vitest';
import { grpoConfigSchema } from '../../core/train-config.js';
import type { GraderConfig } from '../../task/task.js';
import { renderGrpoReport } from '../grpo-report.js';
import { groupAdvantages, hackingSuspected, type RewardGrader, weightedReward } from './grpo.js';

const grader = (name: string, weight = 1): RewardGrader => ({
  config: { name, type: 'regex', pattern: '.', flags: '', required: false, weight } as GraderConfig,
  grader: () => ({ score: 0, pass: false, reason: '' }),
});

describe('GRPO arithmetic', () => {
  it('normalises rewards within a group by their mean and population standard deviation', () => {
    // rewards 1, 0, 0, 1: mean 0.5, std 0.5 -> +1, -1, -1, +1
    expect(groupAdvantages([1, 0, 0, 1])).toEqual([1, -1, -1, 1]);
    // rewards 0.2, 0.4, 0.9: mean 0.5, variance (0.09 + 0.01 + 0.16) / 3 = 0.08667
    const std = Math.sqrt(0.26 / 3);
    const advantages = groupAdvantages([0.2, 0.4, 0.9])!;
    const expected = [(0.2 - 0.5) / std, (0.4 - 0.5) / std, (0.9 - 0.5) / std];
    for (const [index, value] of expected.entries()) expect(advantages[index]).toBeCloseTo(value, 10);
    expect(advantages.reduce((sum, value) => sum + value, 0)).toBeCloseTo(0, 12);
  });

  it('skips a group whose rewards are all equal: it carries no signal', () => {
    expect(groupAdvantages([0, 0, 0, 0])).toBeUndefined();
    expect(groupAdvantages([0.7, 0.7])).toBeUndefined();
  });

  it("weighs the reward graders by the config's weights, else the graders' own", () => {
    const graders = [grader('json', 2), grader('length', 1)];
    const scores: Record<string, number> = { json: 1, length: 0.4 };
    expect(weightedReward(graders, {}, (name) => scores[name]!)).toBeCloseTo((2 * 1 + 0.4) / 3, 12);
    expect(weightedReward(graders, { rewards: { json: 1, length: 3 } }, (name) => scores[name]!)).toBeCloseTo(
      (1 + 3 * 0.4) / 4,
      12,
    );
  });

  it('flags reward hacking when the reward rises while the held-out monitor falls', () => {
    const steady = Array.from({ length: 6 }, (_, index) => ({ reward: 0.1 * index, monitor: 0.1 * index }));
    expect(hackingSuspected(steady, 3)).toBe(false);
    const gamed = Array.from({ length: 6 }, (_, index) => ({
      reward: 0.1 * index,
      monitor: 0.6 - 0.1 * index,
    }));
    expect(hackingSuspected(gamed, 3)).toBe(true);
    expect(hackingSuspected(gamed.slice(0, 5), 3)).toBe(false); // not enough steps for two windows
  });

  it('has defaults a user can start from, and refuses nonsense', () => {
    const config = grpoConfigSchema.parse({});
    expect(config).toMatchObject({ groupSize: 4, loss: 'ppo', clip: 0.2, updatesPerBatch: 1, klBeta: 0 });
    expect(() => grpoConfigSchema.parse({ groupSize: 1 })).toThrow();
    expect(() => grpoConfigSchema.parse({ loss: 'reinforce' })).toThrow();
  });
});

describe('the GRPO report', () => {
  it('plots reward per grader and the monitor, and names the flagged steps', () => {
    const rows = [
      { type: 'validation' as const, step: 0, score: 0.4 },
      ...[1, 2, 3, 4].map((step) => ({
        type: 'train' as const,
        step,
        rewardMean: 0.2 * step,
        'reward.json.mean': 0.2 * step,
        monitorMean: 1 - 0.2 * step,
        hackingFlag: step === 4 ? 1 : 0,
        sampleSeconds: 3,
        scoreSeconds: 1,
        learnSeconds: 6,
        sampledTokens: 100,
        skippedGroups: 1,
      })),
    ];
    const html = renderGrpoReport(rows, 'demo <run>');
    expect(html).toContain('demo &#60;run&#62;');
    expect(html).toContain('Flagged 1 step(s) where the reward rose while the monitor fell: 4');
    expect(html).toContain('json');
    expect(html.match(/<path /g)?.length).toBe(5); // mean, json, validation; reward and monitor
    expect(html).toContain('12.0 s (30%)'); // sampling share of 40 s
    expect(html).toContain('4 groups skipped');
  });
});
