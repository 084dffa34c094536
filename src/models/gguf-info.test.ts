import { closeSync, copyFileSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../core/errors.js';
import { defaultModelPath } from '../test-support/default-model.js';
import { readGgufSummary } from './gguf-info.js';

let modelPath: string;
beforeAll(async () => {
  modelPath = await defaultModelPath();
});

describe('readGgufSummary', () => {
  it('reads the default model header', async () => {
    const summary = await readGgufSummary(modelPath);
    expect(summary).toMatchObject({
      type: 'model',
      architecture: 'llama',
      quantization: 'Q4_1',
      contextLength: 8192,
      sizeBytes: 98_362_432,
      hasChatTemplate: true,
    });
    expect(summary.parameters).toBeGreaterThan(130e6);
    expect(summary.parameters).toBeLessThan(140e6);
  });

  it('rejects missing, non-GGUF and truncated files with ModelFileError', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-gguf-'));
    await expect(readGgufSummary(join(directory, 'absent.gguf'))).rejects.toThrow(/not found/);

    const text = join(directory, 'notes.gguf');
    writeFileSync(text, 'this is not a model');
    await expect(readGgufSummary(text)).rejects.toBeInstanceOf(ModelFileError);
    await expect(readGgufSummary(text)).rejects.toThrow(/not a GGUF file/);

    const truncated = join(directory, 'truncated.gguf');
    copyFileSync(modelPath, truncated);
    const handle = openSync(truncated, 'r+');
    ftruncateSync(handle, 50_000_000);
    closeSync(handle);
    await expect(readGgufSummary(truncated)).rejects.toThrow(/truncated/);

    const headerOnly = join(directory, 'header.gguf');
    writeFileSync(headerOnly, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0, 255, 255])]));
    await expect(readGgufSummary(headerOnly)).rejects.toBeInstanceOf(ModelFileError);
  });
});
