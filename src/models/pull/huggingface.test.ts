import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadError } from '../../core/errors.js';
import { startTestServer, type TestServer } from '../../test-support/http-server.js';
import { downloadFromHuggingFace, EndpointUnreachableError } from './huggingface.js';

// The Hugging Face download path against a local server that speaks HTTP ranges like the Hub's CDN.
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 7) % 251));
const expected = { sizeBytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') };
const source = { kind: 'huggingface' as const, repo: 'org/repo', revision: 'abc123', file: 'model.gguf' };

function serve(options: { dropFirstAfter?: number } = {}) {
  let served = 0;
  return startTestServer((request, _body, response) => {
    if (request.url !== '/org/repo/resolve/abc123/model.gguf') {
      response.writeHead(404);
      response.end();
      return;
    }
    const range = /bytes=(\d+)-/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    served++;
    response.writeHead(range ? 206 : 200, { 'content-length': String(payload.length - start) });
    if (served === 1 && options.dropFirstAfter !== undefined) {
      response.write(payload.subarray(start, options.dropFirstAfter));
      setTimeout(() => response.destroy(), 20);
      return;
    }
    response.end(payload.subarray(start));
  });
}

const target = () => join(mkdtempSync(join(tmpdir(), 'tailor-hf-')), 'model.gguf');

describe('downloadFromHuggingFace', () => {
  it('downloads, verifies and renames into place, reporting progress', async () => {
    server = await serve();
    const path = target();
    const seen: number[] = [];
    await downloadFromHuggingFace(source, path, expected, {
      endpoint: server.url,
      onProgress: (progress) => seen.push(progress.completedBytes),
    });
    expect(readFileSync(path).equals(payload)).toBe(true);
    expect(seen.at(-1)).toBe(payload.length);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('resumes with a Range request after the connection drops', async () => {
    server = await serve({ dropFirstAfter: 100_000 });
    const path = target();
    await downloadFromHuggingFace(source, path, expected, { endpoint: server.url });
    expect(readFileSync(path).equals(payload)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('continues a partial file left by an earlier, killed run', async () => {
    server = await serve();
    const path = target();
    writeFileSync(`${path}.partial`, payload.subarray(0, 123_456));
    await downloadFromHuggingFace(source, path, expected, { endpoint: server.url });
    expect(server.requests[0]!.headers.range).toBe('bytes=123456-');
    expect(statSync(path).size).toBe(payload.length);
  });

  it('rejects a checksum mismatch and never leaves a bad file at the target', async () => {
    server = await serve();
    const path = target();
    const wrong = { ...expected, sha256: '0'.repeat(64) };
    await expect(downloadFromHuggingFace(source, path, wrong, { endpoint: server.url })).rejects.toThrow(
      /does not match the catalog: SHA-256/,
    );
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('fails fast on a missing file and on an unreachable endpoint', async () => {
    server = await serve();
    await expect(
      downloadFromHuggingFace({ ...source, file: 'other.gguf' }, target(), expected, {
        endpoint: server.url,
      }),
    ).rejects.toThrow(DownloadError);
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(
      downloadFromHuggingFace(source, target(), expected, { endpoint: url }),
    ).rejects.toBeInstanceOf(EndpointUnreachableError);
  });
});
