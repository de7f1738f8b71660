/**
 * Before treatment (rules.md R1–R5; seed 000 "Behandlingsvalg 1–3", seed 001 a).
 * Indication rules apply to patients in scope (aged ≥ 50); none of them fires for
 * a patient already on an osteoporosis drug, except R2's supplement reminder.
 */
import {
  ORAL_BISPHOSPHONATES,
  OSTEOPOROSIS_DRUGS,
  type Analyte,
  type MedicationClass,
} from '../../fhir/code-lists';
import type { OrderableLabKey } from '../../fhir/orderables';
import { DAY_MS, toTime } from '../../patient/dates';
import type { Fracture, PatientSnapshot } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import {
  antiresorptiveCourseAt,
  clinicalOsteoporosisFractures,
  currentDrug,
  currentOsteoporosisDrug,
  diagnosisEvidence,
  drugEvidence,
  fractureEvidence,
  inScope,
  intoleranceEvidence,
  intolerancesOf,
  isOlderThanYears,
  jawOsteonecrosis,
  lowestTScore,
  onTreatment,
  ongoingGlucocorticoid,
  takesCalciumOrVitaminD,
  tScoreEvidence,
  vertebralFractureCount,
} from '../facts';
import type { Evidence, Finding, SuggestionSpec } from '../finding';
import { dueWindow, startTreatmentSuggestions, supplementSpecs } from '../suggestions';
import { correctedCalcium, judge, labEvidence, lowEgfr } from '../labs';
import { hypercalcaemia, hypocalcaemia, vitaminDLow } from './blood-results';

/** The "Osteoporose-primærscreening" package (000): s-Ca, albumin, creatinine (GFR), 25-OH D, TSH, FT4. */
export const SCREENING_ANALYTES = {
  calciumTotal: ['calciumTotal', 'calciumCorrected'],
  albumin: ['albumin'],
  creatinine: ['creatinine', 'egfr'],
  vitaminD: ['vitaminD'],
  tsh: ['tsh'],
  ft4: ['ft4'],
} as const satisfies Partial<Record<OrderableLabKey, readonly Analyte[]>>;

const SCREENING = (Object.keys(SCREENING_ANALYTES) as (keyof typeof SCREENING_ANALYTES)[]).map(
  (lab) => ({
    lab,
    present: (snapshot: PatientSnapshot, since: number) =>
      SCREENING_ANALYTES[lab].some(
        (analyte) => (snapshot.labs[analyte][0]?.time ?? -Infinity) >= since,
      ),
  }),
);

/** The screening-package labs not drawn since `since` (R1; R25's lab package never orders a recent one). */
export function missingScreeningLabs(
  snapshot: PatientSnapshot,
  since: number,
): (keyof typeof SCREENING_ANALYTES)[] {
  return SCREENING.filter((item) => !item.present(snapshot, since)).map((item) => item.lab);
}

/**
 * R1 · screening-labs-missing: in scope, not on an osteoporosis drug, treatment is
 * or may become indicated, and part of the screening package is missing (3 months).
 */
