import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

// docs/cli.md is the reference users read; --help is what the code takes. Every flag a command takes
// must be documented in its own section of docs/cli.md or in the section of a command above it
// (`tailor train sft | dpo | grpo` documents the flags the three share).
const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'cli.md'), 'utf8');

interface Section {
  heading: string;
  body: string;
}

const sections: Section[] = docs
  .split(/^(?=#{2,3} )/m)
  .filter((part) => part.startsWith('##'))
  .map((part) => ({ heading: part.split('\n')[0]!, body: part }));

/** Every command with the path of names leading to it, e.g. ['train', 'grpo']. */
function commands(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((child) => {
    const childPath = [...path, child.name()];
    return [{ path: childPath, command: child }, ...commands(child, childPath)];
  });
}

/** The sections whose heading names this command or one above it. */
function sectionsFor(path: string[]): Section[] {
  return sections.filter((section) =>
    path.some((_, end) => {
      const words = path.slice(0, end + 1);
      // `## tailor train sft | dpo | grpo`, `### tailor train grpo`, `## tailor runs list | tailor runs export`
      const pattern = new RegExp(
        `tailor ${words.slice(0, -1).join(' ')}${words.length > 1 ? ' ' : ''}(?:[\\w-]+ \\| )*${words.at(-1)}\\b`,
      );
      return pattern.test(section.heading);
    }),
  );
}

describe('docs/cli.md and --help', () => {
  it('documents every command and every flag', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { path, command } of commands(buildProgram())) {
      if (command.name() === 'help') continue;
      const own = sectionsFor(path);
      if (own.length === 0) {
        missing.push(`tailor ${path.join(' ')}: no section`);
        continue;
      }
      const text = own.map((section) => section.body).join('\n');
      for (const option of command.options) {
        const flag = option.long;
        if (!flag || flag === '--help') continue;
        checked += 1;
        if (!new RegExp(`${flag}(?![\\w-])`).test(text)) missing.push(`tailor ${path.join(' ')} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
