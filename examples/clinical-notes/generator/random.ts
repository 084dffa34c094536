export { Random } from '../../../src/common/random.js';
