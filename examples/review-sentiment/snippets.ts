import { Random } from '../../src/common/random.js';

export type Sentiment = 'positive' | 'negative' | 'neutral';

export interface Snippet {
  /** `<review>_<sentence>` as in the ground-truth file. */
  id: string;
  review: string;
  /** The mean of the raters' scores, -4 to +4. */
  rating: number;
  label: Sentiment;
  text: string;
}

/**
 * The paper classifies every method's score, normalised to [-1, 1], with thresholds at -0.05 and
 * +0.05. The raters' mean is on [-4, 4], so the same rule on mean / 4 puts neutral strictly between
 * -0.2 and +0.2, and the thresholds themselves on the signed side, as VADER's own convention does.
 */
export function labelOf(rating: number): Sentiment {
  const normalised = rating / 4;
  if (normalised >= 0.05) return 'positive';
  if (normalised <= -0.05) return 'negative';
  return 'neutral';
}

/** `id<TAB>mean<TAB>text` lines (CRLF in the shipped file); a malformed line names its number. */
export function parseGroundTruth(text: string, source: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const [id, mean, ...rest] = line.split('\t');
    const rating = Number(mean);
    const sentence = rest.join('\t').trim();
    if (!id || !/^\d+_\d+$/.test(id) || !Number.isFinite(rating) || sentence === '')
      throw new Error(`${source}:${index + 1}: expected "<review>_<sentence><TAB><mean rating><TAB><text>"`);
    snippets.push({ id, review: id.split('_')[0]!, rating, label: labelOf(rating), text: sentence });
  });
  return snippets;
}

/** Sentences per split, in this order; the reviews left over are not used. */
export const splitSizes = { test: 400, validation: 200, train: 500 } as const;
export const splitSeed = 20140601;

/**
 * Whole reviews go to one split, so no split holds sentences of a review another split learnt from.
 * The reviews are shuffled with a fixed seed and dealt out until each split has at least its size;
 * about 500 training sentences is the small-data case this example stands for. The result depends
 * on the set of snippets only, not on their order.
 */
export function splitByReview(snippets: readonly Snippet[]): Record<keyof typeof splitSizes, Snippet[]> {
  const byReview = new Map<string, Snippet[]>();
  for (const snippet of snippets) {
    const members = byReview.get(snippet.review) ?? [];
    members.push(snippet);
    byReview.set(snippet.review, members);
  }
  const sentence = (snippet: Snippet) => Number(snippet.id.split('_')[1]);
  for (const members of byReview.values()) members.sort((a, b) => sentence(a) - sentence(b));
  const reviews = new Random(splitSeed).shuffle([...byReview.keys()].sort());
  const splits = { test: [] as Snippet[], validation: [] as Snippet[], train: [] as Snippet[] };
  let next = 0;
  for (const split of Object.keys(splitSizes) as (keyof typeof splitSizes)[]) {
    while (splits[split].length < splitSizes[split] && next < reviews.length)
      splits[split].push(...byReview.get(reviews[next++]!)!);
  }
  return splits;
}
