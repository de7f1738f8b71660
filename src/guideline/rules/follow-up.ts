/**
 * On treatment (rules.md R15–R22; seed 000 "Oppfølging av behandling") and the
 * whole-pathway rule R23 (seed 002). Follow-up rules apply at every age: the
 * patient is already treated.
 */
import type { ProfileSettings } from '../profiles';
import { ORAL_BISPHOSPHONATES, type MedicationClass } from '../../fhir/code-lists';
import type { OrderableLabKey } from '../../fhir/orderables';
import { DAY_MS, monthsBetween } from '../../patient/dates';
import type { Analyte } from '../../fhir/code-lists';
import type { DrugHistory, PatientSnapshot, TScore } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import {
  intolerancesOf,
  jawOsteonecrosis,
  takesCalciumOrVitaminD,
  currentDrug,
  currentOsteoporosisDrug,
  drugEvidence,
  fractureEvidence,
  isOlderThanYears,
  latestTScoresBySite,
  lowestTScore,
  tScoreEvidence,
  yearsBetween,
} from '../facts';
import type { Evidence, Finding, SuggestionSpec } from '../finding';
import { dueBetween, isoDay, notBefore, startTreatmentSuggestions } from '../suggestions';
import { treatmentOptions } from './before-treatment';
import { isBelow, labEvidence, lowEgfr } from '../labs';

const MONTH_MS = 30.4375 * DAY_MS;
const ANTIRESORPTIVE_RESPONSE_DRUGS: readonly MedicationClass[] = [
  ...ORAL_BISPHOSPHONATES,
  'denosumab',
];

/** R15 · max-duration-reached: oral bisphosphonate ≥ 10 years, zoledronic acid ≥ 6 infusions, teriparatide ≥ 24 months. */
export function maxDurationReached(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const reached = maxDurationFacts(snapshot, config, now, (drug) => currentDrug(snapshot, drug));
  if (!reached) return undefined;
  return { rule: 'R15', code: 'max-duration-reached', indicator: 'warning', ...reached };
}

/** The R15 facts for the first drug (of those `pick` returns) at its maximum. */
export function maxDurationFacts(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  pick: (drug: MedicationClass) => DrugHistory | undefined,
): Pick<Finding, 'reasons' | 'params' | 'evidence' | 'terms'> | undefined {
  for (const drug of ORAL_BISPHOSPHONATES) {
    const history = pick(drug);
    const years = history ? history.cumulativeDays / 365.25 : 0;
    if (history && years >= config.maxDuration.oralBisphosphonateYears) {
      return {
        reasons: ['oral-bisphosphonate'],
        params: {
          years: Math.floor(years * 10) / 10,
          maxYears: config.maxDuration.oralBisphosphonateYears,
        },
        terms: { drug: { dictionary: 'drugs', keys: [drug] } },
        evidence: [drugEvidence(history)],
      };
    }
  }
  const zoledronic = pick('zoledronicAcid');
  if (zoledronic && zoledronic.doses.length >= config.maxDuration.zoledronicAcidInfusions) {
    return {
      reasons: ['zoledronic-acid'],
      params: {
        infusions: zoledronic.doses.length,
        maxInfusions: config.maxDuration.zoledronicAcidInfusions,
      },
      terms: { drug: { dictionary: 'drugs', keys: ['zoledronicAcid'] } },
      evidence: zoledronic.doses.map((dose) => ({
        item: 'dose' as const,
        value: 'zoledronicAcid',
        date: dose.date,
        source: dose.source,
      })),
    };
  }
  const teriparatide = pick('teriparatide');
  const months = teriparatide?.courseStart
    ? monthsBetween(teriparatide.courseStart.time, now.getTime())
    : 0;
  if (teriparatide && months >= config.maxDuration.teriparatideMonths) {
    return {
      reasons: ['teriparatide'],
      params: { months: Math.floor(months), maxMonths: config.maxDuration.teriparatideMonths },
      terms: { drug: { dictionary: 'drugs', keys: ['teriparatide'] } },
      evidence: [drugEvidence(teriparatide)],
    };
  }
  return undefined;
}

