// promptfoo `javascript` assertion equivalent to the task's `medications` grader (list F1 over
// name|dose|frequency, lowercased; empty against empty is a perfect 1).
const keyOf = (item) =>
  ['name', 'dose', 'frequency']
    .map((key) =>
      String(item?.[key] ?? '')
        .trim()
        .toLowerCase(),
    )
    .join('|');

export default function medicationsF1(output, context) {
  const expected = JSON.parse(context.vars.reference).medications.map(keyOf);
  let actual;
  try {
    actual = JSON.parse(output).medications;
  } catch {
    return { pass: false, score: 0, reason: 'output is not JSON' };
  }
  if (!Array.isArray(actual)) return { pass: false, score: 0, reason: 'no medications list' };
  if (expected.length === 0 && actual.length === 0) return { pass: true, score: 1, reason: 'both empty' };
  const remaining = [...expected];
  let hits = 0;
  for (const key of actual.map(keyOf)) {
    const at = remaining.indexOf(key);
    if (at >= 0) {
      hits++;
      remaining.splice(at, 1);
    }
  }
  const precision = actual.length === 0 ? 0 : hits / actual.length;
  const recall = expected.length === 0 ? 0 : hits / expected.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { pass: f1 >= 1, score: f1, reason: `${hits} of ${expected.length} expected` };
}
