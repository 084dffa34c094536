import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DownloadError } from '../../core/errors.js';
import type { HuggingFaceSource } from '../catalog.js';
import type { ProgressListener } from './progress.js';
import { checkFile } from './verify-file.js';

export interface HuggingFaceDownloadOptions {
  /** Defaults to `$HF_ENDPOINT` or https://huggingface.co. */
  endpoint?: string;
  /** Defaults to `$HF_TOKEN`; sent only to the endpoint, never logged. */
  token?: string;
  attempts?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** Thrown when the endpoint cannot be reached at all, so callers may fall back to another source. */
export class EndpointUnreachableError extends DownloadError {}

export function huggingFaceUrl(source: HuggingFaceSource, endpoint: string): string {
  const file = source.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/$/, '')}/${source.repo}/resolve/${encodeURIComponent(source.revision)}/${file}`;
}

/**
 * Download one file with resume: bytes land in `<target>.partial`; a retry (or a later run after a
 * kill) continues with an HTTP Range request. The file is renamed into place only after its size and
 * SHA-256 match, so `target` is either absent or complete and verified.
 */
export async function downloadFromHuggingFace(
  source: HuggingFaceSource,
  target: string,
  expected: { sizeBytes: number; sha256: string },
  options: HuggingFaceDownloadOptions = {},
): Promise<void> {
  const endpoint = options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const token = options.token ?? process.env.HF_TOKEN;
  const url = huggingFaceUrl(source, endpoint);
  const partial = `${target}.partial`;
  const attempts = options.attempts ?? 4;
  await mkdir(dirname(target), { recursive: true });

  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(url, partial, expected.sizeBytes, token, options);
      break;
    } catch (error) {
      if (error instanceof DownloadError && !(error instanceof RetryableDownloadError)) throw error;
      // A host that does not resolve or refuses connections will not come back in a few seconds:
      // report it at once so `auto` can fall back to another source.
      const hopeless =
        error instanceof RetryableDownloadError && error.unreachable && hopelessCodes.has(error.networkCode);
      if (attempt >= attempts || hopeless) {
        if (error instanceof RetryableDownloadError && error.unreachable) {
          throw new EndpointUnreachableError(`Cannot reach ${endpoint}: ${error.message}`, { cause: error });
        }
        throw new DownloadError(
          `Download of ${url} failed after ${attempts} attempts: ${(error as Error).message}`,
          {
            cause: error,
            hint: 'Run the same command again to resume from where it stopped.',
          },
        );
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, Math.min(8000, 250 * 2 ** attempt)));
    }
  }

  const check = await checkFile(partial, expected);
  if (!check.ok) {
    await rm(partial, { force: true });
    throw new DownloadError(`Downloaded ${source.file} does not match the catalog: ${check.reason}`, {
      hint: 'The partial file was removed; run the command again to download it afresh.',
    });
  }
  await rename(partial, target);
}

const hopelessCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

class RetryableDownloadError extends DownloadError {
  readonly unreachable: boolean;
  readonly networkCode: string;
  constructor(message: string, unreachable: boolean, cause?: unknown) {
    super(message, { cause });
    this.unreachable = unreachable;
    this.networkCode = (cause as { cause?: { code?: string } } | undefined)?.cause?.code ?? 'unknown';
  }
}

async function downloadOnce(
  url: string,
  partial: string,
  totalBytes: number,
  token: string | undefined,
  options: HuggingFaceDownloadOptions,
): Promise<void> {
  const offset = existsSync(partial) ? statSync(partial).size : 0;
  if (offset === totalBytes) return;
  if (offset > totalBytes) await rm(partial, { force: true });
  const start = offset > totalBytes ? 0 : offset;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (start > 0) headers.range = `bytes=${start}-`;

  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal: options.signal ?? null });
  } catch (error) {
    throw new RetryableDownloadError(describeFetchError(error), true, error);
  }
  if (response.status === 401 || response.status === 403) {
    throw new DownloadError(`${url} answered ${response.status}: the repository is gated or private`, {
      hint: 'Accept the model licence on Hugging Face and set HF_TOKEN.',
    });
  }
  if (response.status === 404) throw new DownloadError(`${url} answered 404: no such file or revision`);
  if (response.status === 429 || response.status >= 500) {
    throw new RetryableDownloadError(`${url} answered ${response.status}`, false);
  }
  if (!response.ok || !response.body) throw new DownloadError(`${url} answered ${response.status}`);

  // A server that ignores Range answers 200 with the whole file: start over rather than append.
  const append = start > 0 && response.status === 206;
  let completed = append ? start : 0;
  const stage = `download ${new URL(url).host}/${url.split('/resolve/')[0]?.split('/').slice(-2).join('/')}`;
  options.onProgress?.({ stage, completedBytes: completed, totalBytes });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    completed += chunk.length;
    options.onProgress?.({ stage, completedBytes: completed, totalBytes });
  });
  try {
    await pipeline(body, createWriteStream(partial, { flags: append ? 'a' : 'w' }));
  } catch (error) {
    throw new RetryableDownloadError(`connection dropped at ${completed} bytes`, false, error);
  }
  if (completed < totalBytes)
    throw new RetryableDownloadError(`connection closed at ${completed} bytes`, false);
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${cause.code} ${cause.message ?? ''}`.trim() : (error as Error).message;
}
