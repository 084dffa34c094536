/**
 * Does a base model know the task's unit conversions? Asks it, few-shot and greedy, to convert the
 * pound weights and Fahrenheit temperatures the generator writes (106–265 lb; the task's fever and
 * normal ranges in °F) and counts the answers within the fields grader's tolerance (0.15). A
 * specialist learns these as a lookup from its training data; a base that already knows them has a
 * head start (README, "The specialist against the incumbent").
 *
 *   node --import tsx examples/clinical-notes/recipes/conversion-probe.ts <model reference> [--n 40]
 */
import { createModel, disposeLlamaRuntime } from '../../../src/index.js';

const [reference, ...rest] = process.argv.slice(2);
if (!reference) {
  process.stderr.write('usage: conversion-probe.ts <model reference> [--n 40]\n');
  process.exit(2);
}
const n = rest[0] === '--n' ? Number(rest[1]) : 40;
const round1 = (x: number) => Math.round(x * 10) / 10;
// A fixed spread over each range, so every model is asked the same values.
const pounds = Array.from({ length: n }, (_, i) => 106 + Math.round((i * 159) / (n - 1)));
const celsius = Array.from({ length: n }, (_, i) => round1(36.4 + (i * 3.0) / (n - 1)));
const fahrenheit = celsius.map((c) => round1((c * 9) / 5 + 32));

const shots = (unit: 'lb' | 'F') =>
  unit === 'lb'
    ? [
        [150, round1(150 * 0.45359237)],
        [201, round1(201 * 0.45359237)],
        [118, round1(118 * 0.45359237)],
      ]
    : [
        [98.6, 37.0],
        [101.3, round1(((101.3 - 32) * 5) / 9)],
        [99.7, round1(((99.7 - 32) * 5) / 9)],
      ];

const model = await createModel(reference);
let asked = 0;
for (const unit of ['lb', 'F'] as const) {
  const values = unit === 'lb' ? pounds : fahrenheit;
  const truth = (x: number) => (unit === 'lb' ? round1(x * 0.45359237) : round1(((x - 32) * 5) / 9));
  const question = (x: number) =>
    unit === 'lb' ? `Convert ${x} lb to kg (1 decimal).` : `Convert ${x} °F to °C (1 decimal).`;
  let right = 0;
  let absoluteError = 0;
  for (const x of values) {
    const messages = [
      { role: 'system' as const, content: 'Answer with the number only.' },
      ...shots(unit).flatMap(([q, a]) => [
        { role: 'user' as const, content: question(q!) },
        { role: 'assistant' as const, content: String(a) },
      ]),
      { role: 'user' as const, content: question(x) },
    ];
    const { text } = await model.generate(messages, { temperature: 0, maxTokens: 8 });
    const answer = Number.parseFloat(text.trim());
    asked++;
    if (Math.abs(answer - truth(x)) <= 0.15) right++;
    absoluteError += Number.isFinite(answer) ? Math.min(Math.abs(answer - truth(x)), 50) : 50;
  }
  process.stdout.write(
    `${reference} ${unit === 'lb' ? 'lb → kg' : '°F → °C'}: ${right}/${values.length} within 0.15, mean |error| ${(absoluteError / values.length).toFixed(2)} (capped at 50)\n`,
  );
}
await model.close?.();
await disposeLlamaRuntime();
process.stderr.write(`${asked} questions\n`);