interface Milestone {
  /** When the check is due (epoch ms). */
  at: number;
  /** From when a result counts for it. */
  opens: number;
  label: string;
}

/** Milestones at the given offsets (months) after start, then every `repeatMonths`; the latest one already open. */
function latestOpenMilestone(
  start: number,
  offsetsMonths: readonly number[],
  windowMonths: number,
  now: Date,
  repeatMonths?: number,
): Milestone | undefined {
  const offsets = [...offsetsMonths];
  if (repeatMonths) {
    for (
      let next = (offsets[offsets.length - 1] ?? 0) + repeatMonths;
      start + (next - windowMonths) * MONTH_MS <= now.getTime();
      next += repeatMonths
    ) {
      offsets.push(next);
    }
  }
  let latest: Milestone | undefined;
  for (const months of offsets) {
    const at = start + months * MONTH_MS;
    const opens = at - windowMonths * MONTH_MS;
    if (opens <= now.getTime()) latest = { at, opens, label: String(months) };
  }
  return latest;
}

type MonitoredLab = Extract<
  OrderableLabKey,
  'calciumTotal' | 'albumin' | 'creatinine' | 'vitaminD' | 'p1np'
>;
const LAB_ANALYTES: Record<MonitoredLab, Analyte[]> = {
  calciumTotal: ['calciumTotal', 'calciumCorrected', 'calciumIonised'],
  albumin: ['albumin'],
  creatinine: ['creatinine', 'egfr'],
  vitaminD: ['vitaminD'],
  p1np: ['p1np'],
};

interface LabSchedule {
  offsetsMonths: readonly number[];
  windowMonths: number;
  repeatMonths?: number;
  labs: readonly MonitoredLab[];
}

function labSchedules(drug: MedicationClass, config: GuidelineConfig): LabSchedule[] {
  const f = config.followUp;
  const start: LabSchedule = {
    offsetsMonths: [f.startLabsMonths],
    windowMonths: f.startLabsWindowMonths,
    // rules.md "Coherence": corrected calcium needs albumin, so calcium is always ordered with it.
    labs: ['calciumTotal', 'albumin', 'vitaminD'],
  };
  const full: MonitoredLab[] = ['calciumTotal', 'albumin', 'creatinine', 'vitaminD'];
  const years = (list: readonly number[]) => list.map((y) => y * 12);
  if ((ORAL_BISPHOSPHONATES as readonly string[]).includes(drug) || drug === 'denosumab') {
    return [
      start,
      {
        offsetsMonths: years(f.labsOralOrDenosumabYears),
        windowMonths: f.milestoneWindowMonths,
        labs: full,
      },
    ];
  }
  if (drug === 'zoledronicAcid') {
    return [
      start,
      {
        offsetsMonths: years(f.labsZoledronicYears),
        windowMonths: f.milestoneWindowMonths,
        repeatMonths: f.labsZoledronicRepeatYears * 12,
        labs: [...full, 'p1np'],
      },
    ];
  }
  if (drug === 'teriparatide') {
    return [
      start,
      {
        offsetsMonths: f.labsTeriparatideMonths,
        windowMonths: f.milestoneWindowMonths,
        labs: ['p1np', 'calciumTotal', 'albumin', 'vitaminD'],
      },
    ];
  }
  return [start];
}

