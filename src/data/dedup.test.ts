import { describe, expect, it } from 'vitest';
import { Random } from '../common/random.js';
import { ConfigError, TailorError } from '../core/errors.js';
import {
  type DedupItem,
  estimateSimilarity,
  findDuplicates,
  lshParameters,
  minHashSignature,
  normaliseText,
} from './dedup.js';

// 60 words of a follow-up note.
const note =
  'Patient is a 58 year old man seen today for follow up of type 2 diabetes and high blood pressure. ' +
  'He checks his sugar at home most mornings and reports readings between 110 and 160. He walks thirty ' +
  'minutes on most days, has cut down on sweet drinks, and takes his tablets as prescribed without side effects. ' +
  'No chest pain.';
const otherNote =
  'Woman of 34 presenting with three days of sore throat, fever to 38.6 and painful swallowing. Her ' +
  'daughter had strep last week. No cough or runny nose. Tonsils are swollen with exudate and the neck ' +
  'glands are tender. Rapid strep test positive. Start amoxicillin twice daily for ten days, fluids, rest ' +
  'and paracetamol for pain.';

function replaceWord(text: string, index: number, word: string): string {
  const words = text.split(' ');
  words[index] = word;
  return words.join(' ');
}

/** Exact Jaccard similarity of two texts' 5-word shingle sets, to check the estimates against. */
function trueSimilarity(first: string, second: string): number {
  const shingles = (text: string) => {
    const words = normaliseText(text).split(' ');
    return new Set(
      words.slice(0, words.length - 4).map((_, start) => words.slice(start, start + 5).join(' ')),
    );
  };
  const a = shingles(first);
  const b = shingles(second);
  const shared = [...a].filter((shingle) => b.has(shingle)).length;
  return shared / (a.size + b.size - shared);
}

function randomText(random: Random, words: number): string {
  return Array.from({ length: words }, () => `w${random.integer(0, 5000).toString(36)}`).join(' ');
}

describe('normaliseText', () => {
  it('lower-cases and keeps runs of letters and digits, one space apart', () => {
    expect(normaliseText('  Take 2 TABS,\n\tby mouth -- twice daily!  ')).toBe(
      'take 2 tabs by mouth twice daily',
    );
    expect(normaliseText('Temp 38.5°C; SpO₂ 94%')).toBe('temp 38 5 c spo₂ 94');
    expect(normaliseText('Café  crème')).toBe('café crème');
    expect(normaliseText('... !!! ')).toBe('');
  });
});

describe('lshParameters', () => {
  it('chooses the bands and rows that datasketch 2.0.0 MinHashLSH chooses', () => {
    // Recorded from datasketch.lsh._optimal_param(threshold, num_perm, fp_weight, 1 - fp_weight).
    const recorded: [number, number, number, number, number][] = [
      [0.8, 128, 0.5, 9, 13],
      [0.5, 128, 0.5, 25, 5],
      [0.7, 64, 0.5, 8, 8],
      [0.6, 32, 0.5, 6, 5],
      [0.95, 128, 0.5, 3, 42],
      [0.8, 128, 0.3, 11, 11],
      [0.8, 128, 0.1, 14, 9],
    ];
    for (const [threshold, permutations, weight, bands, rows] of recorded)
      expect(lshParameters(threshold, permutations, weight)).toEqual({ bands, rows });
  });
});

