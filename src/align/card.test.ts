import { describe, expect, it } from 'vitest';
import { humanAgreement, judgeAgreement } from './agreement.js';
import type { AlignmentReport } from './align.js';
import { renderJudgeCardHtml, renderJudgeCardMarkdown } from './card.js';
import { type Label, labelledItems } from './labels.js';

const label = (item: number, annotator: string, pass: boolean, critique: string): Label => ({
  itemId: `i${item}`,
  exampleId: `e${item}`,
  output: `output ${item}`,
  outputB: undefined,
  annotator,
  pass,
  score: pass ? 5 : 2,
  preference: undefined,
  critique,
  labelledAt: undefined,
  meta: {},
  sourceFile: 'labels.jsonl',
  sourceLine: item,
});

describe('judge card', () => {
  it('shows κ next to the human ceiling, the confusion matrix, disagreements and probes', () => {
    const labels = Array.from({ length: 12 }, (_, item) =>
      ['a', 'b'].map((annotator) =>
        label(item, annotator, item % 2 === 0, item % 2 ? 'misses the <follow-up>' : 'fine'),
      ),
    ).flat();
    const items = labelledItems(labels);
    const verdicts = items.map((item, index) => ({
      itemId: item.itemId,
      pass: index < 3 ? !item.pass : item.pass!,
      score: index < 3 ? 3 : item.pass ? 5 : 1,
      reasoning: `judge says ${index}`,
    }));
    const report: AlignmentReport = {
      judge: { name: 'plan', version: 2, model: 'llama:judge', rubric: 'Is the plan faithful?' },
      labels: { labels: labels.length, items: items.length, annotators: 2 },
      human: humanAgreement(labels, items),
      agreement: judgeAgreement(items, verdicts),
      run: { judged: 12, errors: 0, missing: 0 },
      disagreements: [
        {
          itemId: 'i1',
          exampleId: 'e1',
          expertPass: false,
          expertScore: 2,
          judgePass: true,
          judgeScore: 3,
          critiques: [{ annotator: 'a', critique: 'misses the <follow-up>' }],
          reasoning: 'judge says 1',
        },
      ],
      probes: {
        verbosity: {
          items: 4,
          meanChange: { mean: 0.25, low: 0, high: 0.5, count: 4 },
          flippedToPass: 1,
          errors: 0,
        },
        injection: {
          items: 4,
          meanChange: { mean: 0, low: 0, high: 0, count: 4 },
          flippedToPass: 0,
          errors: 0,
        },
        position: { pairs: 4, flipRate: 0.5, errors: 0 },
        selfPreference: undefined,
      },
      warnings: ['only 12 items'],
    };
    const markdown = renderJudgeCardMarkdown(report);
    expect(markdown).toContain('# Judge card: plan v2');
    expect(markdown).toMatch(/\| judge Cohen's κ \(pass\/fail vs expert majority\) \| 0\.500 \[/);
    expect(markdown).toMatch(/\| experts' Krippendorff α \(pass\/fail, human ceiling\) \| 1\.000/);
    expect(markdown).toContain('| judge pass | 4 | 1 |');
    expect(markdown).toContain('| judge fail | 2 | 5 |');
    expect(markdown).toContain('- **a:** misses the <follow-up>');
    expect(markdown).toContain('verdict flips with the order in 50.0% of 4 pairs');
    expect(markdown).toContain('> **Warning:** only 12 items');
    const html = renderJudgeCardHtml(report);
    expect(html).toContain('misses the &#60;follow-up&#62;');
    expect(html.match(/<circle class="estimate"/g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
