import { pullModel } from '../src/models/model-files.js';

/** Real-model tests need the default model on disk; fetch it once before any test file runs. */
export default async function setup(): Promise<void> {
  const result = await pullModel('smollm2-135m-instruct');
  if (result.source !== 'cache') process.stderr.write(`pulled default model from ${result.source}\n`);
}