/** R16 · followup-labs-due: the latest monitoring milestone of the current drug lacks results. */
export function followupLabsDue(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const drug = currentOsteoporosisDrug(snapshot);
  if (!drug?.courseStart) return undefined;
  const start = drug.courseStart.time;
  let chosen: { milestone: Milestone; labs: readonly MonitoredLab[] } | undefined;
  for (const schedule of labSchedules(drug.drug, config)) {
    const milestone = latestOpenMilestone(
      start,
      schedule.offsetsMonths,
      schedule.windowMonths,
      now,
      schedule.repeatMonths,
    );
    if (milestone && (!chosen || milestone.at > chosen.milestone.at))
      chosen = { milestone, labs: schedule.labs };
  }
  if (!chosen) return undefined;
  const { milestone } = chosen;
  const missing = chosen.labs.filter(
    (lab) =>
      !LAB_ANALYTES[lab].some(
        (analyte) => (snapshot.labs[analyte][0]?.time ?? -Infinity) >= milestone.opens,
      ),
  );
  if (missing.length === 0) return undefined;
  const dueDate = new Date(milestone.at).toISOString().slice(0, 10);
  // A due date in the past is shown as overdue since that date (rules.md "Coherence").
  const reasons = [now.getTime() > milestone.at ? 'overdue' : 'due'];
  if (drug.drug === 'teriparatide') reasons.push('before-dose');
  return {
    rule: 'R16',
    code: 'followup-labs-due',
    indicator: 'info',
    reasons,
    params: {
      dueDate,
      startDate: drug.courseStart.date,
      monthsAfterStart: Number(milestone.label),
    },
    terms: {
      missing: { dictionary: 'labs', keys: missing },
      drug: { dictionary: 'drugs', keys: [drug.drug] },
    },
    evidence: [drugEvidence(drug)],
    suggestions: [
      { kind: 'order-labs', labs: missing, due: notBefore(milestone.at, now), recommended: true },
    ],
  };
}

/** R17 · dxa-due: the drug's DXA schedule, a DXA 2 years into a pause, or no DXA for 5 years on treatment. */
export function dxaDue(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const f = config.followUp;
  const latestDxa = snapshot.tScores[0];
  const hasDxaSince = (time: number) => (latestDxa?.time ?? -Infinity) >= time;
  const finding = (
    reasons: string[],
    params: Finding['params'],
    evidence: Evidence[],
  ): Finding => ({
    rule: 'R17',
    code: 'dxa-due',
    indicator: 'info',
    reasons,
    params,
    evidence: [
      ...evidence,
      ...(latestDxa
        ? [tScoreEvidence(latestDxa)]
        : [{ item: 'dxa' as const, notes: ['missing' as const] }]),
    ],
    suggestions: [
      {
        kind: 'order-dxa',
        ...(typeof params.dueDate === 'string'
          ? { due: notBefore(Date.parse(params.dueDate), now) }
          : {}),
        recommended: true,
      },
    ],
  });

  const drug = currentOsteoporosisDrug(snapshot);
  if (drug?.courseStart) {
    const start = drug.courseStart.time;
    const schedule =
      drug.drug === 'zoledronicAcid'
        ? { offsets: f.dxaZoledronicYears.map((y) => y * 12), repeat: f.dxaRepeatYears * 12 }
        : drug.drug === 'teriparatide'
          ? { offsets: f.dxaTeriparatideMonths, repeat: undefined }
          : {
              offsets: f.dxaOralOrDenosumabYears.map((y) => y * 12),
              repeat: f.dxaRepeatYears * 12,
            };
    const milestone = latestOpenMilestone(
      start,
      schedule.offsets,
      f.milestoneWindowMonths,
      now,
      schedule.repeat,
    );
    if (milestone && !hasDxaSince(milestone.opens)) {
      // Teriparatide ends at 24 months: never "continue unchanged", the DXA serves the switch (R22 / R15).
      const teriparatideSwitch =
        drug.drug === 'teriparatide' &&
        monthsBetween(start, now.getTime()) >= config.teriparatide.transitionMonths;
      return finding(
        [
          now.getTime() > milestone.at ? 'schedule-overdue' : 'schedule',
          ...(drug.drug === 'teriparatide'
            ? teriparatideSwitch
              ? ['teriparatide-switch']
              : []
            : improvedButLow(snapshot, start, config)),
        ],
        {
          dueDate: new Date(milestone.at).toISOString().slice(0, 10),
          monthsAfterStart: Number(milestone.label),
        },
        [drugEvidence(drug)],
      );
    }
    if (!latestDxa || isOlderThanYears(latestDxa.time, config.dxa.maxAgeYears, now)) {
      return finding(['none-for-years'], { years: config.dxa.maxAgeYears }, [drugEvidence(drug)]);
    }
    return undefined;
  }
  // A pause: an oral bisphosphonate course of ≥ pause years has ended and nothing replaced it.
  for (const oral of ORAL_BISPHOSPHONATES) {
    const history = snapshot.medications[oral];
    if (!history || history.current || history.coverageEnd === undefined) continue;
    if (history.cumulativeDays / 365.25 < config.pause.oralBisphosphonateYears) continue;
    const at = history.coverageEnd + f.dxaPauseYears * 365.25 * DAY_MS;
    const opens = at - f.milestoneWindowMonths * MONTH_MS;
    if (opens <= now.getTime() && !hasDxaSince(opens)) {
      return finding(
        [at < now.getTime() ? 'pause-overdue' : 'pause'],
        { dueDate: new Date(at).toISOString().slice(0, 10), pauseYears: f.dxaPauseYears },
        [drugEvidence(history)],
      );
    }
  }
  return undefined;
}

