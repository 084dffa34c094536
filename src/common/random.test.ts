import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('permutation is Fisher–Yates from the last item: the orders judge samples were drawn in', () => {
    const letters = 'abcdefghij'.split('');
    // Recorded from the Fisher–Yates loop `tailor align` ran before it moved here.
    expect(new Random(0).permutation(letters).join('')).toBe('digefjhbac');
    expect(new Random(1).permutation(letters).join('')).toBe('hidcbfjeag');
    expect(letters.join('')).toBe('abcdefghij'); // the input is left alone
  });

  it('shuffle keeps its own order, which training batches depend on', () => {
    expect(new Random(0).shuffle('abcdefghij'.split('')).join('')).toBe('cadeghifbj');
  });
});
