/**
 * The words a record brings of its own, and their word n-grams hashed to numbers: what decontamination
 * compares. A record's own words are what differs from one record to the next (the note, the question),
 * never the task's fixed instructions, which every record shares and which would otherwise make every
 * record look like a copy of every other.
 */
import type { ChatMessage } from '../core/chat-model.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import { templateVariables, valueAt } from '../task/template.js';

/** The parts of a task that every record shares: the prompt template's fixed text and the system prompt. */
export type SharedText = Pick<Task, 'prompt' | 'system'>;

/**
 * Case-folded words, split at every run of characters that is neither a letter, a mark nor a digit, so
 * that whitespace, punctuation and line breaks never decide whether two texts match. JSON escapes
 * (`\n`, `\"`) count as separators: a note inserted into a prompt inside a JSON object arrives with its
 * line breaks escaped, and must still match the same note as plain text.
 */
export function normaliseWords(text: string): string[] {
  return text
    .replace(/\\[nrtbf"\\/]/g, ' ')
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** Fixed phrases shorter than this are not cut out of a message that does not follow the template: a
 * one- or two-word piece such as "Note:" also occurs inside the notes themselves. */
const minimumRemovedWords = 3;

/** A task's shared text, normalised once and kept as ` word word ` strings for substring search. */
export interface PreparedSharedText {
  /** Template variables in the order the prompt uses them. */
  variables: string[];
  /** Top-level input keys the prompt reads (the head of `patient.note` is `patient`). */
  usedKeys: Set<string>;
  /** The template's text before its first variable, padded; ' ' when there is none. */
  prefix: string;
  /** The template's text after its last variable, padded; ' ' when there is none. */
  suffix: string;
  /** The fixed text between variables, padded, empty ones left out. */
  middles: string[];
  /** Whether the template has no variable at all (then a message that is the template has no own words). */
  fixedOnly: boolean;
  /** Fixed phrases cut out of a message that does not follow the template (system prompt included). */
  removable: string[];
  /** Every fixed phrase, for the n-grams no record may count as its own. */
  phrases: string[][];
}

const variablePattern = /\{\{\s*[\w.]+\s*\}\}/;

/** Words joined with single spaces and padded with one each side, so `indexOf` only finds whole words. */
const padded = (words: readonly string[]) => (words.length === 0 ? ' ' : ` ${words.join(' ')} `);

export function prepareSharedText(task: SharedText): PreparedSharedText {
  const variables = templateVariables(task.prompt);
  const pieces = task.prompt.split(variablePattern).map(normaliseWords);
  const system = normaliseWords(task.system ?? '');
  const phrases = [...pieces, system].filter((words) => words.length > 0);
  return {
    variables,
    usedKeys: new Set(variables.map((variable) => variable.split('.')[0]!)),
    prefix: padded(pieces[0]!),
    suffix: pieces.length > 1 ? padded(pieces.at(-1)!) : ' ',
    middles: pieces
      .slice(1, -1)
      .filter((words) => words.length > 0)
      .map(padded),
    fixedOnly: variables.length === 0,
    removable: phrases.filter((words) => words.length >= minimumRemovedWords).map(padded),
    phrases,
  };
}

/**
 * The words a record brings of its own. A task record: its input's values in the order the prompt
 * inserts them (objects as the JSON the prompt shows), then the input values the prompt does not use.
 * A chat record: its system and user messages with the task's fixed text taken out, so a test note
 * pasted into the task's prompt yields the note's words and nothing else.
 */
export function recordWords(shared: PreparedSharedText, record: EvalRecord): string[] {
  if (record.messages) return chatWords(shared, record.messages);
  const texts = shared.variables.map((variable) => renderValue(valueAt(record.input, variable)));
  for (const [key, value] of Object.entries(record.input))
    if (!shared.usedKeys.has(key)) texts.push(renderValue(value));
  return normaliseWords(texts.join('\n'));
}

/** A value as the prompt template inserts it: strings as they are, anything else as JSON. */
function renderValue(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function chatWords(shared: PreparedSharedText, messages: readonly ChatMessage[]): string[] {
  const words: string[] = [];
  for (const message of messages) {
    // Assistant turns are answers, not the inputs a test set is made of.
    if (message.role === 'assistant') continue;
    const text = padded(normaliseWords(message.content));
    const captured = templateCaptures(shared, text);
    // Fixed phrases are cut from the captures too: with a template that is little more than
    // `{{note}}`, every message follows it, the system prompt included.
    const own = withoutFixedPhrases(shared, captured === undefined ? text : padded(spaced(captured)));
    words.push(...spaced(own));
  }
  return words;
}

const spaced = (text: string) => text.split(' ').filter((word) => word.length > 0);

/**
 * When a message is the task's prompt filled in, what filled its variables: the text between the
 * template's fixed pieces, found left to right in one pass (no backtracking, so a long message costs
 * one scan). Undefined when the message does not follow the template.
 */
function templateCaptures(shared: PreparedSharedText, text: string): string | undefined {
  const { prefix, suffix } = shared;
  if (!text.startsWith(prefix) || !text.endsWith(suffix)) return undefined;
  // Positions point at the space that ends the prefix and the space that starts the suffix.
  const start = prefix.length - 1;
  const end = text.length - suffix.length;
  if (end < start) return undefined;
  if (shared.fixedOnly) return end === start ? '' : undefined;
  const region = text.slice(start, end + 1);
  let captured = '';
  let cursor = 0;
  for (const middle of shared.middles) {
    const found = region.indexOf(middle, cursor);
    if (found < 0) return undefined;
    captured += region.slice(cursor, found + 1);
    cursor = found + middle.length - 1;
  }
  return captured + region.slice(cursor);
}

/**
 * A message that does not follow the template (edited instructions, a note pasted with words of its
 * own around it): the task's longer fixed phrases cut out wherever they occur; a message that is
 * exactly one fixed phrase, however short, has no words of its own.
 */
function withoutFixedPhrases(shared: PreparedSharedText, text: string): string {
  if (shared.phrases.some((words) => padded(words) === text)) return '';
  let rest = text;
  for (const phrase of shared.removable) rest = rest.split(phrase).join(' ');
  return rest;
}

/**
 * The distinct word n-grams of a text, each hashed to a number below 2^53 so that what is kept of
 * them holds no strings; sorted, in a typed array, because building a Set per record costs more
 * than the hashing. A text shorter than `n` words is one n-gram of its own length: short records
 * are compared whole, so a short record matches only a record with the very same words.
 */
export function ngramHashes(words: readonly string[], n: number): Float64Array {
  if (words.length === 0) return new Float64Array(0);
  const first = new Int32Array(words.length);
  const second = new Int32Array(words.length);
  words.forEach((word, index) => {
    first[index] = wordHash(word, 0x811c9dc5);
    second[index] = wordHash(word, 0x2545f491);
  });
  const length = Math.min(n, words.length);
  const hashes = new Float64Array(words.length - length + 1);
  for (let start = 0; start < hashes.length; start++)
    hashes[start] = windowHash(first, second, start, length);
  hashes.sort();
  let distinct = 0;
  for (let index = 0; index < hashes.length; index++)
    if (index === 0 || hashes[index] !== hashes[index - 1]) hashes[distinct++] = hashes[index]!;
  return hashes.subarray(0, distinct);
}

/** FNV-1a over UTF-16 code units, from two offsets to get two independent 32-bit lanes. */
function wordHash(word: string, offset: number): number {
  let hash = offset;
  for (let index = 0; index < word.length; index++)
    hash = Math.imul(hash ^ word.charCodeAt(index), 0x01000193);
  return hash;
}

/**
 * One window of words as a 53-bit number: two 32-bit lanes, each an order-sensitive mix of the word
 * hashes seeded with the window's length (so a whole short text never equals an n-gram), finished
 * with MurmurHash3's avalanche step; 32 bits of one lane and 21 of the other. At 53 bits, tens of
 * millions of n-grams collide with a chance well under one in a hundred, and one collision moves a
 * record's share by a single n-gram.
 */
function windowHash(first: Int32Array, second: Int32Array, start: number, length: number): number {
  let high = Math.imul(length, 0x9e3779b1) ^ 0x243f6a88;
  let low = Math.imul(length, 0x85ebca77) ^ 0x13198a2e;
  for (let index = start; index < start + length; index++) {
    high = Math.imul((high << 5) | (high >>> 27), 0x01000193) ^ first[index]!;
    low = Math.imul((low << 7) | (low >>> 25), 0x5bd1e995) ^ second[index]!;
  }
  return (avalanche(high) >>> 0) * 0x200000 + (avalanche(low) >>> 11);
}

function avalanche(value: number): number {
  let hash = value ^ (value >>> 16);
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}
