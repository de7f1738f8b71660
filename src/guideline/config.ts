/**
 * Guideline thresholds and windows: defaults from ../shared/guideline/rules.md,
 * each with the seed sentence or the rules.md Decision it comes from. A site may
 * override any value with a JSON file (GUIDELINE_CONFIG_FILE); the result is
 * validated at start-up.
 */
import { z } from 'zod';
import { MEDICATION_CODES, type MedicationClass } from '../fhir/code-lists';
import type { SnapshotSettings } from '../patient/build';
import type { Citation } from './seeds';

const positive = z.number().positive();
const tScore = z.number().min(-10).max(5);
const months = z.number().positive();
const milestones = z.array(positive).min(1);

/** Every drug class of the code lists (coverage must be configured for each). */
const MEDICATION_CLASSES = Object.keys(MEDICATION_CODES) as [MedicationClass, ...MedicationClass[]];

export const guidelineConfigSchema = z
  .object({
    scope: z.object({ minAge: positive }).strict(),
    supplement: z
      .object({
        calciumMgPerDay: positive,
        vitaminDIUPerDay: positive,
        calciumTabletMg: positive,
      })
      .strict(),
    calcium: z
      .object({
        lowBelow: positive,
        highAbove: positive,
        albuminReferenceGPerL: positive,
        albuminFactor: positive,
        pairingWindowDays: z.number().int().positive(),
      })
      .strict(),
    vitaminD: z.object({ lowBelow: positive, targetLow: positive, targetHigh: positive }).strict(),
    thyroid: z.object({ tshLowBelow: positive, ft4HighAbove: positive }).strict(),
    pth: z.object({ highAbove: positive, lowBelow: positive }).strict(),
    kidney: z.object({ egfrBelow: positive, calciumTabletMaxMg: positive }).strict(),
    orders: z
      .object({
        recentLabDays: z.number().int().positive(),
        /** The site's osteoporosis lab package: labs are then ordered as one package order. */
        labPackage: z
          .object({
            system: z.string().min(1),
            code: z.string().min(1),
            display: z.string().min(1),
          })
          .strict()
          .optional(),
      })
      .strict(),
    screening: z.object({ recentDays: z.number().int().positive() }).strict(),
    dxa: z.object({ maxAgeYears: positive }).strict(),
    fracture: z
      .object({ fragilityMinAge: positive, recentMonths: months, fallRiskMonths: months })
      .strict(),
    indication: z
      .object({
        osteoporosisTScore: tScore,
        lowBoneMassTScore: tScore,
        glucocorticoidAgeAbove: positive,
        prednisoloneMgPerDay: positive,
        glucocorticoidMonths: months,
        fraxMajorPercent: positive,
      })
      .strict(),
    treatWithoutDxa: z.object({ minAge: positive }).strict(),
    anabolic: z
      .object({
        severeTScore: tScore,
        severeTScoreHigherRisk: tScore,
        youngWomanAgeBelow: positive,
        vertebralFractureCount: z.number().int().positive(),
        fractureOnTreatmentMonths: months,
      })
      .strict(),
    denosumab: z
      .object({
        bluePrescriptionWomenFromAge: positive,
        overdueMonths: months,
        recentMonths: months,
        lifelongFromAge: positive,
        restartBeyondMonths: months,
      })
      .strict(),
    atypicalFemur: z.object({ exposureYears: positive }).strict(),
    dxaNeeded: z
      .object({ dxaWithinYears: positive, glucocorticoidMonths: months, riskDrugMonths: months })
      .strict(),
    maxDuration: z
      .object({
        oralBisphosphonateYears: positive,
        zoledronicAcidInfusions: z.number().int().positive(),
        teriparatideMonths: months,
      })
      .strict(),
    followUp: z
      .object({
        startLabsMonths: months,
        startLabsWindowMonths: months,
        milestoneWindowMonths: months,
        labsOralOrDenosumabYears: milestones,
        labsZoledronicYears: milestones,
        labsZoledronicRepeatYears: positive,
        labsTeriparatideMonths: milestones,
        dxaOralOrDenosumabYears: milestones,
        dxaZoledronicYears: milestones,
        dxaRepeatYears: positive,
        dxaTeriparatideMonths: milestones,
        dxaPauseYears: positive,
      })
      .strict(),
    response: z
      .object({
        minYearsOnTreatment: positive,
        minImprovement: z.number().min(0),
        baselineWindowMonths: months,
      })
      .strict(),
    pause: z
      .object({
        oralBisphosphonateYears: positive,
        zoledronicAcidInfusions: z.number().int().positive(),
        tScoreAbove: tScore,
      })
      .strict(),
    zoledronicAcid: z
      .object({
        p1npLowBelow: positive,
        severeTScore: tScore,
        severalFractures: z.number().int().positive(),
        p1npWindowMonths: months,
        defaultIntervalYears: positive,
        noticeMonths: months,
      })
      .strict(),
    teriparatide: z.object({ transitionMonths: months }).strict(),
    pathway: z
      .object({ dxaRecentDays: z.number().int().positive(), visitWithinMonths: months })
      .strict(),
    medication: z
      .object({
        coverageDays: z.record(z.enum(MEDICATION_CLASSES), z.number().int().positive()),
        courseGapDays: z.number().int().positive(),
      })
      .strict(),
  })
  .strict()
  .refine(
    (c) => c.calcium.lowBelow < c.calcium.highAbove,
    'calcium.lowBelow must be below calcium.highAbove',
  )
  .refine((c) => c.pth.lowBelow < c.pth.highAbove, 'pth.lowBelow must be below pth.highAbove')
  .refine(
    (c) => c.vitaminD.targetLow <= c.vitaminD.targetHigh,
    'vitaminD.targetLow must not exceed targetHigh',
  )
  .refine(
    (c) => c.indication.osteoporosisTScore < c.indication.lowBoneMassTScore,
    'indication.osteoporosisTScore must be below indication.lowBoneMassTScore',
  );

