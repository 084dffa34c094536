import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tailorInProcess as tailor } from '../../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../../test-support/data-workspace.js';

// No model: a trained-judge grader reaches the training commands' graders (the GRPO reward, SFT's
// validation score), which look the judge up before anything trains. The judge scoring on the real
// default model is src/align/train-judge.model.test.ts.

describe('a trained judge as a training grader', () => {
  it('is looked up by tailor train grpo and by tailor train sft --select-by score', async () => {
    const root = dataWorkspace();
    const file = join(root, 'tailor.yaml');
    const config = parse(readFileSync(file, 'utf8'));
    config.task.graders.push({ name: 'experts', type: 'trained-judge', judge: 'expert-verdict' });
    writeFileSync(file, stringify(config));
    for (const args of [
      ['train', 'grpo', '--steps', '1'],
      ['train', 'sft', '--steps', '1', '--select-by', 'score', '--validation-graders', 'experts'],
    ]) {
      const result = await tailor(root, args);
      expect(result.code).toBe(1);
      // The workspace has no such judge: the lookup's own error, not "this step cannot run it".
      expect(result.stderr).toContain('No trained judge "expert-verdict" in this workspace');
      expect(result.stderr).toContain('tailor align train');
    }
  });
});