describe('minHashSignature', () => {
  it('estimates Jaccard similarity within the sampling error of 128 permutations', () => {
    const random = new Random(3);
    const errors: number[] = [];
    for (let trial = 0; trial < 40; trial++) {
      const first = randomText(random, 120);
      const words = first.split(' ');
      // Replace a random number of words to spread the true similarity over (0, 1).
      const changes = random.integer(1, 12);
      for (let change = 0; change < changes; change++)
        words[random.integer(0, words.length - 1)] = `x${trial}y${change}`;
      const second = words.join(' ');
      const estimate = estimateSimilarity(minHashSignature(first), minHashSignature(second));
      errors.push(Math.abs(estimate - trueSimilarity(first, second)));
    }
    // The standard error is at most sqrt(0.25 / 128) = 0.044: the mean absolute error of a sound
    // estimator is about 0.8 of it or less; the largest of 40 stays within ~3 standard errors.
    expect(errors.reduce((sum, error) => sum + error, 0) / errors.length).toBeLessThan(0.04);
    expect(Math.max(...errors)).toBeLessThan(0.14);
  });

  it('is empty for a text with no letter or digit, and gives short texts a character signature', () => {
    expect(minHashSignature('?!').length).toBe(0);
    expect(minHashSignature('chest pain').length).toBe(128);
    expect(minHashSignature('chest pain', { numPermutations: 64 }).length).toBe(64);
  });
});

