import type { ClinicalCase } from './note.js';
import type { Random } from './random.js';
import type { Summary } from './schema.js';
import { homeMedications } from './vocabulary.js';

/**
 * The incumbent: "production outputs" of a stronger general model on the train notes. Mostly right,
 * with the benign variation a real model shows (plan paraphrased from the note, key order), and with
 * the error kinds that hurt in production injected at known rates. Which outputs are bad is recorded
 * only in the hidden answer file, so curation has to find them with graders.
 */
export type IncumbentError = 'hallucinated-medication' | 'wrong-dose' | 'missed-allergy' | 'truncated-json';

export const incumbentErrorRates: Record<IncumbentError, number> = {
  'hallucinated-medication': 0.06,
  'wrong-dose': 0.07,
  'missed-allergy': 0.05,
  'truncated-json': 0.03,
};

export interface IncumbentRecord {
  id: string;
  /** Exactly what the incumbent returned: usually JSON, sometimes cut off. */
  output: string;
}

export interface IncumbentAnswer {
  id: string;
  errors: IncumbentError[];
}

export function incumbentOutput(
  random: Random,
  item: ClinicalCase,
): { record: IncumbentRecord; answer: IncumbentAnswer } {
  const summary: Summary = structuredClone(item.reference);
  const errors: IncumbentError[] = [];

  // Benign: a strong model often keeps the note's own wording for the plan.
  if (random.chance(0.4)) summary.plan = paraphrasePlan(item.note, summary.plan);

  // Dose errors hit a medication the note lists, so each injected error is exactly one finding.
  if (summary.medications.length > 0 && random.chance(incumbentErrorRates['wrong-dose'] / 0.8)) {
    const index = random.integer(0, summary.medications.length - 1);
    const medication = summary.medications[index]!;
    const [amount, unit] = medication.dose.split(' ') as [string, string];
    const wrong = random.pick([Number(amount) * 10, Number(amount) * 2, Number(amount) / 2]);
    summary.medications[index] = { ...medication, dose: `${Number(wrong.toFixed(3))} ${unit}` };
    errors.push('wrong-dose');
  }
  if (random.chance(incumbentErrorRates['hallucinated-medication'])) {
    const stopped = item.facts.stoppedMedications[0];
    const present = new Set(summary.medications.map((medication) => medication.name));
    const candidate = stopped
      ? homeMedications.find((medication) => medication.name === stopped)!
      : random.pick(homeMedications.filter((medication) => !present.has(medication.name)));
    const [amount, unit] = random.pick(candidate.doses);
    summary.medications.splice(random.integer(0, summary.medications.length), 0, {
      name: candidate.name,
      dose: `${amount} ${unit}`,
      frequency: random.pick(candidate.frequencies),
    });
    errors.push('hallucinated-medication');
  }
  if (
    summary.allergies &&
    summary.allergies.length > 0 &&
    random.chance(incumbentErrorRates['missed-allergy'] / 0.45)
  ) {
    summary.allergies = random.chance(0.5) ? [] : summary.allergies.slice(1);
    errors.push('missed-allergy');
  }
  let output = JSON.stringify(summary);
  if (random.chance(incumbentErrorRates['truncated-json'])) {
    output = output.slice(0, Math.floor(output.length * (0.4 + random.next() * 0.5)));
    errors.push('truncated-json');
  }
  return { record: { id: item.id, output }, answer: { id: item.id, errors } };
}

/** The plan as the note words it (abbreviations and all), joined into sentences. */
function paraphrasePlan(note: string, fallback: string): string {
  const match = /(?:^|\n|\s)(?:P:|Plan:|Will)\s*([\s\S]+)$/.exec(note);
  if (!match) return fallback;
  const items = match[1]!
    .split(/\n|;/)
    .map((line) =>
      line
        .replace(/^\s*\d+\.\s*/, '')
        .trim()
        .replace(/\.$/, ''),
    )
    .filter((line) => line.length > 0);
  return items.length > 0
    ? `${items.map((line) => line[0]!.toUpperCase() + line.slice(1)).join('. ')}.`
    : fallback;
}