export function screeningLabsMissing(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  options: { orderingOsteoporosisDrug?: boolean } = {},
): Finding | undefined {
  if (!inScope(snapshot, config) || onTreatment(snapshot, config, now)) return undefined;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const fracture = snapshot.fractures[0];
  if (fracture) {
    reasons.push('fracture');
    evidence.push(fractureEvidence(fracture));
  }
  const lowest = lowestTScore(snapshot);
  if (lowest && lowest.value < config.indication.lowBoneMassTScore) {
    reasons.push('t-score');
    evidence.push(tScoreEvidence(lowest));
  }
  const glucocorticoid = ongoingGlucocorticoid(snapshot, now);
  if (glucocorticoid) {
    reasons.push('glucocorticoid');
    evidence.push(drugEvidence(glucocorticoid.history));
  }
  if (options.orderingOsteoporosisDrug) reasons.push('order');
  if (reasons.length === 0) return undefined;

  const since = now.getTime() - config.screening.recentDays * DAY_MS;
  const missing = missingScreeningLabs(snapshot, since);
  if (missing.length === 0) return undefined;
  // A result that was sent but could not be read is shown, so "missing" is not mistaken for "not drawn".
  const unreadable = snapshot.unusable.filter(
    (result) =>
      missing.some((lab) =>
        (SCREENING_ANALYTES[lab] as readonly string[]).includes(result.measure),
      ) && (toTime(result.date) ?? -Infinity) >= since,
  );
  for (const result of unreadable) {
    evidence.push({
      item: result.measure as Evidence['item'],
      ...(result.value !== undefined ? { value: result.value } : {}),
      ...(result.unitSent ? { unit: result.unitSent } : {}),
      ...(result.date ? { date: result.date } : {}),
      source: result.source,
      notes: ['unusable'],
    });
  }
  return {
    rule: 'R1',
    code: 'screening-labs-missing',
    indicator: 'info',
    reasons: [...reasons, 'missing', ...(unreadable.length > 0 ? ['unusable-results'] : [])],
    params: { recentDays: config.screening.recentDays },
    terms: { missing: { dictionary: 'labs', keys: missing } },
    evidence,
    suggestions: [{ kind: 'order-labs', labs: missing }],
  };
}

/** R2 · calcium-vitamin-d (Behandlingsvalg 1). Hypercalcaemia / PHPT blocks it: R7 speaks instead. */
export function calciumVitaminD(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  if (!inScope(snapshot, config) || takesCalciumOrVitaminD(snapshot)) return undefined;
  if (hypercalcaemia(snapshot, config)) return undefined;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const lowest = lowestTScore(snapshot);
  if (lowest && lowest.value < config.indication.lowBoneMassTScore) {
    reasons.push('a-t-score');
    evidence.push(tScoreEvidence(lowest));
  }
  const vitaminD = vitaminDLow(snapshot, config);
  const lowCalcium = hypocalcaemia(snapshot, config);
  if (vitaminD || lowCalcium) {
    reasons.push('b-vitamin-d-or-calcium');
    evidence.push(...(vitaminD?.evidence ?? []), ...(lowCalcium?.evidence ?? []));
  }
  const glucocorticoid = ongoingGlucocorticoid(snapshot, now);
  if (glucocorticoid) {
    reasons.push('c-glucocorticoid');
    evidence.push(drugEvidence(glucocorticoid.history));
  }
  const antiresorptive = currentOsteoporosisDrug(snapshot);
  if (antiresorptive && antiresorptive.drug !== 'teriparatide') {
    reasons.push('with-antiresorptive');
    evidence.push(drugEvidence(antiresorptive));
  }
  if (reasons.length === 0) return undefined;
  const egfr = lowEgfr(snapshot, config);
  const params: Finding['params'] = {
    calciumMgPerDay: config.supplement.calciumMgPerDay,
    vitaminDIUPerDay: config.supplement.vitaminDIUPerDay,
    targetLow: config.vitaminD.targetLow,
    targetHigh: config.vitaminD.targetHigh,
  };
  if (egfr) {
    reasons.push('egfr-low');
    params.egfr = egfr.value;
    params.calciumTabletMaxMg = config.kidney.calciumTabletMaxMg;
    evidence.push(labEvidence('egfr', egfr));
  }
  const medications = supplementSpecs(snapshot, config);
  const suggestions: SuggestionSpec[] =
    medications.length > 0
      ? [
          {
            kind: 'start-medication',
            medications,
            // R2 / R8: re-measure 25-OH D 2–3 months after starting substitution.
            ...(vitaminD
              ? { monitoring: { labs: ['vitaminD'], due: dueWindow(now.getTime(), 2, 3) } }
              : {}),
            recommended: true,
          },
        ]
      : [];
  return {
    rule: 'R2',
    code: 'calcium-vitamin-d',
    indicator: 'info',
    reasons,
    params,
    evidence,
    ...(suggestions.length > 0 ? { suggestions } : {}),
  };
}

