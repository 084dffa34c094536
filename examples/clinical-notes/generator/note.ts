import type { Random } from './random.js';
import type { Medication, Summary } from './schema.js';
import {
  allergens,
  durations,
  familyHistory,
  frequencyPhrasings,
  type HomeMedication,
  homeMedications,
  noAllergyPhrasings,
  type Scenario,
  scenarios,
  stopReasons,
} from './vocabulary.js';

/** One generated visit: the note a clinician wrote and the exact summary it supports. */
export interface ClinicalCase {
  id: string;
  note: string;
  reference: Summary;
  /** Facts about the note used by the incumbent and the annotators (never shown to a model). */
  facts: { stoppedMedications: string[]; scenario: string; style: NoteStyle };
}

type NoteStyle = 'labelled' | 'sectioned' | 'narrative';

interface DrawnMedication {
  medication: Medication;
  line: string;
}

// Conditions whose visit implies a home medication, so notes stay clinically coherent.
const impliedMedication: Record<string, string> = {
  wheezing: 'albuterol',
  'diabetes follow-up': 'metformin',
  'blood pressure follow-up': 'lisinopril',
};

export function generateCase(random: Random, id: string): ClinicalCase {
  const scenario = random.pick(scenarios);
  const [duration, durationShort] = random.pick(durations);
  const age = random.integer(19, 88);
  const female = random.chance(0.5);
  const style = random.pick<NoteStyle>(['labelled', 'sectioned', 'narrative']);

  const medications = drawMedications(random.fork('medications'), scenario);
  const stopped = drawStopped(
    random.fork('stopped'),
    medications.map((entry) => entry.medication.name),
  );
  const allergy = drawAllergies(random.fork('allergies'));
  const vitals = drawVitals(random.fork('vitals'), scenario);
  const complaint = complaintOf(random, scenario, duration, durationShort);
  const assessmentText = random.pick(scenario.assessmentPhrasings);
  const planLines = scenario.plans.map(([, phrasings]) => random.pick(phrasings).replace(/\.$/, ''));
  const history = buildHistory(random.fork('history'), scenario, age, female, complaint.text);

  const reference: Summary = {
    chief_complaint: complaint.reference,
    vitals: vitals.reference,
    medications: medications.map((entry) => entry.medication),
    allergies: allergy.reference,
    assessment: scenario.assessment,
    plan: scenario.plans.map(([canonical]) => canonical).join(' '),
  };
  const parts = {
    complaint: complaint.text,
    history,
    medications: medications.map((entry) => entry.line),
    stopped: stopped.lines,
    allergies: allergy.text,
    vitals: vitals.text,
    assessment: assessmentText,
    plan: planLines,
  };
  const note = addTypos(random.fork('typos'), render(random.fork('layout'), style, parts, age, female));
  return {
    id,
    note,
    reference,
    facts: { stoppedMedications: stopped.names, scenario: scenario.complaint, style },
  };
}

function complaintOf(random: Random, scenario: Scenario, duration: string, short: string) {
  const phrasing = random.pick(scenario.complaintPhrasings);
  if (!phrasing.includes('{d}')) return { text: phrasing, reference: scenario.complaint };
  const text = phrasing.replace('{d}', phrasing.includes(' x{d}') ? short : duration);
  return { text, reference: `${scenario.complaint} for ${duration}` };
}

function dosePhrase(random: Random, amount: number, unit: string): string {
  if (unit === 'mg' && amount >= 1000 && amount % 1000 === 0 && random.chance(0.3))
    return `${amount / 1000} g`;
  if (unit === 'mcg' && random.chance(0.15)) return `${amount / 1000} mg`;
  if (unit === 'units') return random.pick([`${amount} units`, `${amount}u`, `${amount} U`]);
  return random.pick([`${amount} ${unit}`, `${amount}${unit}`, `${amount} ${unit.toUpperCase()}`]);
}

function medicationLine(
  random: Random,
  home: HomeMedication,
  amount: number,
  unit: string,
  frequency: string,
) {
  const alias = random.pick(home.aliases);
  const route =
    home.form === 'inhaler'
      ? random.pick([' inh', '', ' inhaled'])
      : random.pick([' PO', '', ' by mouth', ' tab']);
  const phrasing = random.pick(frequencyPhrasings[frequency as keyof typeof frequencyPhrasings]);
  return `${alias} ${dosePhrase(random, amount, unit)}${route} ${phrasing}`;
}

function drawMedications(random: Random, scenario: Scenario): DrawnMedication[] {
  // At most three current medications, the implied one included: it keeps a summary within about
  // 150 tokens of the default model, and three is already where small models start to mix up doses.
  const total = random.pick([0, 1, 1, 2, 2, 2, 3]);
  const implied = impliedMedication[scenario.complaint];
  const pool = homeMedications.filter((medication) => medication.name !== implied);
  const required = homeMedications.find((medication) => medication.name === implied);
  const chosen = random.sample(pool, required ? Math.max(total - 1, 0) : total);
  if (required) chosen.unshift(required);
  return chosen.map((home) => {
    const [amount, unit] = random.pick(home.doses);
    const frequency = random.pick(home.frequencies);
    return {
      medication: { name: home.name, dose: `${amount} ${unit}`, frequency },
      line: medicationLine(random, home, amount, unit, frequency),
    };
  });
}