export type GuidelineConfig = z.infer<typeof guidelineConfigSchema>;

export const DEFAULT_GUIDELINE_CONFIG: GuidelineConfig = {
  scope: { minAge: 50 },
  supplement: { calciumMgPerDay: 1200, vitaminDIUPerDay: 800, calciumTabletMg: 500 },
  calcium: {
    lowBelow: 2.15,
    highAbove: 2.51,
    albuminReferenceGPerL: 41.3,
    albuminFactor: 0.02,
    pairingWindowDays: 7,
  },
  vitaminD: { lowBelow: 50, targetLow: 75, targetHigh: 100 },
  thyroid: { tshLowBelow: 0.4, ft4HighAbove: 22 },
  pth: { highAbove: 7.0, lowBelow: 1.5 },
  kidney: { egfrBelow: 35, calciumTabletMaxMg: 500 },
  orders: { recentLabDays: 92 },
  screening: { recentDays: 92 },
  dxa: { maxAgeYears: 5 },
  fracture: { fragilityMinAge: 50, recentMonths: 24, fallRiskMonths: 12 },
  indication: {
    osteoporosisTScore: -2.5,
    lowBoneMassTScore: -1.0,
    glucocorticoidAgeAbove: 50,
    prednisoloneMgPerDay: 5,
    glucocorticoidMonths: 3,
    fraxMajorPercent: 20,
  },
  treatWithoutDxa: { minAge: 70 },
  anabolic: {
    severeTScore: -4.0,
    severeTScoreHigherRisk: -3.5,
    youngWomanAgeBelow: 60,
    vertebralFractureCount: 3,
    fractureOnTreatmentMonths: 12,
  },
  denosumab: {
    bluePrescriptionWomenFromAge: 75,
    overdueMonths: 7,
    recentMonths: 24,
    lifelongFromAge: 70,
    restartBeyondMonths: 12,
  },
  atypicalFemur: { exposureYears: 3 },
  dxaNeeded: { dxaWithinYears: 2, glucocorticoidMonths: 3, riskDrugMonths: 3 },
  maxDuration: { oralBisphosphonateYears: 10, zoledronicAcidInfusions: 6, teriparatideMonths: 24 },
  followUp: {
    startLabsMonths: 3,
    startLabsWindowMonths: 1,
    milestoneWindowMonths: 3,
    labsOralOrDenosumabYears: [2, 5],
    labsZoledronicYears: [1, 2, 4],
    labsZoledronicRepeatYears: 2,
    labsTeriparatideMonths: [6, 12, 24],
    dxaOralOrDenosumabYears: [2, 5],
    dxaZoledronicYears: [2, 4],
    dxaRepeatYears: 2,
    dxaTeriparatideMonths: [12, 24],
    dxaPauseYears: 2,
  },
  response: { minYearsOnTreatment: 2, minImprovement: 0.1, baselineWindowMonths: 6 },
  pause: { oralBisphosphonateYears: 3, zoledronicAcidInfusions: 3, tScoreAbove: -2.5 },
  zoledronicAcid: {
    p1npLowBelow: 35,
    severeTScore: -3.0,
    severalFractures: 2,
    p1npWindowMonths: 3,
    defaultIntervalYears: 2,
    noticeMonths: 3,
  },
  teriparatide: { transitionMonths: 21 },
  pathway: { dxaRecentDays: 92, visitWithinMonths: 2 },
  medication: {
    coverageDays: {
      alendronate: 92,
      ibandronate: 92,
      risedronate: 92,
      zoledronicAcid: 1096,
      denosumab: 183,
      romosozumab: 31,
      teriparatide: 31,
      abaloparatide: 31,
      calcium: 92,
      vitaminD: 92,
      glucocorticoidSystemic: 31,
      denosumabOncology: 31,
      aromataseInhibitor: 92,
      androgenDeprivation: 92,
    },
    courseGapDays: 92,
  },
};