/** The criteria of Behandlingsvalg 2 (R3 a–d) that the patient meets. */
export function antiresorptiveCriteria(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  options: { clinicalOsteoporosisOnly?: boolean } = {},
): { reasons: string[]; evidence: Evidence[]; params: Finding['params'] } {
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = {};
  const lowest = lowestTScore(snapshot);
  if (lowest && lowest.value <= config.indication.osteoporosisTScore) {
    reasons.push('a-t-score');
    evidence.push(tScoreEvidence(lowest));
    params.tScore = lowest.value;
  }
  const glucocorticoid = ongoingGlucocorticoid(snapshot, now);
  const age = snapshot.ageYears ?? 0;
  if (
    glucocorticoid &&
    lowest &&
    lowest.value < config.indication.lowBoneMassTScore &&
    age > config.indication.glucocorticoidAgeAbove
  ) {
    if (glucocorticoid.mgPerDay === undefined) {
      reasons.push('b-glucocorticoid-dose-unknown');
      evidence.push(drugEvidence(glucocorticoid.history));
    } else if (
      glucocorticoid.mgPerDay >= config.indication.prednisoloneMgPerDay &&
      glucocorticoid.months > config.indication.glucocorticoidMonths
    ) {
      reasons.push('b-glucocorticoid');
      evidence.push(tScoreEvidence(lowest), {
        item: 'glucocorticoid',
        value: glucocorticoid.mgPerDay,
        unit: 'mg/d',
        ...(glucocorticoid.history.courseStart
          ? { date: glucocorticoid.history.courseStart.date }
          : {}),
        source: glucocorticoid.history.sources[glucocorticoid.history.sources.length - 1] ?? '',
      });
      params.prednisoloneMgPerDay = glucocorticoid.mgPerDay;
    }
  }
  const fractures: Fracture[] = options.clinicalOsteoporosisOnly
    ? clinicalOsteoporosisFractures(snapshot)
    : snapshot.fractures;
  if (fractures.length > 0) {
    reasons.push('c-fracture');
    evidence.push(...fractures.slice(0, 3).map(fractureEvidence));
    if (fractures.some((fracture) => fracture.mechanism === 'assumed'))
      reasons.push('mechanism-assumed');
  }
  const frax = snapshot.fraxMajor;
  if (frax && frax.value >= config.indication.fraxMajorPercent) {
    reasons.push('d-frax');
    evidence.push({
      item: 'frax',
      value: frax.value,
      unit: '%',
      date: frax.date,
      source: frax.source,
    });
    params.frax = frax.value;
  }
  return { reasons, evidence, params };
}

/** The drugs R3 offers, one per class (rules.md "Coherence": reduced to what the data allows). */
const OPTIONS: readonly MedicationClass[] = ['alendronate', 'denosumab', 'zoledronicAcid'];

interface TreatmentOptions {
  options: MedicationClass[];
  reasons: string[];
  evidence: Evidence[];
  params: Finding['params'];
  intolerant: MedicationClass[];
}

/**
 * The antiresorptives the patient's data leaves open: zoledronic acid and oral
 * bisphosphonates are ruled out with eGFR < 35 (R11, R28), a drug with a
 * documented intolerance is left out (R29) — an oral bisphosphonate is replaced
 * by another one the patient tolerates.
 */
export function treatmentOptions(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): TreatmentOptions {
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = { egfrBelow: config.kidney.egfrBelow };
  const intolerant: MedicationClass[] = [];
  const tolerated = (drug: MedicationClass) => {
    const records = intolerancesOf(snapshot, drug);
    if (records.length === 0) return true;
    if (!intolerant.includes(drug)) intolerant.push(drug);
    evidence.push(...records.map(intoleranceEvidence));
    return false;
  };
  const egfr = lowEgfr(snapshot, config);
  if (egfr) {
    reasons.push('zoledronic-acid-ruled-out', 'oral-bisphosphonate-ruled-out');
    params.egfr = egfr.value;
    evidence.push(labEvidence('egfr', egfr));
  }
  const options: MedicationClass[] = [];
  for (const drug of OPTIONS) {
    // Intolerances are named even for a drug the kidneys already rule out.
    const candidate =
      drug === 'alendronate'
        ? ORAL_BISPHOSPHONATES.filter((oral) => tolerated(oral))[0]
        : tolerated(drug)
          ? drug
          : undefined;
    if (!candidate) continue;
    if (egfr && (drug === 'zoledronicAcid' || drug === 'alendronate')) continue;
    options.push(candidate);
  }
  if (intolerant.length > 0) reasons.push('intolerance-ruled-out');
  return { options, reasons, evidence, params, intolerant };
}