describe('findDuplicates', () => {
  it('finds a planted near duplicate: one word changed in the middle of a 60-word text', () => {
    expect(note.split(' ')).toHaveLength(60);
    const edited = replaceWord(note, 30, 'evenings');
    // Five of the 56 shingles change: the true similarity is 51/61 = 0.836, just above 0.8.
    expect(trueSimilarity(note, edited)).toBeCloseTo(51 / 61, 6);
    const report = findDuplicates([
      { id: 'original', text: note },
      { id: 'edited', text: edited },
    ]);
    expect(report.pairs).toHaveLength(1);
    expect(report.pairs[0]).toMatchObject({ first: 'original', second: 'edited', kind: 'near' });
    expect(report.pairs[0]!.similarity).toBeGreaterThanOrEqual(0.8);
    expect(report.kept).toEqual(['original']);
    expect(report.dropped).toEqual([
      { id: 'edited', duplicateOf: 'original', kind: 'near', similarity: report.pairs[0]!.similarity },
    ]);
  });

  it('finds most one-word edits of 60-word texts, as the sampling error allows', () => {
    // At true similarity 0.836 the estimate from 128 permutations clears 0.8 about 85% of the time
    // (and the default banding makes a candidate of 96% of such pairs): a miss here is the sampling
    // error, not a bug; a broken hash or banding would find far fewer.
    const random = new Random(11);
    let found = 0;
    const trials = 60;
    for (let trial = 0; trial < trials; trial++) {
      const text = randomText(random, 60);
      const edited = replaceWord(text, random.integer(0, 59), 'changed');
      const report = findDuplicates([
        { id: 'a', text },
        { id: 'b', text: edited },
      ]);
      if (report.pairs.length === 1) found++;
    }
    expect(found / trials).toBeGreaterThan(0.7);
  });

  it('does not pair two different texts', () => {
    const report = findDuplicates([
      { id: 'diabetes', text: note },
      { id: 'throat', text: otherNote },
    ]);
    expect(report.pairs).toEqual([]);
    expect(report.clusters).toEqual([]);
    expect(report.kept).toEqual(['diabetes', 'throat']);
    expect(report.dropped).toEqual([]);
  });

  it('finds exact duplicates under changes of case, whitespace and punctuation', () => {
    const shouted = note.toUpperCase().replaceAll(' ', '   ').replaceAll('.', ' !');
    const report = findDuplicates([
      { id: 'a', text: note },
      { id: 'b', text: shouted },
      { id: 'c', text: `\n${note.replaceAll(',', '')}\n` },
    ]);
    expect(report.pairs).toEqual([
      { first: 'a', second: 'b', kind: 'exact', similarity: 1 },
      { first: 'a', second: 'c', kind: 'exact', similarity: 1 },
    ]);
    expect(report.dropped.map((item) => [item.id, item.duplicateOf, item.kind])).toEqual([
      ['b', 'a', 'exact'],
      ['c', 'a', 'exact'],
    ]);
  });

  it('agrees with normaliseText on letters beyond ASCII, astral letters and emoji', () => {
    const texts = [
      'Ünïcode STRASSE 𝐁old café 😀 résumé',
      'ünïcode  strasse 𝐁OLD CAFÉ résumé!',
      'unicode strasse bold cafe resume',
    ];
    expect(normaliseText(texts[0]!)).toBe(normaliseText(texts[1]!));
    const report = findDuplicates(texts.map((text, index) => ({ id: String(index), text })));
    expect(report.pairs.filter((pair) => pair.kind === 'exact')).toEqual([
      { first: '0', second: '1', kind: 'exact', similarity: 1 },
    ]);
  });

  it('treats texts without words as exact duplicates of each other and never as near ones', () => {
    const report = findDuplicates([
      { id: 'a', text: '' },
      { id: 'b', text: note },
      { id: 'c', text: ' -- ' },
    ]);
    expect(report.pairs).toEqual([{ first: 'a', second: 'c', kind: 'exact', similarity: 1 }]);
  });

  it('is deterministic for a seed', () => {
    const random = new Random(5);
    const items: DedupItem[] = [];
    for (let index = 0; index < 200; index++) {
      const text = index % 4 === 3 ? replaceWord(items[index - 1]!.text, 20, 'edit') : randomText(random, 60);
      items.push({ id: `r${index}`, text });
    }
    const first = findDuplicates(items, { seed: 42 });
    expect(findDuplicates(items, { seed: 42 })).toEqual(first);
    expect(first.pairs.length).toBeGreaterThan(30);
    // Another seed draws other permutations: other signatures, the same clear-cut answers.
    expect(minHashSignature(note, { seed: 43 })).not.toEqual(minHashSignature(note, { seed: 42 }));
    const other = findDuplicates(items, { seed: 43 });
    expect(other.pairs.length).toBeGreaterThan(30);
    for (const pair of other.pairs) expect(Number(pair.second.slice(1)) % 4).toBe(3);
  });

  it('pairs a text only when the estimated similarity reaches the threshold', () => {
    // Three words changed, far apart: 15 of 56 shingles change, true similarity 41/71 = 0.58.
    let edited = note;
    for (const index of [10, 30, 50]) edited = replaceWord(edited, index, 'other');
    const similarity = trueSimilarity(note, edited);
    expect(similarity).toBeCloseTo(41 / 71, 6);
    const items = [
      { id: 'a', text: note },
      { id: 'b', text: edited },
    ];
    for (const threshold of [0.8, 0.7]) expect(findDuplicates(items, { threshold }).pairs).toEqual([]);
    const loose = findDuplicates(items, { threshold: 0.4 });
    expect(loose.pairs).toHaveLength(1);
    expect(loose.pairs[0]!.similarity).toBeGreaterThanOrEqual(0.4);
    expect(loose.bands).toBeGreaterThan(findDuplicates(items, { threshold: 0.8 }).bands);
  });

  it('keeps the first record of each cluster and points the others at it', () => {
    const nearCopy = replaceWord(note, 2, 'an');
    const items = [
      { id: 'first', text: note },
      { id: 'unrelated', text: otherNote },
      { id: 'exact', text: note.toLowerCase() },
      { id: 'near', text: nearCopy },
      { id: 'near-exact', text: `${nearCopy}!` },
      { id: 'unrelated-exact', text: otherNote.toUpperCase() },
    ];
    const report = findDuplicates(items);
    expect(report.clusters).toEqual([
      ['first', 'exact', 'near', 'near-exact'],
      ['unrelated', 'unrelated-exact'],
    ]);
    expect(report.kept).toEqual(['first', 'unrelated']);
    const dropped = Object.fromEntries(report.dropped.map((item) => [item.id, item]));
    expect(Object.keys(dropped)).toEqual(['exact', 'near', 'near-exact', 'unrelated-exact']);
    expect(dropped.exact).toMatchObject({ duplicateOf: 'first', kind: 'exact', similarity: 1 });
    expect(dropped.near).toMatchObject({ duplicateOf: 'first', kind: 'near' });
    // An exact copy of a near duplicate is a near duplicate of the kept record.
    expect(dropped['near-exact']).toMatchObject({ duplicateOf: 'first', kind: 'near' });
    expect(dropped['near-exact']!.similarity).toBe(dropped.near!.similarity);
    expect(dropped['unrelated-exact']).toMatchObject({ duplicateOf: 'unrelated', kind: 'exact' });
    // Exact pairs pair each copy with its group's first record; only one record of a group is indexed.
    expect(
      report.pairs.filter((pair) => pair.kind === 'exact').map((pair) => [pair.first, pair.second]),
    ).toEqual([
      ['first', 'exact'],
      ['near', 'near-exact'],
      ['unrelated', 'unrelated-exact'],
    ]);
    expect(report.pairs.some((pair) => pair.second === 'near-exact' && pair.kind === 'near')).toBe(false);
  });

  it('clusters transitively: A ~ B and B ~ C put C with A even when A and C are not similar', () => {
    const random = new Random(9);
    const words = randomText(random, 80).split(' ');
    // Windows of 60 words, 10 apart: neighbours share 46 of 56 shingles (0.70), the ends 36 (0.47).
    const [a, b, c] = [0, 10, 20].map((start) => words.slice(start, start + 60).join(' '));
    const report = findDuplicates(
      [
        { id: 'a', text: a! },
        { id: 'b', text: b! },
        { id: 'c', text: c! },
      ],
      { threshold: 0.6 },
    );
    expect(report.pairs.map((pair) => [pair.first, pair.second])).toEqual([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(report.clusters).toEqual([['a', 'b', 'c']]);
    const last = report.dropped.find((item) => item.id === 'c')!;
    expect(last).toMatchObject({ duplicateOf: 'a', kind: 'near' });
    expect(last.similarity).toBeLessThan(0.6);
  });

  it('shingles texts shorter than a word shingle by characters', () => {
    const report = findDuplicates([
      { id: 'a', text: 'Chest pain' },
      { id: 'b', text: 'chest pains' },
      { id: 'c', text: 'knee pain' },
      { id: 'd', text: note },
    ]);
    expect(report.pairs.map((pair) => [pair.first, pair.second, pair.kind])).toEqual([['a', 'b', 'near']]);
  });

  it('looks only for exact duplicates when near is off', () => {
    const report = findDuplicates(
      [
        { id: 'a', text: note },
        { id: 'b', text: replaceWord(note, 2, 'an') },
        { id: 'c', text: note.toUpperCase() },
      ],
      { near: false },
    );
    expect(report.pairs).toEqual([{ first: 'a', second: 'c', kind: 'exact', similarity: 1 }]);
    expect(report).toMatchObject({ bands: 0, rows: 0 });
  });

  it('reports progress every 1,024 records and at the end', () => {
    const random = new Random(2);
    const items = Array.from({ length: 2500 }, (_, index) => ({
      id: String(index),
      text: randomText(random, 8),
    }));
    const calls: [number, number][] = [];
    findDuplicates(items, { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([
      [1024, 2500],
      [2048, 2500],
      [2500, 2500],
    ]);
  });

  it('honours given bands and rows, and rejects bad options and repeated ids', () => {
    const items = [
      { id: 'a', text: note },
      { id: 'b', text: note },
    ];
    expect(findDuplicates(items, { bands: 16, rows: 8 })).toMatchObject({ bands: 16, rows: 8 });
    expect(() => findDuplicates(items, { bands: 16, rows: 9 })).toThrow(ConfigError);
    expect(() => findDuplicates(items, { bands: 16 })).toThrow(ConfigError);
    expect(() => findDuplicates(items, { threshold: 0 })).toThrow(ConfigError);
    expect(() => findDuplicates(items, { numPermutations: 1 })).toThrow(ConfigError);
    expect(() => findDuplicates(items, { shingleSize: 0 })).toThrow(ConfigError);
    const repeated = () =>
      findDuplicates([
        { id: 'a', text: 'one' },
        { id: 'a', text: 'two' },
      ]);
    expect(repeated).toThrow(TailorError);
    expect(repeated).toThrow(/appears twice/);
  });
});
