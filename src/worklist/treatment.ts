/**
 * Every question the worklist asks about osteoporosis drugs — "is one current at
 * date D", "was one started since D", "how long was the patient on an
 * antiresorptive before D" — is answered here and only here, from today's
 * snapshot (src/patient/snapshot.ts `medications`).
 *
 * The medication-course logic is being replaced by a drug-state model
 * (src/patient/medications.ts); when it lands, this file is the one place to
 * re-point. Until then the snapshot keeps, per drug, the current (or last)
 * continuous course — `courseStart` … `coverageEnd` — and the doses given; an
 * earlier course that ended before the last one began is not visible, so
 * "current at D" can only be answered from the last course of each drug. That is
 * exact for the questions the indicators ask of a recent fracture (started
 * within 16 weeks, still on it at 52 weeks) unless a drug was stopped and
 * restarted in between.
 */
import { ANTIRESORPTIVE_DRUGS, OSTEOPOROSIS_DRUGS } from '../fhir/code-lists';
import { DAY_MS } from '../patient/dates';
import type { DrugHistory, PatientSnapshot } from '../patient/snapshot';

export interface OsteoporosisTreatment {
  /** An osteoporosis drug (antiresorptive or anabolic) is current now. */
  readonly currentNow: boolean;
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
    currentAt: (time) =>
      (time >= nowTime && currentNow) ||
      periods.some((period) => period.start <= time && time <= period.end),
    currentDuring: (from, to) =>
      (to >= nowTime && currentNow) ||
      periods.some((period) => period.start <= to && period.end >= from),
    startedSince: (time) =>
      histories.some(
        (history) =>
          (history.courseStart?.time ?? -Infinity) >= time ||
          history.doses.some((dose) => dose.time >= time),
      ),
    antiresorptiveYearsBefore: (time) => {
      const days = ANTIRESORPTIVE_DRUGS.flatMap((drug) => snapshot.medications[drug] ?? []).reduce(
        (sum, history) => {
          // cumulativeDays runs to now: take off the part of the last course after `time`.
          const after = periodOf(nowTime)(history).reduce(
            (total, period) =>
              total + Math.max(0, Math.min(period.end, nowTime) - Math.max(period.start, time)),
            0,
          );
          return sum + Math.max(0, history.cumulativeDays - after / DAY_MS);
        },
        0,
      );
      return days / 365.25;
    },
  };
}

function periodOf(nowTime: number): (history: DrugHistory) => Period[] {
  return (history) => {
    if (!history.courseStart) return [];
    const end = history.current
      ? Math.max(history.coverageEnd ?? nowTime, nowTime)
      : (history.coverageEnd ?? history.courseStart.time);
    return [{ start: history.courseStart.time, end }];
  };
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
