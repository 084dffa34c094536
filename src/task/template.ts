/** Prompt templates (`{{variable}}` filled from a record's input) and dotted paths into values. */

export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1]!))];
}

/** Fill `{{variable}}` from the record's input; objects are inserted as JSON. */
export function renderTemplate(template: string, input: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    const value = valueAt(input, name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Read `a.b.c` from an object. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