/**
 * What must happen before an antiresorptive starts, as other cards of the same
 * response say it (rules.md "Coherence": R1 missing labs, R6, R7, R8, and R27).
 */
export function preStartBlockers(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): { blockers: string[]; reasons: string[]; evidence: Evidence[] } {
  const blockers: string[] = [];
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  if (screeningLabsMissing(snapshot, config, now)) blockers.push('screening-labs');
  const calcium = correctedCalcium(snapshot, config);
  if (calcium?.judgement.level === 'low') {
    blockers.push('hypocalcaemia');
    reasons.push('check-hypocalcaemia');
  }
  const high = hypercalcaemia(snapshot, config);
  if (high) {
    blockers.push('hypercalcaemia');
    reasons.push('check-hypercalcaemia');
  } else if (vitaminDLow(snapshot, config)) {
    // With hypercalcaemia, vitamin D is part of R7's work-up, never a supplement to give (R7 blocks R8).
    blockers.push('vitamin-d');
    reasons.push('check-vitamin-d');
  }
  const jaw = jawOsteonecrosis(snapshot);
  if (jaw.length > 0) {
    blockers.push('jaw-osteonecrosis');
    reasons.push('jaw-osteonecrosis');
    evidence.push(...jaw.map(diagnosisEvidence));
  }
  // A history record the service could not read might be an osteoporosis drug: check first.
  if (snapshot.unreadableMedications.length > 0) {
    blockers.push('medication-history');
    reasons.push('check-medication-history');
    evidence.push(
      ...snapshot.unreadableMedications.map((record): Evidence => ({
        item: 'medicationRecord',
        ...(record.display !== undefined ? { value: record.display } : {}),
        source: record.reference,
        notes: ['unusable'],
      })),
    );
  }
  return { blockers, reasons, evidence };
}

/** The summary ending naming the blockers and, when only one drug is left, that drug. */
function summarySuffix(blockers: readonly string[], options: readonly MedicationClass[]) {
  if (options.length === 0) return 'suffix-no-option';
  if (options.length === 1)
    return blockers.length > 0 ? 'suffix-one-option-blocked' : 'suffix-one-option';
  return blockers.length > 0 ? 'suffix-blocked' : undefined;
}

/**
 * R3 · antiresorptive-indicated (Behandlingsvalg 2): the criteria a–d met, the
 * drugs the data rules out and those left, the pre-start checks still open (named
 * in the summary too).
 */
