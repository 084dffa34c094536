import type { frequencies } from './schema.js';

/** Everything the generator can say, with the canonical form each phrasing maps to. */
export type Frequency = (typeof frequencies)[number];

/** How notes write each canonical frequency (abbreviations included). */
export const frequencyPhrasings: Record<Frequency, string[]> = {
  'once daily': ['daily', 'once daily', 'QD', 'qd', 'once a day', 'every morning', 'q.d.', 'QAM'],
  'twice daily': ['BID', 'b.i.d.', 'twice a day', 'twice daily', '2x/day', 'q12h', 'every 12 hours'],
  'three times daily': ['TID', 't.i.d.', 'three times a day', '3x daily', 'q8h', 'every 8 hours'],
  'four times daily': ['QID', 'q.i.d.', 'four times a day'],
  'every 4 hours as needed': ['q4h PRN', 'every 4 hours as needed', 'q4h prn', 'q4-6h PRN'],
  'every 6 hours as needed': ['q6h PRN', 'every 6 hours as needed', 'q6h prn', 'PRN q6h'],
  'at bedtime': ['QHS', 'qhs', 'at bedtime', 'nightly at bedtime', 'HS'],
  'as needed': ['PRN', 'as needed', 'prn'],
  'once weekly': ['weekly', 'once a week', 'q week'],
};

export interface HomeMedication {
  name: string;
  /** Names and abbreviations seen in notes. */
  aliases: string[];
  doses: [amount: number, unit: 'mg' | 'mcg' | 'g' | 'units' | 'mL' | 'puffs'][];
  frequencies: Frequency[];
  form?: string;
}