function drawStopped(random: Random, current: string[]): { names: string[]; lines: string[] } {
  if (!random.chance(0.35)) return { names: [], lines: [] };
  const candidates = homeMedications.filter((medication) => !current.includes(medication.name));
  const picked = random.sample(candidates, random.pick([1, 1, 2]));
  const lines = picked.map((home) => {
    const [amount, unit] = random.pick(home.doses);
    const alias = random.pick(home.aliases);
    const reason = random.pick(stopReasons);
    return random.pick([
      `Stopped ${alias} ${amount} ${unit} last month ${reason}.`,
      `${alias} discontinued ${reason}.`,
      `Previously on ${alias}, no longer taking it.`,
      `d/c'd ${alias} ${reason}.`,
      `Was on ${alias} ${amount}${unit} until recently (stopped ${reason}).`,
    ]);
  });
  return { names: picked.map((home) => home.name), lines };
}

function drawAllergies(random: Random): { reference: string[] | null; text: string | undefined } {
  const roll = random.next();
  if (roll < 0.1) return { reference: null, text: undefined };
  if (roll < 0.55) return { reference: [], text: random.pick(noAllergyPhrasings) };
  const chosen = random.sample(allergens, random.pick([1, 1, 2]));
  const items = chosen.map((allergen) => {
    const name = random.pick(allergen.phrasings);
    return random.chance(0.6) ? `${name} (${random.pick(allergen.reactions)})` : name;
  });
  const text = random.pick([
    `Allergies: ${items.join(', ')}.`,
    `ALL: ${items.join('; ')}`,
    `Allergic to ${items.join(' and ')}.`,
    `Drug allergies: ${items.join(', ')}`,
  ]);
  return { reference: chosen.map((allergen) => allergen.canonical), text };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function drawVitals(random: Random, scenario: Scenario) {
  const reference: Summary['vitals'] = {
    temp_c: null,
    pulse: null,
    bp: null,
    resp_rate: null,
    spo2: null,
    weight_kg: null,
  };
  if (random.chance(0.1)) return { reference, text: undefined as string | undefined };
  const pieces: string[] = [];
  const present = () => random.chance(0.88);
  if (present()) {
    const celsius = round1(
      scenario.fever && random.chance(0.7) ? 38 + random.next() * 1.4 : 36.4 + random.next() * 1.0,
    );
    if (random.chance(0.5)) {
      const fahrenheit = round1((celsius * 9) / 5 + 32);
      reference.temp_c = round1(((fahrenheit - 32) * 5) / 9);
      pieces.push(
        random.pick([
          `T ${fahrenheit}F`,
          `Temp ${fahrenheit} F`,
          `temp ${fahrenheit}°F`,
          `T: ${fahrenheit} degF`,
        ]),
      );
    } else {
      reference.temp_c = celsius;
      pieces.push(random.pick([`T ${celsius}C`, `Temp ${celsius} C`, `temp ${celsius}°C`, `T: ${celsius}`]));
    }
  }
  if (present()) {
    const rate = random.integer(58, 112);
    reference.pulse = rate;
    pieces.push(random.pick([`HR ${rate}`, `pulse ${rate}`, `P ${rate} bpm`, `heart rate ${rate}`]));
  }
  if (present()) {
    const systolic = random.integer(104, 168);
    const diastolic = random.integer(62, Math.min(104, systolic - 30));
    reference.bp = `${systolic}/${diastolic}`;
    pieces.push(
      random.pick([
        `BP ${systolic}/${diastolic}`,
        `BP: ${systolic}/${diastolic} mmHg`,
        `blood pressure ${systolic}/${diastolic}`,
      ]),
    );
  }
  if (present()) {
    const respiratory = random.integer(12, 22);
    reference.resp_rate = respiratory;
    pieces.push(random.pick([`RR ${respiratory}`, `resp ${respiratory}`, `respirations ${respiratory}/min`]));
  }
  if (present()) {
    const saturation = random.integer(93, 100);
    reference.spo2 = saturation;
    pieces.push(
      random.pick([`SpO2 ${saturation}% RA`, `O2 sat ${saturation}% on room air`, `sat ${saturation}%`]),
    );
  }
  if (present()) {
    const kilograms = round1(48 + random.next() * 72);
    if (random.chance(0.5)) {
      const pounds = Math.round(kilograms / 0.45359237);
      reference.weight_kg = round1(pounds * 0.45359237);
      pieces.push(random.pick([`Wt ${pounds} lb`, `weight ${pounds} lbs`, `wt ${pounds}#`]));
    } else {
      reference.weight_kg = kilograms;
      pieces.push(random.pick([`Wt ${kilograms} kg`, `weight ${kilograms}kg`]));
    }
  }
  const shuffled = random.chance(0.3) ? random.shuffle(pieces) : pieces;
  return {
    reference,
    text: shuffled.length > 0 ? shuffled.join(random.pick([', ', '; ', '  '])) : undefined,
  };
}

function buildHistory(
  random: Random,
  scenario: Scenario,
  age: number,
  female: boolean,
  complaint: string,
): string[] {
  const sex = female ? random.pick(['F', 'female', 'woman']) : random.pick(['M', 'male', 'man']);
  const who = random.pick([
    `${age} y/o ${sex}`,
    `${age}-year-old ${sex}`,
    `${age}yo ${sex}`,
    `Pt is a ${age} y.o. ${sex}`,
  ]);
  const sentences = [`${who} with ${complaint.replace(/\.$/, '').toLowerCase()}.`];
  sentences.push(...random.sample(scenario.history, random.integer(1, scenario.history.length)));
  sentences.push(...random.sample(scenario.negatives, random.integer(1, scenario.negatives.length)));
  if (random.chance(0.4)) sentences.push(random.pick(familyHistory));
  return sentences;
}

interface NoteParts {
  complaint: string;
  history: string[];
  medications: string[];
  stopped: string[];
  allergies: string | undefined;
  vitals: string | undefined;
  assessment: string;
  plan: string[];
}

function render(random: Random, style: NoteStyle, parts: NoteParts, age: number, female: boolean): string {
  const noMeds = random.pick(['none', 'None.', 'no daily meds', 'Takes no medications.']);
  if (style === 'narrative') {
    const pronoun = female ? 'She' : 'He';
    const sentences = [...parts.history];
    sentences.push(
      parts.medications.length > 0
        ? `${random.pick(['Meds include', 'Current meds:', `${pronoun} takes`])} ${parts.medications.join(', ')}.`
        : `${pronoun} takes no regular medications.`,
    );
    sentences.push(...parts.stopped);
    if (parts.allergies)
      sentences.push(/[.!]$/.test(parts.allergies) ? parts.allergies : `${parts.allergies}.`);
    if (parts.vitals) sentences.push(`${random.pick(['Vitals:', 'VS', 'On exam'])} ${parts.vitals}.`);
    sentences.push(`${random.pick(['Impression:', 'Assessment:', 'A:'])} ${parts.assessment}`);
    sentences.push(`${random.pick(['Plan:', 'P:', 'Will'])} ${parts.plan.join('; ')}.`);
    return sentences.join(' ').replace(/\.\./g, '.').replace(/\.;/g, ';');
  }
  const labels =
    style === 'labelled'
      ? { cc: 'CC:', hpi: 'HPI:', meds: 'Meds:', allergies: '', vitals: 'VS:', a: 'A:', p: 'P:' }
      : {
          cc: 'Chief complaint:',
          hpi: 'History:',
          meds: 'Current medications:',
          allergies: '',
          vitals: 'Vitals:',
          a: 'Assessment:',
          p: 'Plan:',
        };
  const medicationBlock =
    parts.medications.length === 0
      ? `${labels.meds} ${noMeds}`
      : style === 'sectioned'
        ? `${labels.meds}\n${parts.medications.map((line) => `- ${line}`).join('\n')}`
        : `${labels.meds} ${parts.medications.join('; ')}`;
  const middle = [
    `${labels.hpi} ${parts.history.join(' ')}`,
    [medicationBlock, ...parts.stopped].join(style === 'sectioned' ? '\n' : ' '),
    ...(parts.allergies ? [parts.allergies] : []),
    ...(parts.vitals ? [`${labels.vitals} ${parts.vitals}`] : []),
  ];
  const ordered = random.chance(0.35) ? random.shuffle(middle) : middle;
  const planText =
    style === 'sectioned'
      ? `${labels.p}\n${parts.plan.map((line, index) => `${index + 1}. ${line}`).join('\n')}`
      : `${labels.p} ${parts.plan.join('; ')}`;
  const header = random.chance(0.5)
    ? [random.pick(['Clinic visit note', 'Progress note', 'Office visit', 'Urgent care note'])]
    : [];
  const separator = style === 'sectioned' ? '\n\n' : '\n';
  return [
    ...header,
    `${labels.cc} ${parts.complaint}`,
    ...ordered,
    `${labels.a} ${parts.assessment}`,
    planText,
  ].join(separator);
}

/** Clinicians type fast: swap or drop letters in a few longer words, rarely in a drug name. */
function addTypos(random: Random, note: string): string {
  if (!random.chance(0.35)) return note;
  const words = note.split(' ');
  const count = random.integer(1, 3);
  for (let typo = 0; typo < count; typo++) {
    const index = random.integer(0, words.length - 1);
    const word = words[index]!;
    if (!/^[a-z]{5,}$/.test(word)) continue;
    const at = random.integer(1, word.length - 2);
    words[index] = random.chance(0.5)
      ? word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2)
      : word.slice(0, at) + word.slice(at + 1);
  }
  return words.join(' ');
}