export function antiresorptiveIndicated(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  options: { clinicalOsteoporosisOnly?: boolean; norwegianReimbursement?: boolean } = {},
): Finding | undefined {
  if (!inScope(snapshot, config) || onTreatment(snapshot, config, now)) return undefined;
  const criteria = antiresorptiveCriteria(snapshot, config, now, options);
  const met = criteria.reasons.filter(
    (reason) => /^[a-d]-/.test(reason) && reason !== 'b-glucocorticoid-dose-unknown',
  );
  if (met.length === 0) return undefined;
  const drugs = treatmentOptions(snapshot, config);
  const blockers = preStartBlockers(snapshot, config, now);
  const reasons = [
    ...criteria.reasons,
    ...drugs.reasons,
    drugs.options.length > 0 ? 'options' : 'no-option',
    ...blockers.reasons,
  ];
  const evidence = [...criteria.evidence, ...drugs.evidence, ...blockers.evidence];
  const params: Finding['params'] = { ...criteria.params, ...drugs.params };
  // 000's reimbursement rule is Norwegian law: Danish and Swedish cards do not carry it.
  if (drugs.options.includes('denosumab') && (options.norwegianReimbursement ?? true)) {
    reasons.push(
      snapshot.sex === 'female' &&
        (snapshot.ageYears ?? 0) >= config.denosumab.bluePrescriptionWomenFromAge
        ? 'denosumab-blue-prescription'
        : 'denosumab-helfo',
    );
    params.bluePrescriptionFromAge = config.denosumab.bluePrescriptionWomenFromAge;
  }
  reasons.push('dental');
  const suffix = summarySuffix(blockers.blockers, drugs.options);
  const suggestions = startSuggestions(snapshot, config, now, drugs.options, blockers.blockers);
  return {
    rule: 'R3',
    code: 'antiresorptive-indicated',
    indicator: 'warning',
    reasons,
    params,
    terms: {
      options: { dictionary: 'drugs', keys: drugs.options },
      intolerant: { dictionary: 'drugs', keys: drugs.intolerant },
      blockers: { dictionary: 'blockers', keys: blockers.blockers },
    },
    evidence,
    ...(suffix ? { summarySuffix: suffix } : {}),
    ...(suggestions.length > 0 ? { suggestions, alternatives: true } : {}),
  };
}

/**
 * The start of treatment R3 offers: one suggestion per drug the data leaves open,
 * none while a pre-start check is open (the card that owns it comes first). The
 * supplement comes with the drug unless R2's card of the same response orders it.
 */
function startSuggestions(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  options: readonly MedicationClass[],
  blockers: readonly string[],
): SuggestionSpec[] {
  if (blockers.length > 0) return [];
  const withSupplement =
    !takesCalciumOrVitaminD(snapshot) && calciumVitaminD(snapshot, config, now) === undefined;
  return startTreatmentSuggestions(options, snapshot, config, now, { withSupplement });
}

/** R4 · treat-without-dxa: elderly, hip / vertebral fragility fracture, no DXA, not treated (001 a). */
export function treatWithoutDxa(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  if (!treatWithoutDxaApplies(snapshot, config, now)) return undefined;
  const fractures = clinicalOsteoporosisFractures(snapshot);
  const blockers = preStartBlockers(snapshot, config, now);
  return {
    rule: 'R4',
    code: 'treat-without-dxa',
    indicator: 'info',
    reasons: [
      'clinical-osteoporosis',
      ...(fractures.some((f) => f.mechanism === 'assumed') ? ['mechanism-assumed'] : []),
      ...blockers.reasons,
    ],
    params: { age: snapshot.ageYears ?? 0, minAge: config.treatWithoutDxa.minAge },
    terms: { blockers: { dictionary: 'blockers', keys: blockers.blockers } },
    evidence: [...fractures.map(fractureEvidence), ...blockers.evidence],
    ...(blockers.blockers.length > 0 ? { summarySuffix: 'suffix-blocked' } : {}),
    // R3 (c) fires with R4 and carries the start of treatment; R4 adds the DXA that is not awaited.
    suggestions: [{ kind: 'order-dxa' }],
  };
}

/** R4's conditions: in scope, aged ≥ 70, a hip / vertebral fragility fracture, no DXA, not on treatment. */
export function treatWithoutDxaApplies(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): boolean {
  if (!inScope(snapshot, config) || (snapshot.ageYears ?? 0) < config.treatWithoutDxa.minAge)
    return false;
  if (snapshot.dxaOnRecord || onTreatment(snapshot, config, now)) return false;
  return clinicalOsteoporosisFractures(snapshot).length > 0;
}

