import { describe, expect, it } from 'vitest';
import { type GateResult, loopGate } from './gate.js';

const results = (
  scores: number[],
  graders: (index: number) => Record<string, boolean> = () => ({}),
): GateResult[] =>
  scores.map((score, index) => ({
    exampleId: `e${index}`,
    score,
    pass: score >= 0.8,
    graders: graders(index),
  }));

describe('the loop gate', () => {
  it('promotes a candidate shown better beyond the margin', () => {
    const prod = results(Array.from({ length: 40 }, (_, i) => 0.6 + (i % 3) * 0.05));
    const candidate = results(prod.map((entry) => entry.score + 0.1));
    const verdict = loopGate({ prod, candidate, minDifference: 0.05, safety: [] });
    expect(verdict.passed).toBe(true);
    expect(verdict.comparison.difference.mean).toBeCloseTo(0.1, 6);
    expect(verdict.comparison.wins).toBe(40);
    expect(verdict.reason).toMatch(/^promoted: candidate − prod \+0\.100/);
  });

  it('keeps prod when the difference is too noisy to tell, saying so', () => {
    const prod = results(Array.from({ length: 20 }, (_, i) => (i % 2 ? 0.9 : 0.5)));
    const candidate = results(Array.from({ length: 20 }, (_, i) => (i % 2 ? 0.5 : 0.92)));
    const verdict = loopGate({ prod, candidate, minDifference: 0, safety: [] });
    expect(verdict.passed).toBe(false);
    expect(verdict.checks[0]).toMatchObject({ name: 'difference', passed: false });
    expect(verdict.reason).toMatch(/^prod kept: .*lower end is below \+0\.000/);
  });

  it('keeps prod when an anchor regresses, even if the candidate wins overall', () => {
    const prod = results(Array.from({ length: 30 }, () => 0.5));
    const candidate = results(Array.from({ length: 30 }, () => 0.9));
    const verdict = loopGate({
      prod,
      candidate,
      anchors: { prod: results([1, 1, 0.7]), candidate: results([1, 0.5, 0.9]) },
      minDifference: 0,
      safety: [],
    });
    expect(verdict.checks.map((check) => [check.name, check.passed])).toEqual([
      ['difference', true],
      ['anchors', false],
    ]);
    expect(verdict.reason).toContain('1 of 3 anchors score lower than prod: e1');
  });

  it('keeps prod on a new safety failure, but not on one prod has too', () => {
    const prod = results(
      Array.from({ length: 30 }, () => 0.5),
      (i) => ({ phi: i !== 3 }),
    );
    const candidate = results(
      Array.from({ length: 30 }, () => 0.9),
      (i) => ({ phi: i !== 3 && i !== 7 }),
    );
    const verdict = loopGate({ prod, candidate, minDifference: 0, safety: ['phi'] });
    expect(verdict.passed).toBe(false);
    expect(verdict.checks.at(-1)).toEqual({
      name: 'safety',
      passed: false,
      detail: 'new safety failures: e7 (phi)',
    });
    const same = loopGate({
      prod,
      candidate: results(
        Array.from({ length: 30 }, () => 0.9),
        (i) => ({ phi: i !== 3 }),
      ),
      minDifference: 0,
      safety: ['phi'],
    });
    expect(same.passed).toBe(true);
  });

  it('pairs by example id and refuses to gate on nothing', () => {
    expect(() => loopGate({ prod: results([1]), candidate: [], minDifference: 0, safety: [] })).toThrow(
      /no example/,
    );
  });
});
