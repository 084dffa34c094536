export { Random } from '../../../src/evals/seeded-random.js';
