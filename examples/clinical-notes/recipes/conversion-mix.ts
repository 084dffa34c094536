/**
 * The training mix of the `notes-sft-mix` recipe (README, "The specialist against the incumbent"):
 * the 1,200 train references plus curated production traffic whose note gives a weight in pounds or
 * a temperature in Fahrenheit. Those two conversions were the specialist's worst fields after one
 * epoch on the references alone, and a 135M model learns them as a lookup from many examples, so
 * the traffic the incumbent already answered is spent where it pays.
 *
 *   node --import tsx recipes/conversion-mix.ts <curated traffic JSONL> <out JSONL> [--take N]
 *
 * The curated traffic is a `tailor data curate` version (its records carry the incumbent's output
 * as the reference); the order is kept, so the first N matching notes are taken.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const [curatedPath, outPath, ...rest] = process.argv.slice(2);
if (!curatedPath || !outPath) {
  process.stderr.write('usage: conversion-mix.ts <curated traffic JSONL> <out JSONL> [--take N]\n');
  process.exit(2);
}
const takeAt = rest.indexOf('--take');
const take = takeAt >= 0 ? Number(rest[takeAt + 1]) : Number.POSITIVE_INFINITY;
if (!(take > 0)) {
  process.stderr.write('--take must be a positive number\n');
  process.exit(2);
}

// The same patterns the generator writes: "181 lb", "181 lbs", "181#", "99.1°F", "99.1 F".
const pounds = /\d\s*(?:lbs?\b|#)/;
const fahrenheit = /°F|\d\s*F\b/;

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
const train = lines(new URL('../data/train.jsonl', import.meta.url).pathname);
const conversions = lines(curatedPath)
  .filter((line) => {
    const note = (JSON.parse(line) as { input: { note: string } }).input.note;
    return pounds.test(note) || fahrenheit.test(note);
  })
  .slice(0, take);

const temporary = `${outPath}.tmp`;
writeFileSync(temporary, `${[...train, ...conversions].join('\n')}\n`);
renameSync(temporary, outPath);
process.stdout.write(
  `${outPath}: ${train.length} train references + ${conversions.length} conversion notes\n`,
);
