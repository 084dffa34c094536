import { describe, expect, it } from 'vitest';
import { labelOf, parseGroundTruth, splitByReview, splitSizes } from './snippets.js';

describe('review snippets', () => {
  it('labels the raters’ mean with the paper’s ±0.05 thresholds on the normalised score', () => {
    expect([0.2, 0.19, 0, -0.19, -0.2, 3.5, -4].map(labelOf)).toEqual([
      'positive',
      'neutral',
      'neutral',
      'neutral',
      'negative',
      'positive',
      'negative',
    ]);
  });

  it('parses the shipped TSV with CRLF endings and names a malformed line', () => {
    const snippets = parseGroundTruth(
      '1_1\t-0.9\tno picture.\r\n1_2\t1.5\tgreat fit\tand price\r\n\r\n',
      'f',
    );
    expect(snippets).toEqual([
      { id: '1_1', review: '1', rating: -0.9, label: 'negative', text: 'no picture.' },
      { id: '1_2', review: '1', rating: 1.5, label: 'positive', text: 'great fit\tand price' },
    ]);
    expect(() => parseGroundTruth('1_1\t-0.9\tok\n1_2\tabc\ttext\n', 'file.txt')).toThrow(
      /^file\.txt:2: expected/,
    );
  });

  it('keeps every review in one split, fills the splits in order, and deals the same way every time', () => {
    const snippets = Array.from({ length: 300 }, (_, review) =>
      Array.from({ length: 1 + (review % 7) }, (_, sentence) => ({
        id: `${review}_${sentence}`,
        review: String(review),
        rating: (review % 9) - 4,
        label: labelOf((review % 9) - 4),
        text: `sentence ${sentence} of review ${review}`,
      })),
    ).flat();
    const splits = splitByReview(snippets);
    for (const [split, size] of Object.entries(splitSizes)) {
      const members = splits[split as keyof typeof splitSizes];
      expect(members.length).toBeGreaterThanOrEqual(size);
      expect(members.length).toBeLessThan(size + 7);
    }
    const owner = new Map<string, string>();
    for (const [split, members] of Object.entries(splits))
      for (const snippet of members) {
        expect(owner.get(snippet.review) ?? split).toBe(split);
        owner.set(snippet.review, split);
      }
    expect(splitByReview([...snippets].reverse())).toEqual(splits);
  });
});