const CORRECTED_CA: Citation = {
  decision:
    'rules.md Definitions, "Corrected calcium": Ca + 0.02 × (41.3 − albumin g/L) from a Ca and albumin drawn within 7 days; low < 2.15, high > 2.51 mmol/L unless the Observation\'s referenceRange / interpretation says otherwise.',
};
const THYROID_PTH: Citation = {
  decision:
    'rules.md Definitions, "Thyroid and PTH": TSH low < 0.4 mIU/L, FT4 high > 22 pmol/L, PTH high > 7.0 pmol/L, PTH low < 1.5 pmol/L when the Observation has no referenceRange / interpretation.',
};
const CURRENT_DRUG: Citation = {
  decision:
    'rules.md Definitions, "Current drug": an active order / statement, or a dose recent enough for the dosing interval (denosumab 6 months, zoledronic acid up to 3 years, oral bisphosphonate 3 months, teriparatide 1 month); calcium / vitamin D and glucocorticoids 3 and 1 month(s), course gaps up to 3 months (this implementation).',
};
const ANABOLIC_T: Citation = {
  seed: '000',
  quote:
    'alvorlige tilfeller med T-score < -4,0 (< -3,5 for kvinner < 60 år og menn uansett alder)',
};
const FOLLOW_UP_ORAL: Citation = {
  seed: '000',
  quote:
    'Pasienten følges med ny DXA-måling og blodprøver (s-Ca, Albumin, kreatinin (GFR), 25- OH vit D) 2 og 5 år etter start av antiresorptiv behandling.',
};
const FOLLOW_UP_ZOL: Citation = {
  seed: '000',
  quote:
    'inkludert beinmarkøren P1NP, etter 1 og 2 år, deretter med 2-3 års intervall. Første DXA- måling gjennomføres etter 2 år.',
};
const FOLLOW_UP_WINDOW: Citation = {
  decision:
    'Not in rules.md: a monitoring milestone is due from 3 months before it (± 1 month for the 3-month check); a result drawn since then meets it; after the listed milestones, repeats every 2 years (the short end of "2-3 år").',
};

