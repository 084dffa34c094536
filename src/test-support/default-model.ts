import { resolveModelFile } from '../models/model-files.js';

/** Path of the real default model (SmolLM2-135M-Instruct Q4_1), pulled by test/global-setup.ts. */
export function defaultModelPath(): Promise<string> {
  return resolveModelFile('smollm2-135m-instruct', { pull: false });
}