/** "T-score i bedring, men fortsatt ≤ -2.5": continue, new evaluation in 2–3 years (said in the dxa-due card). */
function improvedButLow(
  snapshot: PatientSnapshot,
  courseStart: number,
  config: GuidelineConfig,
): string[] {
  const comparison = compareWithBaseline(snapshot, courseStart, config);
  return comparison &&
    comparison.change >= config.response.minImprovement &&
    comparison.latest.value <= config.indication.osteoporosisTScore
    ? ['improved-still-low']
    : [];
}

interface BaselineComparison {
  baseline: TScore;
  latest: TScore;
  change: number;
}

/** The site with the lowest baseline T-score that has a later measurement. */
function compareWithBaseline(
  snapshot: PatientSnapshot,
  courseStart: number,
  config: GuidelineConfig,
): BaselineComparison | undefined {
  const baselineUntil = courseStart + config.response.baselineWindowMonths * MONTH_MS;
  let best: BaselineComparison | undefined;
  for (const latest of latestTScoresBySite(snapshot)) {
    const baseline = snapshot.tScores.find(
      (score) => score.site === latest.site && score.time <= baselineUntil,
    );
    if (!baseline || latest.time <= baseline.time) continue;
    if (!best || baseline.value < best.baseline.value)
      best = { baseline, latest, change: round1(latest.value - baseline.value) };
  }
  return best;
}

function round1(value: number): number {
  return Math.round(value * 100) / 100;
}