/** Where each configuration value comes from (dotted path → citation). A test checks every leaf has one. */
export const CONFIG_SOURCES: Record<string, Citation> = {
  'scope.minAge': { seed: '000', quote: 'hos menn og kvinner > 50 år med lavenergibrudd' },
  'supplement.calciumMgPerDay': {
    seed: '000',
    quote: 'Anbefalt inntak (kost/tbl) 1200 mg kalsium og 800 IE vitamin D.',
  },
  'supplement.calciumTabletMg': {
    decision:
      'Not in rules.md: the suggested tablet gives 500 mg calcium a day — 000 recommends 1200 mg from diet and tablets together ("De fleste vil trenge noe tilskudd"), and 500 mg is also the tablet limit with eGFR < 35, so one product fits every patient.',
    seed: '000',
    quote: 'Anbefalt inntak (kost/tbl) 1200 mg kalsium og 800 IE vitamin D.',
  },
  'supplement.vitaminDIUPerDay': {
    seed: '000',
    quote: 'Anbefalt inntak (kost/tbl) 1200 mg kalsium og 800 IE vitamin D.',
  },
  'calcium.lowBelow': CORRECTED_CA,
  'calcium.highAbove': CORRECTED_CA,
  'calcium.albuminReferenceGPerL': CORRECTED_CA,
  'calcium.albuminFactor': CORRECTED_CA,
  'calcium.pairingWindowDays': CORRECTED_CA,
  'vitaminD.lowBelow': {
    seed: '000',
    quote: '25 OH vit D >50 tilstrebes før oppstart antiresorptiv behandling.',
  },
  'vitaminD.targetLow': { seed: '000', quote: 'Optimalt vitamin D nivå er 75-100 nmol/L.' },
  'vitaminD.targetHigh': { seed: '000', quote: 'Optimalt vitamin D nivå er 75-100 nmol/L.' },
  'thyroid.tshLowBelow': THYROID_PTH,
  'thyroid.ft4HighAbove': THYROID_PTH,
  'pth.highAbove': THYROID_PTH,
  'pth.lowBelow': THYROID_PTH,
  'kidney.egfrBelow': { seed: '000', quote: 'Obs. Aclasta kontraindisert ved eGFR < 35 ml/min' },
  'kidney.calciumTabletMaxMg': {
    seed: '000',
    quote: 'Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett',
  },
  'orders.recentLabDays': {
    decision:
      'rules.md R11: "no eGFR / creatinine in the last 3 months: then warning, kidney function unknown" (3 months = 92 days).',
  },
  'screening.recentDays': {
    decision:
      'rules.md Definitions, "Lab recent": drawn within 3 months for pre-treatment screening.',
  },
  'dxa.maxAgeYears': {
    decision:
      'rules.md Definitions, "Lowest T-score": a T-score older than 5 years counts for indication but makes dxa-due fire.',
  },
  'fracture.fragilityMinAge': {
    decision:
      'rules.md Definitions, "Fragility fracture": a fracture at a typical fragility site in a patient aged ≥ 50 at onset.',
  },
  'fracture.recentMonths': {
    decision: 'rules.md Definitions, "Recent fracture": onset within 24 months.',
  },
  'fracture.fallRiskMonths': {
    decision:
      'rules.md R23: fragility fracture in the last 12 months and no fall-risk assessment since.',
    seed: '002',
    quote:
      'Foretar fallrisikovurdering (i tråd med lokale retningslinjer) for alle pasienter med lavenergibrudd etter et fall',
  },
  'indication.osteoporosisTScore': {
    seed: '000',
    quote: 'T-score ≤ -2,5 i hofte eller rygg med eller uten brudd',
  },
  'indication.lowBoneMassTScore': { seed: '000', quote: 'Skal gis til alle med T-score < -1,0' },
  'indication.glucocorticoidAgeAbove': {
    seed: '000',
    quote:
      'T-score < -1,0 og pasienten (>50 år) bruker kortikosteroider i dose tilsvarende ≥ 5 mg prednisolon i > 3 måneder',
  },
  'indication.prednisoloneMgPerDay': {
    seed: '000',
    quote:
      'T-score < -1,0 og pasienten (>50 år) bruker kortikosteroider i dose tilsvarende ≥ 5 mg prednisolon i > 3 måneder',
  },
  'indication.glucocorticoidMonths': {
    seed: '000',
    quote:
      'T-score < -1,0 og pasienten (>50 år) bruker kortikosteroider i dose tilsvarende ≥ 5 mg prednisolon i > 3 måneder',
  },
  'indication.fraxMajorPercent': { seed: '000', quote: 'FRAX skår ≥20% 10 års risiko for brudd.' },
  'treatWithoutDxa.minAge': {
    decision: 'rules.md R4: aged ≥ 70 is the Decision for "høy alder" (seed 001).',
  },
  'anabolic.severeTScore': ANABOLIC_T,
  'anabolic.severeTScoreHigherRisk': ANABOLIC_T,
  'anabolic.youngWomanAgeBelow': ANABOLIC_T,
  'anabolic.vertebralFractureCount': {
    seed: '000',
    quote: 'mange brudd (for eksempel tre eller flere ryggbrudd på diagnosetidspunkt)',
  },
  'anabolic.fractureOnTreatmentMonths': {
    seed: '000',
    quote: 'nytt brudd under pågående antiresorptiv behandling (> 12 mnd)',
  },
  'denosumab.bluePrescriptionWomenFromAge': {
    seed: '000',
    quote: 'Kvinner ≥75 år vil kunne få Prolia på blå resept.',
  },
  'denosumab.overdueMonths': {
    decision:
      'rules.md R21: more than 7 months since the last dose (6-monthly dosing; the grace month is a Decision).',
  },
  'denosumab.recentMonths': {
    decision:
      'Not in rules.md: "current or recent denosumab" = a dose within the last 24 months (this implementation).',
  },
  'denosumab.lifelongFromAge': {
    seed: '000',
    quote: 'Livslang bruk anbefales ved alder > 70 år ved oppstart.',
  },
  'maxDuration.oralBisphosphonateYears': {
    seed: '000',
    quote: 'Maks behandlingstid for po. bisfosfonat er 10 år.',
  },
  'maxDuration.zoledronicAcidInfusions': { seed: '000', quote: 'Maks 6. infusjoner totalt.' },
  'maxDuration.teriparatideMonths': { seed: '000', quote: 'Max 2 års behandling.' },
  'followUp.startLabsMonths': {
    seed: '000',
    quote:
      'Pasienten bør ta nye blodprøver 3 mnd etter oppstart av behandling for kontroll av kalsium og vitamin D status',
  },
  'followUp.startLabsWindowMonths': { decision: 'rules.md R16: 3 months (± 1) after start.' },
  'followUp.milestoneWindowMonths': FOLLOW_UP_WINDOW,
  'followUp.labsOralOrDenosumabYears': FOLLOW_UP_ORAL,
  'followUp.labsZoledronicYears': FOLLOW_UP_ZOL,
  'followUp.labsZoledronicRepeatYears': FOLLOW_UP_WINDOW,
  'followUp.labsTeriparatideMonths': {
    seed: '000',
    quote:
      'Det anbefales kontroll av PINP, albumin-korrigert/fritt kalsium og vitamin D etter 6, 12 og 24 måneder.',
  },
  'followUp.dxaOralOrDenosumabYears': FOLLOW_UP_ORAL,
  'followUp.dxaZoledronicYears': FOLLOW_UP_ZOL,
  'followUp.dxaRepeatYears': FOLLOW_UP_WINDOW,
  'followUp.dxaTeriparatideMonths': { seed: '000', quote: 'DXA anbefales etter 12 og 24 måneder.' },
  'followUp.dxaPauseYears': {
    seed: '000',
    quote:
      'Ved behandlingspause bør indikasjon for reoppstart vurderes med ny DXA-måling etter 2 år.',
  },
  'response.minYearsOnTreatment': FOLLOW_UP_ORAL,
  'response.minImprovement': {
    decision: 'rules.md R18: unchanged or worse = change < +0.1 at the same site.',
  },
  'response.baselineWindowMonths': {
    decision:
      'Not in rules.md: the baseline DXA is the last one before the course start or up to 6 months after it.',
  },
  'pause.oralBisphosphonateYears': {
    decision: 'rules.md R19: oral bisphosphonate for ≥ 3 years (Decision).',
  },
  'pause.zoledronicAcidInfusions': {
    seed: '000',
    quote: 'Vurder behandlingspause etter 3 infusjoner.',
  },
  'pause.tScoreAbove': {
    seed: '000',
    quote:
      'T-score >-2.5 og det ikke er oppstått nye frakturer under behandlingen, vurder behandlingspause med bisfosfonat.',
  },
  'zoledronicAcid.p1npLowBelow': {
    seed: '000',
    quote:
      'Ved mindre alvorlig osteoporose og P1NP < 35 µg/L 1 år etter første dose, kan andre dose utsettes til etter 2 år.',
  },
  'zoledronicAcid.severeTScore': {
    seed: '000',
    quote:
      '1 års intervall mellom de to første dosene bør spesielt vurderes ved T-score < - 3,0 og/ellerflere brudd.',
  },
  'zoledronicAcid.severalFractures': {
    decision:
      'Not in rules.md: "flere brudd" (several fractures) read as 2 or more fragility fractures.',
  },
  'zoledronicAcid.p1npWindowMonths': {
    decision:
      'Not in rules.md: a P1NP counts as "1 år etter første dose" when drawn 9–15 months after it.',
  },
  'zoledronicAcid.defaultIntervalYears': {
    seed: '000',
    quote: 'Anbefales gitt med 1-3 års intervall.',
  },
  'zoledronicAcid.noticeMonths': {
    decision: 'Not in rules.md: the next-dose card shows from 3 months before the dose is due.',
  },
  'teriparatide.transitionMonths': {
    decision: "rules.md R22: ≥ 21 months of teriparatide (3 months' notice before 24 months).",
  },
  'pathway.dxaRecentDays': {
    decision: 'rules.md R24 / R25: after a DXA in the last 3 months (Decision).',
  },
  'pathway.visitWithinMonths': {
    seed: '004',
    quote:
      'Om patienten ska kallas sätts patienten upp på väntelista VL till läkare inom 2 månader',
  },
  'denosumab.restartBeyondMonths': {
    decision:
      'rules.md "Coherence between cards": beyond 12 months after the last denosumab dose the rebound window has passed — check for vertebral fractures and a DXA, then restart or switch.',
  },
  'atypicalFemur.exposureYears': {
    decision:
      'rules.md R26: a subtrochanteric / femoral shaft fracture after ≥ 3 years of bisphosphonate or denosumab exposure (Decision).',
    seed: '002',
    quote: 'Gjenkjenner tegn på en atypisk femurfraktur',
  },
  'dxaNeeded.dxaWithinYears': {
    decision: 'rules.md R31: no DXA on record within 2 years (Decision).',
  },
  'dxaNeeded.glucocorticoidMonths': {
    seed: '000',
    quote: '≥ 5 mg prednisolon i > 3 måneder',
  },
  'dxaNeeded.riskDrugMonths': {
    decision:
      'rules.md R31: an aromatase inhibitor or androgen deprivation for ≥ 3 months (codes.md "Turn 2 additions").',
  },
  'medication.coverageDays': CURRENT_DRUG,
  'medication.courseGapDays': CURRENT_DRUG,
};

/** The settings the snapshot builder takes from the guideline configuration. */
export function snapshotSettings(config: GuidelineConfig): SnapshotSettings {
  return {
    coverageDays: config.medication.coverageDays,
    courseGapDays: config.medication.courseGapDays,
    fragilityMinAge: config.fracture.fragilityMinAge,
    atypicalFemurExposureYears: config.atypicalFemur.exposureYears,
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Defaults overlaid with a site's overrides, validated (throws a ZodError naming the bad value). */
export function resolveGuidelineConfig(overrides: unknown = {}): GuidelineConfig {
  const merged = deepMerge(
    DEFAULT_GUIDELINE_CONFIG,
    (overrides ?? {}) as DeepPartial<GuidelineConfig>,
  );
  return guidelineConfigSchema.parse(merged);
}

function deepMerge<T>(base: T, patch: unknown): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return (patch ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = typeof current === 'object' && current !== null ? deepMerge(current, value) : value;
  }
  return out as T;
}
