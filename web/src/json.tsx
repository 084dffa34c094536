/**
 * Showing what the model saw and said: JSON pretty-printed, text with its line breaks, and a line
 * diff between an output and its reference.
 */

/** A value ready to show: pretty JSON, or text as given. */
export interface Shown {
  kind: 'json' | 'text';
  text: string;
}

export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** An output string: pretty JSON when it parses as JSON, else the text itself. */
export function showText(text: string): Shown {
  const trimmed = text.trim();
  if (trimmed !== '') {
    try {
      return { kind: 'json', text: pretty(JSON.parse(trimmed)) };
    } catch {
      // not JSON: shown as text
    }
  }
  return { kind: 'text', text };
}

/** A value of any kind (a reference, an input): strings as in showText, the rest as pretty JSON. */
export function showValue(value: unknown): Shown {
  return typeof value === 'string' ? showText(value) : { kind: 'json', text: pretty(value) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lines compared without trailing whitespace or the comma JSON puts after all but the last member. */
function normalize(line: string): string {
  return line.trimEnd().replace(/,$/, '');
}

/** For each line of `a` and of `b`, whether it is outside their longest common subsequence. */
export function diffLines(a: readonly string[], b: readonly string[]): { a: boolean[]; b: boolean[] } {
  const na = a.map(normalize);
  const nb = b.map(normalize);
  const changedA = na.map(() => false);
  const changedB = nb.map(() => false);
  let start = 0;
  while (start < na.length && start < nb.length && na[start] === nb[start]) start++;
  let endA = na.length;
  let endB = nb.length;
  while (endA > start && endB > start && na[endA - 1] === nb[endB - 1]) {
    endA--;
    endB--;
  }
  const rows = endA - start;
  const cols = endB - start;
  if (rows * cols > 4_000_000) {
    // Too big for the table: a line counts as changed when the other side has no such line.
    const inA = new Set(na.slice(start, endA));
    const inB = new Set(nb.slice(start, endB));
    for (let i = start; i < endA; i++) changedA[i] = !inB.has(na[i] ?? '');
    for (let j = start; j < endB; j++) changedB[j] = !inA.has(nb[j] ?? '');
    return { a: changedA, b: changedB };
  }
  // lcs[i * (cols + 1) + j]: the LCS length of a[start + i ..] and b[start + j ..]
  const width = cols + 1;
  const lcs = new Uint32Array((rows + 1) * width);
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      lcs[i * width + j] =
        na[start + i] === nb[start + j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < rows && j < cols) {
    if (na[start + i] === nb[start + j]) {
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
      changedA[start + i] = true;
      i++;
    } else {
      changedB[start + j] = true;
      j++;
    }
  }
  for (; i < rows; i++) changedA[start + i] = true;
  for (; j < cols; j++) changedB[start + j] = true;
  return { a: changedA, b: changedB };
}

/** Lines of `shown`, each highlighted where `changed` says so. */
export function ShownView({ shown, changed }: { shown: Shown; changed?: readonly boolean[] }) {
  const lines = shown.text.split('\n');
  return (
    <pre className={shown.kind === 'json' ? 'code' : 'code prose'}>
      {lines.map((line, index) => (
        <span
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are identified by their position
          key={index}
          className={changed?.[index] ? 'line changed' : 'line'}
        >
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** An output and its reference, with the lines where they differ marked on both sides. */
export function compare(
  output: string,
  reference: unknown,
): {
  output: Shown;
  reference: Shown | null;
  outputChanged: boolean[];
  referenceChanged: boolean[];
} {
  const shownOutput = showText(output);
  if (reference === null || reference === undefined) {
    return { output: shownOutput, reference: null, outputChanged: [], referenceChanged: [] };
  }
  const shownReference = showValue(reference);
  const diff = diffLines(shownOutput.text.split('\n'), shownReference.text.split('\n'));
  return { output: shownOutput, reference: shownReference, outputChanged: diff.a, referenceChanged: diff.b };
}

/**
 * A task input: text as text; an object with a single string field (a `note`, a `ticket`) as that
 * text with its line breaks, the other fields as JSON below; anything else as pretty JSON.
 */
export function InputView({ value }: { value: unknown }) {
  if (typeof value === 'string') return <ShownView shown={{ kind: 'text', text: value }} />;
  if (isRecord(value)) {
    const entries = Object.entries(value);
    const strings = entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    const only = strings.length === 1 ? strings[0] : undefined;
    if (only) {
      const [key, text] = only;
      const rest = entries.filter(([name]) => name !== key);
      return (
        <>
          <h4 className="field-name">{key}</h4>
          <ShownView shown={{ kind: 'text', text }} />
          {rest.length > 0 && <ShownView shown={{ kind: 'json', text: pretty(Object.fromEntries(rest)) }} />}
          <details className="raw">
            <summary>As JSON</summary>
            <ShownView shown={{ kind: 'json', text: pretty(value) }} />
          </details>
        </>
      );
    }
  }
  return <ShownView shown={{ kind: 'json', text: pretty(value) }} />;
}