/** R18 · treatment-response-inadequate. */
export function treatmentResponseInadequate(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  profile: Pick<ProfileSettings, 'norwegianReimbursement'> = { norwegianReimbursement: true },
): Finding | undefined {
  const drug = currentOsteoporosisDrug(snapshot);
  if (
    !drug?.courseStart ||
    !(ANTIRESORPTIVE_RESPONSE_DRUGS.includes(drug.drug) || drug.drug === 'zoledronicAcid')
  )
    return undefined;
  const start = drug.courseStart.time;
  const reasons: string[] = [];
  const evidence: Evidence[] = [drugEvidence(drug)];
  const params: Finding['params'] = {};
  if (yearsBetween(start, now.getTime()) >= config.response.minYearsOnTreatment) {
    const comparison = compareWithBaseline(snapshot, start, config);
    if (comparison && comparison.change < config.response.minImprovement) {
      reasons.push('t-score-unchanged');
      params.baseline = comparison.baseline.value;
      params.latest = comparison.latest.value;
      params.change = comparison.change;
      evidence.push(tScoreEvidence(comparison.baseline), tScoreEvidence(comparison.latest));
    }
  }
  if (drug.drug === 'zoledronicAcid') {
    const newFracture = snapshot.fractures.find(
      (fracture) => fracture.time !== undefined && fracture.time > start,
    );
    if (newFracture) {
      reasons.push('new-fracture');
      evidence.push(fractureEvidence(newFracture));
    }
  }
  if (reasons.length === 0) return undefined;
  if (drug.drug === 'zoledronicAcid') reasons.push('consider-denosumab-or-anabolic');
  // Denosumab is never stopped without follow-on therapy (R21); no reimbursement note for a drug already given.
  else if (drug.drug === 'denosumab')
    reasons.push('check-adherence-denosumab', 'denosumab-never-stop');
  else {
    reasons.push('check-adherence-switch');
    // 000's reimbursement rule for the switch to denosumab is Norwegian law: Norway only.
    if (profile.norwegianReimbursement) {
      reasons.push('denosumab-reimbursement');
      params.bluePrescriptionFromAge = config.denosumab.bluePrescriptionWomenFromAge;
    }
  }
  return {
    rule: 'R18',
    code: 'treatment-response-inadequate',
    indicator: 'warning',
    reasons,
    params,
    terms: { drug: { dictionary: 'drugs', keys: [drug.drug] } },
    evidence,
  };
}

/** R19 · treatment-pause-consider: a bisphosphonate long enough, T-score > −2.5 on treatment, no new fracture. Never denosumab. */
export function treatmentPauseConsider(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const oral = ORAL_BISPHOSPHONATES.map((drug) => currentDrug(snapshot, drug)).find(
    (history) =>
      history !== undefined &&
      history.cumulativeDays / 365.25 >= config.pause.oralBisphosphonateYears,
  );
  const zoledronic = currentDrug(snapshot, 'zoledronicAcid');
  const drug =
    oral ??
    (zoledronic && zoledronic.doses.length >= config.pause.zoledronicAcidInfusions
      ? zoledronic
      : undefined);
  if (!drug?.courseStart) return undefined;
  const start = drug.courseStart.time;
  const lowest = lowestTScore(snapshot);
  if (!lowest || lowest.time <= start || lowest.value <= config.pause.tScoreAbove) return undefined;
  if (snapshot.fractures.some((fracture) => fracture.time !== undefined && fracture.time > start))
    return undefined;
  return {
    rule: 'R19',
    code: 'treatment-pause-consider',
    indicator: 'info',
    reasons: [
      drug.drug === 'zoledronicAcid' ? 'zoledronic-acid' : 'oral-bisphosphonate',
      'dxa-after-pause',
    ],
    params: {
      tScore: lowest.value,
      years: Math.floor((drug.cumulativeDays / 365.25) * 10) / 10,
      infusions: drug.doses.length,
      pauseYears: config.followUp.dxaPauseYears,
    },
    terms: { drug: { dictionary: 'drugs', keys: [drug.drug] } },
    evidence: [drugEvidence(drug), tScoreEvidence(lowest)],
    suggestions: pauseSuggestions(drug, config, now),
  };
}

/** R19's actions: put the current order or statement on hold, and book the DXA 2 years into the pause. */
function pauseSuggestions(drug: DrugHistory, config: GuidelineConfig, now: Date): SuggestionSpec[] {
  // The record that says the patient takes it: the order, or the statement (both have "on-hold").
  const order = [...drug.sources]
    .reverse()
    .find(
      (source) =>
        source.startsWith('MedicationRequest/') || source.startsWith('MedicationStatement/'),
    );
  const dxa: SuggestionSpec = {
    kind: 'order-dxa',
    due: { start: isoDay(now.getTime() + config.followUp.dxaPauseYears * 365.25 * DAY_MS) },
  };
  return order ? [{ kind: 'hold-medication', order, drug: drug.drug }, dxa] : [dxa];
}