/** Teriparatide contraindications known from the data (000: "Kontraindikasjoner: …"). */
export function teriparatideContraindications(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): { reasons: string[]; evidence: Evidence[] } {
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const calcium = correctedCalcium(snapshot, config);
  if (calcium?.judgement.level === 'high') {
    reasons.push('ci-hypercalcaemia');
    evidence.push(...calcium.evidence);
  }
  const pth = snapshot.labs.pth[0];
  if (
    pth &&
    judge(pth, { low: config.pth.lowBelow, high: config.pth.highAbove }).level === 'high'
  ) {
    reasons.push('ci-pth-high');
    evidence.push(labEvidence('pth', pth));
  }
  for (const diagnosis of snapshot.diagnoses) {
    const reason =
      diagnosis.kind === 'radiotherapyHistory'
        ? 'ci-radiotherapy'
        : diagnosis.kind === 'boneMalignancy'
          ? 'ci-bone-malignancy'
          : diagnosis.kind === 'hypercalcaemia' || diagnosis.kind === 'primaryHyperparathyroidism'
            ? 'ci-hypercalcaemia'
            : undefined;
    if (!reason) continue;
    if (!reasons.includes(reason)) reasons.push(reason);
    evidence.push({
      item: 'diagnosis',
      value: diagnosis.code,
      ...(diagnosis.date ? { date: diagnosis.date } : {}),
      source: diagnosis.source,
    });
  }
  return { reasons, evidence };
}

/** R5 · anabolic-referral (Behandlingsalternativ 3): refer to endocrinology for teriparatide. */
// (R5 reads snapshot.fractures, which leaves atypical femur fractures out: rules.md "Coherence".)
export function anabolicReferral(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  if (!inScope(snapshot, config)) return undefined;
  if (
    ['teriparatide', 'abaloparatide', 'romosozumab'].some((drug) =>
      currentDrug(snapshot, drug as (typeof OSTEOPOROSIS_DRUGS)[number]),
    )
  ) {
    return undefined;
  }
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = {};
  const lowest = lowestTScore(snapshot);
  const higherRisk =
    snapshot.sex === 'male' ||
    (snapshot.sex === 'female' && (snapshot.ageYears ?? 0) < config.anabolic.youngWomanAgeBelow);
  const limit = higherRisk ? config.anabolic.severeTScoreHigherRisk : config.anabolic.severeTScore;
  if (lowest && lowest.value < limit) {
    reasons.push('a-t-score');
    evidence.push(tScoreEvidence(lowest));
    params.tScore = lowest.value;
    params.tScoreLimit = limit;
  }
  const vertebral = vertebralFractureCount(snapshot);
  if (vertebral >= config.anabolic.vertebralFractureCount) {
    reasons.push('b-vertebral-fractures');
    params.vertebralFractures = vertebral;
    evidence.push(...snapshot.fractures.filter((f) => f.site === 'vertebra').map(fractureEvidence));
  }
  const severe = snapshot.fractures.find((fracture) => fracture.severe);
  if (severe) {
    reasons.push('c-severe-vertebral');
    evidence.push(fractureEvidence(severe));
  }
  const onTreatment = snapshot.fractures.find(
    (fracture) =>
      fracture.time !== undefined &&
      antiresorptiveCourseAt(snapshot, fracture.time, config.anabolic.fractureOnTreatmentMonths),
  );
  if (onTreatment?.time !== undefined) {
    const course = antiresorptiveCourseAt(
      snapshot,
      onTreatment.time,
      config.anabolic.fractureOnTreatmentMonths,
    );
    reasons.push('d-fracture-on-treatment');
    evidence.push(fractureEvidence(onTreatment), ...(course ? [drugEvidence(course)] : []));
    params.treatmentMonths = config.anabolic.fractureOnTreatmentMonths;
  }
  if (reasons.length === 0) return undefined;
  const contraindications = teriparatideContraindications(snapshot, config);
  if (contraindications.reasons.length > 0) {
    reasons.push('teriparatide-contraindicated', ...contraindications.reasons);
    evidence.push(...contraindications.evidence);
  } else {
    reasons.push('refer');
  }
  return {
    rule: 'R5',
    code: 'anabolic-referral',
    indicator: 'warning',
    reasons,
    params,
    evidence,
    // Teriparatide is started by hospital specialists (000): the action is the referral.
    ...(reasons.includes('refer')
      ? {
          suggestions: [
            { kind: 'refer' as const, to: 'endocrinology' as const, recommended: true },
          ],
        }
      : {}),
  };
}

export { isOlderThanYears };
