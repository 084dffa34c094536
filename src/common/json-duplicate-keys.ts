/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys without a word, so an
 * output that says `"allergies"` twice validates against its schema while meaning two things; and a
 * grammar that allows free-form keys lets a small model repeat one key until it runs out of tokens.
 * The detector reads text as it streams, so a generation can be stopped at the first repeat.
 */
export interface DuplicateKey {
  key: string;
  /** Where the object sits: `/` for the top level, `/vitals` for the value of `vitals`. */
  path: string;
}

type Frame =
  | { kind: 'object'; keys: Set<string>; expectingKey: boolean; lastKey?: string }
  | { kind: 'array' };

export class DuplicateKeyDetector {
  readonly #stack: Frame[] = [];
  #inString = false;
  #escaped = false;
  #stringIsKey = false;
  #key = '';
  #found: DuplicateKey | undefined;

  /** The first duplicate key seen so far, or undefined. */
  get found(): DuplicateKey | undefined {
    return this.#found;
  }

  /** Read more text; returns the first duplicate once one has been seen. */
  push(text: string): DuplicateKey | undefined {
    for (const character of text) {
      if (this.#found) break;
      if (this.#inString) this.#readStringCharacter(character);
      else this.#readStructure(character);
    }
    return this.#found;
  }

  #readStringCharacter(character: string): void {
    if (this.#escaped) {
      this.#escaped = false;
      if (this.#stringIsKey) this.#key += `\\${character}`;
      return;
    }
    if (character === '\\') {
      this.#escaped = true;
      return;
    }
    if (character !== '"') {
      if (this.#stringIsKey) this.#key += character;
      return;
    }
    this.#inString = false;
    const frame = this.#stack.at(-1);
    if (!this.#stringIsKey || frame?.kind !== 'object') return;
    frame.expectingKey = false;
    frame.lastKey = this.#key;
    if (frame.keys.has(this.#key)) this.#found = { key: this.#key, path: this.#path() };
    else frame.keys.add(this.#key);
  }

  #readStructure(character: string): void {
    const frame = this.#stack.at(-1);
    switch (character) {
      case '"':
        this.#inString = true;
        this.#stringIsKey = frame?.kind === 'object' && frame.expectingKey;
        this.#key = '';
        return;
      case '{':
        this.#stack.push({ kind: 'object', keys: new Set(), expectingKey: true });
        return;
      case '[':
        this.#stack.push({ kind: 'array' });
        return;
      case '}':
      case ']':
        this.#stack.pop();
        return;
      case ',':
        if (frame?.kind === 'object') frame.expectingKey = true;
        return;
    }
  }

  #path(): string {
    const parents = this.#stack
      .slice(0, -1)
      .map((frame) => (frame.kind === 'object' ? (frame.lastKey ?? '') : '*'));
    return `/${parents.join('/')}`;
  }
}

/** The first duplicate key in a JSON text, or undefined. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  return new DuplicateKeyDetector().push(text);
}