/** R20 · zoledronic-acid-next-dose: when the next infusion is due and why (shown from 3 months before). */
export function zoledronicAcidNextDose(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const history = currentDrug(snapshot, 'zoledronicAcid');
  const doses = history?.doses ?? [];
  const first = doses[0];
  const last = doses[doses.length - 1];
  if (!history || !first || !last || doses.length >= config.maxDuration.zoledronicAcidInfusions)
    return undefined;
  const z = config.zoledronicAcid;
  const year = 365.25 * DAY_MS;
  const lowest = lowestTScore(snapshot);
  const p1npNear = (time: number) =>
    snapshot.labs.p1np.find(
      (result) => Math.abs(result.time - time) <= z.p1npWindowMonths * MONTH_MS,
    );
  const reasons: string[] = [];
  const evidence: Evidence[] = doses.map((dose) => ({
    item: 'dose' as const,
    value: 'zoledronicAcid',
    date: dose.date,
    source: dose.source,
  }));
  let due: number;
  if (doses.length === 1) {
    const severe =
      (lowest !== undefined && lowest.value < z.severeTScore) ||
      snapshot.fractures.length >= z.severalFractures;
    const p1np = p1npNear(first.time + year);
    if (severe) {
      due = first.time + year;
      reasons.push('severe-one-year');
      if (lowest) evidence.push(tScoreEvidence(lowest));
    } else if (p1np && isBelow(p1np, z.p1npLowBelow) === true) {
      due = first.time + 2 * year;
      reasons.push('p1np-low-two-years');
      evidence.push(labEvidence('p1np', p1np));
    } else if (p1np) {
      due = first.time + year;
      reasons.push('p1np-not-suppressed');
      evidence.push(labEvidence('p1np', p1np));
    } else {
      due = first.time + year;
      reasons.push('p1np-missing');
      evidence.push({ item: 'p1np', notes: ['missing'] });
    }
  } else if (doses.length === 2) {
    due = first.time + 4 * year;
    const p1np = p1npNear(first.time + 4 * year);
    const improved =
      lowest &&
      snapshot.tScores.some(
        (score) =>
          score.site === lowest.site && score.time < first.time && lowest.value > score.value,
      );
    if (p1np && isBelow(p1np, z.p1npLowBelow) === true && improved) {
      due = first.time + 5 * year;
      reasons.push('four-years-improved');
      evidence.push(labEvidence('p1np', p1np));
    } else {
      reasons.push('four-years');
    }
  } else {
    due = last.time + z.defaultIntervalYears * year;
    reasons.push('interval');
  }
  if (due - now.getTime() > z.noticeMonths * MONTH_MS) return undefined;
  const egfr = lowEgfr(snapshot, config);
  if (egfr) {
    reasons.push('egfr-low');
    evidence.push(labEvidence('egfr', egfr));
  }
  if (due < now.getTime()) reasons.push('overdue');
  return {
    rule: 'R20',
    code: 'zoledronic-acid-next-dose',
    indicator: 'info',
    reasons,
    params: {
      dueDate: new Date(due).toISOString().slice(0, 10),
      infusions: doses.length,
      nextInfusion: doses.length + 1,
      lastDate: last.date,
      p1npLowBelow: z.p1npLowBelow,
      severeTScore: z.severeTScore,
      egfrBelow: config.kidney.egfrBelow,
      ...(egfr ? { egfr: egfr.value } : {}),
    },
    evidence,
    suggestions: nextInfusionSuggestions(snapshot, config, now, due, egfr !== undefined),
  };
}

/** Checked before each infusion: kidney function (R11), calcium with albumin (R6), vitamin D (R8). */
const PRE_INFUSION_LABS: readonly OrderableLabKey[] = [
  'creatinine',
  'calciumTotal',
  'albumin',
  'vitaminD',
];

/**
 * R20's actions: the pre-infusion labs in the month before the infusion, and the
 * infusion itself from its due day — not with eGFR < 35 (R11) or an intolerance (R29).
 */
