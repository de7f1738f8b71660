/**
 * Every question the worklist asks about osteoporosis drugs — "is one current at
 * date D", "was one started since D", "how long was the patient on an
 * antiresorptive before D" — is answered here and only here, from the drug-state
 * model (src/patient/medications.ts, in the snapshot's `medications`): its
 * continuous courses (every one, oldest first), its current state and its doses.
 * No medication resource is read here: one engine for the hooks and the worklist.
 */
import { ANTIRESORPTIVE_DRUGS, OSTEOPOROSIS_DRUGS } from '../fhir/code-lists';
import { DAY_MS } from '../patient/dates';
import type { DrugHistory, PatientSnapshot } from '../patient/snapshot';

export interface OsteoporosisTreatment {
  /** An osteoporosis drug (antiresorptive or anabolic) is current now. */
  readonly currentNow: boolean;
  /** An osteoporosis drug is lapsed now: past its dosing interval, no stop, nothing started since. */
  readonly lapsedNow: boolean;
  /** An osteoporosis drug was current at `time` (epoch ms, at or before now). */
  currentAt(time: number): boolean;
  /** An osteoporosis drug was current at any time from `from` to `to` (epoch ms). */
  currentDuring(from: number, to: number): boolean;
  /** An osteoporosis drug was ordered, started or given at or after `time`. */
  startedSince(time: number): boolean;
  /** Years on a bisphosphonate or denosumab before `time` (R26's exposure). */
  antiresorptiveYearsBefore(time: number): number;
}

interface Period {
  start: number;
  end: number;
}

export function osteoporosisTreatment(snapshot: PatientSnapshot, now: Date): OsteoporosisTreatment {
  const nowTime = now.getTime();
  const histories = OSTEOPOROSIS_DRUGS.flatMap((drug) => snapshot.medications[drug] ?? []);
  const periods = histories.flatMap(periodOf(nowTime));
  const currentNow = histories.some((history) => history.current);
  return {
    currentNow,
    lapsedNow: histories.some((history) => history.state === 'lapsed'),
    currentAt: (time) =>
      (time >= nowTime && currentNow) ||
      periods.some((period) => period.start <= time && time <= period.end),
    currentDuring: (from, to) =>
      (to >= nowTime && currentNow) ||
      periods.some((period) => period.start <= to && period.end >= from),
    startedSince: (time) =>
      histories.some(
        (history) =>
          history.courses.some((course) => course.start >= time) ||
          history.doses.some((dose) => dose.time >= time),
      ),
    antiresorptiveYearsBefore: (time) => {
      // The courses' days before `time` (the model's cumulativeDays runs to now).
      const days = ANTIRESORPTIVE_DRUGS.flatMap((drug) => snapshot.medications[drug] ?? [])
        .flatMap(periodOf(nowTime))
        .reduce(
          (sum, period) =>
            sum + Math.max(0, Math.min(period.end, time, nowTime) - period.start) / DAY_MS,
          0,
        );
      return days / 365.25;
    },
  };
}

/** The drug-state model's continuous courses; a current drug's last course runs at least to now. */
function periodOf(nowTime: number): (history: DrugHistory) => Period[] {
  return (history) =>
    history.courses.map((course, index) =>
      history.current && index === history.courses.length - 1
        ? { start: course.start, end: Math.max(course.end, nowTime) }
        : { start: course.start, end: course.end },
    );
}

/**
 * The snapshot as if no osteoporosis drug were on record: "is treatment
 * indicated" is asked of every fracture patient, including those already
 * treated (R3–R5 stay silent for a patient on a drug, which would make the
 * started-within-16-weeks indicator count only the untreated).
 */
export function withoutOsteoporosisDrugs(snapshot: PatientSnapshot): PatientSnapshot {
  const medications = Object.fromEntries(
    Object.entries(snapshot.medications).filter(
      ([drug]) => !(OSTEOPOROSIS_DRUGS as readonly string[]).includes(drug),
    ),
  ) as PatientSnapshot['medications'];
  return { ...snapshot, medications };
}