export const homeMedications: HomeMedication[] = [
  {
    name: 'metformin',
    aliases: ['metformin', 'Metformin', 'Glucophage'],
    doses: [
      [500, 'mg'],
      [850, 'mg'],
      [1000, 'mg'],
    ],
    frequencies: ['twice daily', 'once daily'],
  },
  {
    name: 'lisinopril',
    aliases: ['lisinopril', 'Lisinopril', 'Zestril'],
    doses: [
      [5, 'mg'],
      [10, 'mg'],
      [20, 'mg'],
      [40, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'amlodipine',
    aliases: ['amlodipine', 'Norvasc'],
    doses: [
      [2.5, 'mg'],
      [5, 'mg'],
      [10, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'atorvastatin',
    aliases: ['atorvastatin', 'Lipitor'],
    doses: [
      [10, 'mg'],
      [20, 'mg'],
      [40, 'mg'],
      [80, 'mg'],
    ],
    frequencies: ['once daily', 'at bedtime'],
  },
  {
    name: 'levothyroxine',
    aliases: ['levothyroxine', 'Synthroid', 'levo'],
    doses: [
      [50, 'mcg'],
      [75, 'mcg'],
      [88, 'mcg'],
      [100, 'mcg'],
      [125, 'mcg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'omeprazole',
    aliases: ['omeprazole', 'Prilosec'],
    doses: [
      [20, 'mg'],
      [40, 'mg'],
    ],
    frequencies: ['once daily', 'twice daily'],
  },
  {
    name: 'sertraline',
    aliases: ['sertraline', 'Zoloft'],
    doses: [
      [25, 'mg'],
      [50, 'mg'],
      [100, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'albuterol',
    aliases: ['albuterol', 'albuterol inhaler', 'ProAir'],
    doses: [[2, 'puffs']],
    frequencies: ['every 4 hours as needed', 'as needed'],
    form: 'inhaler',
  },
  {
    name: 'insulin glargine',
    aliases: ['insulin glargine', 'Lantus', 'glargine'],
    doses: [
      [10, 'units'],
      [18, 'units'],
      [24, 'units'],
      [30, 'units'],
    ],
    frequencies: ['at bedtime', 'once daily'],
  },
  {
    name: 'hydrochlorothiazide',
    aliases: ['hydrochlorothiazide', 'HCTZ'],
    doses: [
      [12.5, 'mg'],
      [25, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'metoprolol',
    aliases: ['metoprolol', 'metoprolol tartrate', 'Lopressor'],
    doses: [
      [25, 'mg'],
      [50, 'mg'],
    ],
    frequencies: ['twice daily'],
  },
  {
    name: 'losartan',
    aliases: ['losartan', 'Cozaar'],
    doses: [
      [25, 'mg'],
      [50, 'mg'],
      [100, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'gabapentin',
    aliases: ['gabapentin', 'Neurontin'],
    doses: [
      [100, 'mg'],
      [300, 'mg'],
    ],
    frequencies: ['three times daily', 'at bedtime'],
  },
  {
    name: 'ibuprofen',
    aliases: ['ibuprofen', 'Motrin', 'Advil'],
    doses: [
      [400, 'mg'],
      [600, 'mg'],
    ],
    frequencies: ['every 6 hours as needed'],
  },
  {
    name: 'acetaminophen',
    aliases: ['acetaminophen', 'Tylenol', 'APAP'],
    doses: [
      [500, 'mg'],
      [650, 'mg'],
      [1000, 'mg'],
    ],
    frequencies: ['every 6 hours as needed'],
  },
  {
    name: 'furosemide',
    aliases: ['furosemide', 'Lasix'],
    doses: [
      [20, 'mg'],
      [40, 'mg'],
    ],
    frequencies: ['once daily', 'twice daily'],
  },
  {
    name: 'warfarin',
    aliases: ['warfarin', 'Coumadin'],
    doses: [
      [2.5, 'mg'],
      [5, 'mg'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'montelukast',
    aliases: ['montelukast', 'Singulair'],
    doses: [[10, 'mg']],
    frequencies: ['at bedtime'],
  },
  {
    name: 'vitamin D3',
    aliases: ['vitamin D3', 'vit D', 'cholecalciferol'],
    doses: [
      [1000, 'units'],
      [2000, 'units'],
    ],
    frequencies: ['once daily'],
  },
  {
    name: 'alendronate',
    aliases: ['alendronate', 'Fosamax'],
    doses: [[70, 'mg']],
    frequencies: ['once weekly'],
  },
  { name: 'cetirizine', aliases: ['cetirizine', 'Zyrtec'], doses: [[10, 'mg']], frequencies: ['once daily'] },
  {
    name: 'tamsulosin',
    aliases: ['tamsulosin', 'Flomax'],
    doses: [[0.4, 'mg']],
    frequencies: ['at bedtime', 'once daily'],
  },
];

/** Reasons a medication was stopped, for the "discontinued" distractors. */
export const stopReasons = [
  'due to myalgias',
  'due to cough',
  'because of GI upset',
  'after labs normalized',
  'per cardiology',
  'due to dizziness',
  'cost',
];

export interface Allergen {
  canonical: string;
  phrasings: string[];
  reactions: string[];
}

export const allergens: Allergen[] = [
  {
    canonical: 'penicillin',
    phrasings: ['penicillin', 'PCN', 'Penicillin'],
    reactions: ['hives', 'rash', 'anaphylaxis'],
  },
  {
    canonical: 'sulfa',
    phrasings: ['sulfa', 'sulfa drugs', 'Bactrim (sulfa)'],
    reactions: ['rash', 'hives'],
  },
  { canonical: 'codeine', phrasings: ['codeine'], reactions: ['nausea', 'vomiting'] },
  { canonical: 'aspirin', phrasings: ['aspirin', 'ASA'], reactions: ['GI bleed', 'wheezing'] },
  { canonical: 'latex', phrasings: ['latex'], reactions: ['contact rash'] },
  { canonical: 'shellfish', phrasings: ['shellfish'], reactions: ['swelling', 'hives'] },
  { canonical: 'amoxicillin', phrasings: ['amoxicillin', 'amoxil'], reactions: ['rash'] },
  { canonical: 'lisinopril', phrasings: ['lisinopril', 'Lisinopril'], reactions: ['angioedema', 'cough'] },
  { canonical: 'morphine', phrasings: ['morphine', 'MSO4'], reactions: ['itching'] },
];

export const noAllergyPhrasings = [
  'NKDA',
  'No known drug allergies.',
  'Allergies: none known.',
  'NKA',
  'Denies drug allergies.',
  'Allergies: NKDA',
];

export interface Scenario {
  complaint: string;
  /** How the note states the complaint; `{d}` is the duration phrase. */
  complaintPhrasings: string[];
  assessment: string;
  assessmentPhrasings: string[];
  history: string[];
  negatives: string[];
  /** Plan items as [canonical sentence, note phrasings]. */
  plans: [string, string[]][];
  fever?: boolean;
}

export const scenarios: Scenario[] = [
  {
    complaint: 'cough',
    complaintPhrasings: ['cough x{d}', 'Cough for {d}.', 'productive cough for {d}', 'coughing for {d}'],
    assessment: 'acute bronchitis',
    assessmentPhrasings: [
      'Acute bronchitis, likely viral.',
      'acute bronchitis',
      'Bronchitis (acute), viral etiology suspected.',
    ],
    history: [
      'Cough productive of clear sputum.',
      'Worse at night.',
      'Coworkers sick with similar symptoms.',
    ],
    negatives: ['Denies fever.', 'No hemoptysis.', 'Denies chest pain or SOB.'],
    plans: [
      [
        'Supportive care with fluids and rest.',
        ['supportive care, fluids, rest', 'Supportive care: fluids/rest.'],
      ],
      [
        'Return if fever or symptoms persist beyond 3 weeks.',
        ['RTC if fever or sx > 3 wks', 'Return if fever develops or cough lasts over 3 weeks.'],
      ],
    ],
  },
  {
    complaint: 'sore throat',
    complaintPhrasings: [
      'sore throat x{d}',
      'Sore throat for {d}.',
      'throat pain for {d}',
      'painful swallowing for {d}',
    ],
    assessment: 'streptococcal pharyngitis',
    assessmentPhrasings: [
      'Strep pharyngitis, rapid strep positive.',
      'streptococcal pharyngitis',
      'Group A strep pharyngitis.',
    ],
    history: ['Pain with swallowing.', 'Sick contact at home.'],
    negatives: ['No cough.', 'Denies rash.'],
    plans: [
      [
        'Start amoxicillin 500 mg twice daily for 10 days.',
        ['amoxicillin 500 mg PO BID x10 days', 'Start amox 500mg BID for 10d.'],
      ],
      [
        'Salt water gargles and acetaminophen for pain.',
        ['salt water gargles, APAP prn pain', 'Gargles and Tylenol as needed.'],
      ],
    ],
    fever: true,
  },
  {
    complaint: 'painful urination',
    complaintPhrasings: ['dysuria x{d}', 'Burning with urination for {d}.', 'painful urination for {d}'],
    assessment: 'urinary tract infection',
    assessmentPhrasings: ['Uncomplicated UTI.', 'urinary tract infection', 'Acute cystitis (UTI).'],
    history: ['Urinary frequency and urgency.', 'UA positive for nitrites and leukocytes.'],
    negatives: ['Denies flank pain.', 'No fever or chills.'],
    plans: [
      [
        'Start nitrofurantoin 100 mg twice daily for 5 days.',
        ['nitrofurantoin 100 mg BID x5d', 'Macrobid 100mg b.i.d. for 5 days.'],
      ],
      [
        'Increase fluid intake and follow up if no improvement in 3 days.',
        ['push fluids; f/u if not better in 3d', 'Hydrate, follow up if no improvement in 72h.'],
      ],
    ],
  },
  {
    complaint: 'headache',
    complaintPhrasings: ['HA x{d}', 'Headache for {d}.', 'headaches for {d}', 'bilateral headache for {d}'],
    assessment: 'tension headache',
    assessmentPhrasings: ['Tension-type headache.', 'tension headache', 'Likely tension HA.'],
    history: ['Band-like pressure, worse with stress.', 'Long hours at computer.'],
    negatives: ['Denies vision changes.', 'No neck stiffness.', 'No weakness or numbness.'],
    plans: [
      [
        'Ibuprofen as needed and improve sleep hygiene.',
        ['NSAIDs prn, sleep hygiene', 'Motrin as needed; sleep hygiene counseling.'],
      ],
      [
        'Follow up in 4 weeks with a headache diary.',
        ['f/u 4 wks w/ HA diary', 'Keep headache diary, return in 4 weeks.'],
      ],
    ],
  },
  {
    complaint: 'blood pressure follow-up',
    complaintPhrasings: [
      'HTN f/u',
      'Follow-up for blood pressure.',
      'here for BP check',
      'routine hypertension follow-up',
    ],
    assessment: 'hypertension, not at goal',
    assessmentPhrasings: ['HTN, not at goal.', 'hypertension, not at goal', 'Hypertension - above target.'],
    history: ['Home readings 140s-150s systolic.', 'Adherent to medications.'],
    negatives: ['Denies headache or chest pain.', 'No edema.'],
    plans: [
      [
        'Increase antihypertensive dose and recheck blood pressure in 2 weeks.',
        ['uptitrate BP med, BP recheck 2 wks', 'Increase dose; nurse BP check in 2 weeks.'],
      ],
      [
        'Low-sodium diet and daily walking.',
        ['low Na diet, walking', 'Counseled on DASH diet and exercise.'],
      ],
    ],
  },
  {
    complaint: 'diabetes follow-up',
    complaintPhrasings: [
      'DM2 f/u',
      'Diabetes follow-up.',
      'here for diabetes check',
      'follow-up of type 2 diabetes',
    ],
    assessment: 'type 2 diabetes',
    assessmentPhrasings: [
      'DM2, A1c above goal.',
      'type 2 diabetes',
      'Type 2 diabetes mellitus, suboptimally controlled.',
    ],
    history: ['Last A1c 8.1%.', 'Fasting sugars 150-180.'],
    negatives: ['Denies polyuria.', 'No foot ulcers.'],
    plans: [
      ['Check A1c and lipid panel today.', ['A1c, lipids today', 'Labs: HbA1c and lipid panel.']],
      [
        'Diabetes education referral and follow up in 3 months.',
        ['DM education referral; RTC 3 mo', 'Refer to diabetes educator, follow up 3 months.'],
      ],
    ],
  },
  {
    complaint: 'low back pain',
    complaintPhrasings: ['LBP x{d}', 'Low back pain for {d}.', 'lower back pain after lifting, {d}'],
    assessment: 'lumbar strain',
    assessmentPhrasings: ['Lumbar strain.', 'lumbar strain', 'Mechanical low back pain (lumbar strain).'],
    history: ['Onset after lifting boxes.', 'Pain worse with bending.'],
    negatives: ['No bowel or bladder changes.', 'Denies leg numbness.'],
    plans: [
      [
        'Ibuprofen as needed, heat and gentle stretching.',
        ['NSAIDs prn, heat, stretching', 'Ibuprofen as needed; heat; home stretches.'],
      ],
      [
        'Physical therapy referral if not improved in 2 weeks.',
        ['PT referral if no better 2 wks', 'Refer to PT if persistent after 2 weeks.'],
      ],
    ],
  },
  {
    complaint: 'ear pain',
    complaintPhrasings: ['L ear pain x{d}', 'Right ear pain for {d}.', 'ear pain for {d}', 'otalgia x{d}'],
    assessment: 'acute otitis media',
    assessmentPhrasings: ['Acute otitis media.', 'acute otitis media', 'AOM, left.'],
    history: ['Preceded by URI symptoms.', 'TM bulging and erythematous on exam.'],
    negatives: ['No drainage.', 'Denies hearing loss.'],
    plans: [
      [
        'Start amoxicillin 875 mg twice daily for 7 days.',
        ['amoxicillin 875 mg BID x7d', 'Amox 875mg b.i.d. for a week.'],
      ],
      [
        'Return if not improved in 48 hours.',
        ['RTC if no improvement 48h', 'Return in 2 days if not better.'],
      ],
    ],
    fever: true,
  },
  {
    complaint: 'rash',
    complaintPhrasings: ['rash x{d}', 'Itchy rash on forearms for {d}.', 'pruritic rash for {d}'],
    assessment: 'contact dermatitis',
    assessmentPhrasings: [
      'Contact dermatitis.',
      'contact dermatitis',
      'Allergic contact dermatitis, likely from new soap.',
    ],
    history: ['Started after gardening.', 'New laundry detergent.'],
    negatives: ['No fever.', 'No mucosal involvement.'],
    plans: [
      [
        'Hydrocortisone 1% cream twice daily and avoid the trigger.',
        ['HC 1% cream BID, avoid trigger', 'Topical hydrocortisone b.i.d.; avoid exposure.'],
      ],
      ['Cetirizine for itching as needed.', ['cetirizine prn itch', 'Zyrtec as needed for pruritus.']],
    ],
  },
  {
    complaint: 'wheezing',
    complaintPhrasings: ['wheezing x{d}', 'Wheezing and chest tightness for {d}.', 'SOB and wheeze for {d}'],
    assessment: 'asthma exacerbation',
    assessmentPhrasings: ['Mild asthma exacerbation.', 'asthma exacerbation', 'Asthma flare, mild.'],
    history: ['Triggered by a cold.', 'Using rescue inhaler 4 times a day.'],
    negatives: ['No fever.', 'Speaking full sentences.'],
    plans: [
      [
        'Prednisone 40 mg daily for 5 days.',
        ['prednisone 40 mg daily x5d', 'Pred burst 40mg QD for 5 days.'],
      ],
      [
        'Continue albuterol as needed and follow up in 1 week.',
        ['albuterol prn, f/u 1 wk', 'Rescue inhaler as needed; recheck in a week.'],
      ],
    ],
  },
  {
    complaint: 'heartburn',
    complaintPhrasings: [
      'heartburn x{d}',
      'Burning chest discomfort after meals for {d}.',
      'reflux symptoms for {d}',
    ],
    assessment: 'gastroesophageal reflux disease',
    assessmentPhrasings: ['GERD.', 'gastroesophageal reflux disease', 'Reflux (GERD), uncomplicated.'],
    history: ['Worse lying down after dinner.', 'Drinks 3 coffees daily.'],
    negatives: ['No dysphagia.', 'Denies melena or weight loss.'],
    plans: [
      [
        'Trial of omeprazole 20 mg daily for 8 weeks.',
        ['omeprazole 20 mg daily x8 wks', 'PPI trial: omeprazole 20mg QD for 8 weeks.'],
      ],
      [
        'Avoid late meals and reduce caffeine.',
        ['avoid late meals, less caffeine', 'Lifestyle: no late meals, cut caffeine.'],
      ],
    ],
  },
  {
    complaint: 'knee pain',
    complaintPhrasings: ['R knee pain x{d}', 'Left knee pain for {d}.', 'knee pain for {d}'],
    assessment: 'osteoarthritis of the knee',
    assessmentPhrasings: ['Knee OA.', 'osteoarthritis of the knee', 'Degenerative joint disease, knee.'],
    history: ['Worse with stairs.', 'Morning stiffness under 30 minutes.'],
    negatives: ['No locking.', 'No recent trauma.'],
    plans: [
      [
        'Acetaminophen as needed and quadriceps strengthening.',
        ['APAP prn, quad strengthening', 'Tylenol as needed; quad exercises.'],
      ],
      ['Knee x-ray and follow up in 6 weeks.', ['knee XR, f/u 6 wks', 'X-ray of knee; return in 6 weeks.']],
    ],
  },
  {
    complaint: 'anxiety',
    complaintPhrasings: ['anxiety x{d}', 'Worsening anxiety for {d}.', 'feeling anxious for {d}'],
    assessment: 'generalized anxiety disorder',
    assessmentPhrasings: ['GAD.', 'generalized anxiety disorder', 'Generalized anxiety disorder, moderate.'],
    history: ['Trouble sleeping.', 'Work stress.'],
    negatives: ['Denies SI/HI.', 'No panic attacks.'],
    plans: [
      ['Referral to counseling.', ['therapy referral', 'Refer to CBT/counseling.']],
      ['Follow up in 4 weeks to reassess.', ['f/u 4 wks', 'Return in 4 weeks.']],
    ],
  },
  {
    complaint: 'ankle injury',
    complaintPhrasings: [
      'R ankle injury x{d}',
      'Twisted left ankle {d} ago.',
      'ankle pain after a fall, {d}',
    ],
    assessment: 'ankle sprain',
    assessmentPhrasings: ['Lateral ankle sprain.', 'ankle sprain', 'Grade I ankle sprain.'],
    history: ['Inverted ankle playing basketball.', 'Able to bear weight.'],
    negatives: ['No bony tenderness at malleoli.', 'Denies numbness.'],
    plans: [
      ['Rest, ice, compression and elevation.', ['RICE', 'Rest/ice/compression/elevation.']],
      [
        'Ibuprofen as needed and follow up in 2 weeks if not improved.',
        ['ibuprofen prn; f/u 2 wks prn', 'Motrin as needed, return in 2 weeks if no better.'],
      ],
    ],
  },
  {
    complaint: 'dizziness',
    complaintPhrasings: ['dizziness x{d}', 'Room-spinning dizziness for {d}.', 'vertigo for {d}'],
    assessment: 'benign paroxysmal positional vertigo',
    assessmentPhrasings: ['BPPV.', 'benign paroxysmal positional vertigo', 'Positional vertigo (BPPV).'],
    history: ['Triggered by rolling over in bed.', 'Dix-Hallpike positive on the right.'],
    negatives: ['No hearing loss.', 'No focal neuro deficits.'],
    plans: [
      [
        'Epley maneuver performed and taught for home use.',
        ['Epley in office + home', 'Epley maneuver done; home exercises.'],
      ],
      ['Return if new neurological symptoms.', ['RTC if neuro sx', 'Return precautions for neuro symptoms.']],
    ],
  },
  {
    complaint: 'abdominal pain',
    complaintPhrasings: [
      'abd pain x{d}',
      'Crampy abdominal pain and diarrhea for {d}.',
      'stomach pain for {d}',
    ],
    assessment: 'viral gastroenteritis',
    assessmentPhrasings: [
      'Viral gastroenteritis.',
      'viral gastroenteritis',
      'Acute gastroenteritis, likely viral.',
    ],
    history: ['Several loose stools daily.', 'Family members with similar illness.'],
    negatives: ['No blood in stool.', 'Tolerating fluids.'],
    plans: [
      ['Oral hydration and bland diet.', ['PO hydration, bland diet', 'Oral rehydration; BRAT diet.']],
      [
        'Return if unable to keep fluids down or blood in stool.',
        ['RTC if not tolerating PO or bloody stool', 'Return for bloody stools or vomiting.'],
      ],
    ],
  },
];

export const durations: [phrase: string, short: string][] = [
  ['2 days', '2d'],
  ['3 days', '3d'],
  ['5 days', '5d'],
  ['1 week', '1wk'],
  ['10 days', '10d'],
  ['2 weeks', '2wks'],
];

export const familyHistory = [
  'FHx: mother with type 2 diabetes on insulin.',
  'Family history of MI in father at 62.',
  'Sister takes levothyroxine for hypothyroidism.',
  'Father on warfarin for atrial fibrillation.',
  'FH: brother with asthma, uses albuterol.',
  'Mother had breast cancer.',
];