function nextInfusionSuggestions(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  due: number,
  egfrLow: boolean,
): SuggestionSpec[] {
  const today = now.getTime();
  const labs: SuggestionSpec = {
    kind: 'order-labs',
    labs: PRE_INFUSION_LABS,
    due: dueBetween(Math.max(today, due - MONTH_MS), Math.max(today, due)),
    recommended: true,
  };
  // Not with eGFR < 35 (R11), an intolerance (R29), or jaw osteonecrosis without an oral-surgery assessment (R27).
  if (
    egfrLow ||
    intolerancesOf(snapshot, 'zoledronicAcid').length > 0 ||
    jawOsteonecrosis(snapshot).length > 0
  )
    return [labs];
  return [
    labs,
    {
      kind: 'start-medication',
      medications: [{ regimen: 'zoledronicAcidYearly', startDate: isoDay(Math.max(today, due)) }],
    },
  ];
}

/**
 * R21 · denosumab-overdue: > 7 months since the last dose, denosumab still the latest
 * osteoporosis drug (no switch, no zoledronic acid since). 7–12 months: give the next
 * dose now (critical). Beyond 12 months the rebound window has passed: check for new
 * vertebral fractures and a DXA, then restart or switch (rules.md "Coherence").
 */
export function denosumabOverdue(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const history = snapshot.medications.denosumab;
  const last = history?.doses[history.doses.length - 1];
  if (!history || !last || history.switchedTo) return undefined;
  const monthsSince = monthsBetween(last.time, now.getTime());
  if (monthsSince <= config.denosumab.overdueMonths || monthsSince > config.denosumab.recentMonths)
    return undefined;
  const zoledronicSince = snapshot.medications.zoledronicAcid?.doses.some(
    (dose) => dose.time > last.time,
  );
  if (zoledronicSince) return undefined;
  const evidence: Evidence[] = [
    { item: 'dose', value: 'denosumab', date: last.date, source: last.source },
    drugEvidence(history),
  ];
  const params: Finding['params'] = {
    lastDate: last.date,
    monthsSince: Math.floor(monthsSince * 10) / 10,
    overdueMonths: config.denosumab.overdueMonths,
    lifelongFromAge: config.denosumab.lifelongFromAge,
    restartBeyondMonths: config.denosumab.restartBeyondMonths,
  };
  const stopped = history.stop ? ['stop-recorded'] : [];
  if (monthsSince > config.denosumab.restartBeyondMonths) {
    return {
      rule: 'R21',
      code: 'denosumab-overdue',
      indicator: 'warning',
      reasons: ['beyond-rebound', ...stopped, 'check-spine-dxa'],
      params,
      evidence,
      suggestions: [{ kind: 'order-dxa' }],
    };
  }
  const reasons = ['overdue', ...stopped];
  const startAge =
    history.courseStart && snapshot.birthDate
      ? ageAt(snapshot.birthDate, history.courseStart.time)
      : undefined;
  reasons.push(
    startAge !== undefined && startAge > config.denosumab.lifelongFromAge
      ? 'lifelong'
      : 'stopping-zoledronic-acid',
  );
  const egfr = lowEgfr(snapshot, config);
  if (egfr) {
    reasons.push('zoledronic-acid-contraindicated');
    evidence.push(labEvidence('egfr', egfr));
  }
  // The next dose now; one zoledronic acid infusion is the alternative when stopping is intended (000).
  // A drug the patient does not tolerate is left out (R29), zoledronic acid with eGFR < 35 (R11),
  // and with jaw osteonecrosis on record neither without an oral-surgery assessment (R27).
  const tolerated = (drug: MedicationClass) => intolerancesOf(snapshot, drug).length === 0;
  const options: MedicationClass[] =
    jawOsteonecrosis(snapshot).length > 0
      ? []
      : [
          ...(tolerated('denosumab') ? ['denosumab' as const] : []),
          ...(!egfr && tolerated('zoledronicAcid') ? ['zoledronicAcid' as const] : []),
        ];
  const suggestions: SuggestionSpec[] = options.map((drug, index) => ({
    kind: 'start-medication',
    medications: [{ regimen: drug === 'denosumab' ? 'denosumabSixMonthly' : 'zoledronicAcidOnce' }],
    recommended: index === 0,
  }));
  return {
    rule: 'R21',
    code: 'denosumab-overdue',
    indicator: 'critical',
    reasons,
    params,
    evidence,
    ...(suggestions.length > 0 ? { suggestions, alternatives: true } : {}),
  };
}

function ageAt(birthDate: string, time: number): number | undefined {
  const birth = Date.parse(birthDate.length === 4 ? `${birthDate}-12-31` : birthDate);
  return Number.isNaN(birth) ? undefined : Math.floor((time - birth) / (365.25 * DAY_MS));
}

/** R22 · teriparatide-transition: ≥ 21 months of teriparatide — plan the seamless switch at 24 months. */
export function teriparatideTransition(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const history = currentDrug(snapshot, 'teriparatide');
  if (!history?.courseStart) return undefined;
  const months = monthsBetween(history.courseStart.time, now.getTime());
  if (
    months < config.teriparatide.transitionMonths ||
    months >= config.maxDuration.teriparatideMonths
  )
    return undefined;
  const switchAt = history.courseStart.time + config.maxDuration.teriparatideMonths * MONTH_MS;
  return {
    rule: 'R22',
    code: 'teriparatide-transition',
    indicator: 'warning',
    reasons: ['plan-switch'],
    params: {
      months: Math.floor(months),
      switchDate: new Date(switchAt).toISOString().slice(0, 10),
      maxMonths: config.maxDuration.teriparatideMonths,
    },
    evidence: [drugEvidence(history)],
    ...maintenanceSuggestions(snapshot, config, now, switchAt),
  };
}

/** R22's actions: the maintenance drug the data leaves open (as R3), starting at the switch. */
function maintenanceSuggestions(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  switchAt: number,
): Pick<Finding, 'suggestions' | 'alternatives'> {
  if (jawOsteonecrosis(snapshot).length > 0) return {};
  const suggestions = startTreatmentSuggestions(
    treatmentOptions(snapshot, config).options,
    snapshot,
    config,
    now,
    { withSupplement: !takesCalciumOrVitaminD(snapshot), startAt: switchAt },
  ).map((spec) =>
    spec.kind === 'start-medication'
      ? {
          ...spec,
          medications: spec.medications.map((medication, index) =>
            index === 0 ? { ...medication, startDate: isoDay(switchAt) } : medication,
          ),
        }
      : spec,
  );
  return suggestions.length > 0 ? { suggestions, alternatives: true } : {};
}

/** R23 · fall-risk-assessment: fragility fracture in the last 12 months, no fall-risk assessment since. */
export function fallRiskAssessment(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const fracture = snapshot.fractures.find(
    (candidate) =>
      candidate.time !== undefined &&
      monthsBetween(candidate.time, now.getTime()) <= config.fracture.fallRiskMonths,
  );
  if (!fracture || fracture.time === undefined) return undefined;
  const since = fracture.time;
  if (snapshot.fallRiskAssessments.some((assessment) => assessment.time >= since)) return undefined;
  const previous = snapshot.fallRiskAssessments[0];
  return {
    rule: 'R23',
    code: 'fall-risk-assessment',
    indicator: 'info',
    reasons: ['no-assessment', ...(fracture.mechanism === 'assumed' ? ['mechanism-assumed'] : [])],
    params: { months: config.fracture.fallRiskMonths },
    evidence: [
      fractureEvidence(fracture),
      previous
        ? {
            item: 'fallRiskAssessment',
            value: '–',
            date: previous.date,
            source: previous.source,
            notes: ['too-old'],
          }
        : { item: 'fallRiskAssessment', notes: ['missing'] },
    ],
    suggestions: [{ kind: 'refer', to: 'fallPrevention', recommended: true }],
  };
}
