/**
 * The patient page's data (docs/pages.md): one patient's fractures, DXA T-scores
 * per site, calcium / 25-OH vitamin D / eGFR / P1NP results and osteoporosis-drug
 * periods on one time axis. Read from the SAME snapshot as a patient-view call
 * (src/patient/build.ts): no second parser. Pure (no FHIR access, no Express).
 */
import type { FhirResource } from 'fhir/r4';
import type { Analyte, MedicationClass } from '../fhir/code-lists';
import { OSTEOPOROSIS_DRUGS } from '../fhir/code-lists';
import { snapshotSettings, type GuidelineConfig } from '../guideline/config';
import type { Comparator } from '../fhir/units';
import { buildSnapshot } from '../patient/build';
import type { BoneSite, FractureSite } from '../patient/snapshot';

/** The analytes the page plots (pathway.md "Interfaces": calcium, vitamin D, eGFR, P1NP). */
export const TIMELINE_ANALYTES = [
  'calciumTotal',
  'calciumCorrected',
  'calciumIonised',
  'vitaminD',
  'egfr',
  'p1np',
] as const satisfies readonly Analyte[];
export type TimelineAnalyte = (typeof TIMELINE_ANALYTES)[number];

export interface PatientTimeline {
  patientId: string;
  /** "now" of the evaluation (ISO). */
  evaluatedAt: string;
  birthDate?: string;
  ageYears?: number;
  sex?: string;
  /** Fragility fractures, oldest first; undated ones last (no place on the axis). */
  fractures: { date?: string; site: FractureSite; code: string; source: string }[];
  /** DXA T-scores at spine and hip, oldest first. */
  tScores: { date: string; site: BoneSite; value: number; source: string }[];
  /** Lab results per analyte, oldest first, in the canonical unit. */
  labs: {
    analyte: TimelineAnalyte;
    unit: string;
    points: { date: string; value: number; comparator?: Comparator; source: string }[];
  }[];
  /** Osteoporosis-drug periods: the current (or last) course of each drug. */
  drugPeriods: {
    drug: MedicationClass;
    /** First day of the course (absent when no record dates it). */
    start?: string;
    /** End of coverage (absent while the drug is current). */
    end?: string;
    current: boolean;
    /** Single doses given (infusions, injections). */
    doses: string[];
  }[];
}

/**
 * The timeline of `patientId`, or undefined when the resources hold no Patient
 * of that id (the caller answers 404).
 */
export function patientTimeline(
  patientId: string,
  resources: readonly FhirResource[],
  now: Date,
  guideline: GuidelineConfig,
): PatientTimeline | undefined {
  if (!resources.some((r) => r.resourceType === 'Patient' && r.id === patientId)) return undefined;
  const snapshot = buildSnapshot({
    patientId,
    resources,
    now,
    settings: snapshotSettings(guideline),
  });
  const oldestFirst = <T extends { time: number }>(items: readonly T[]): T[] =>
    [...items].sort((a, b) => a.time - b.time);
  const fractures = [...snapshot.fractures].sort(
    (a, b) => (a.time ?? Infinity) - (b.time ?? Infinity),
  );
  return {
    patientId,
    evaluatedAt: now.toISOString(),
    ...(snapshot.birthDate !== undefined ? { birthDate: snapshot.birthDate } : {}),
    ...(snapshot.ageYears !== undefined ? { ageYears: snapshot.ageYears } : {}),
    ...(snapshot.sex !== undefined ? { sex: snapshot.sex } : {}),
    fractures: fractures.map(({ date, site, code, source }) => ({
      ...(date !== undefined ? { date } : {}),
      site,
      code,
      source,
    })),
    tScores: oldestFirst(snapshot.tScores).map(({ date, site, value, source }) => ({
      date,
      site,
      value,
      source,
    })),
    labs: TIMELINE_ANALYTES.flatMap((analyte) => {
      const results = oldestFirst(snapshot.labs[analyte]);
      const first = results[0];
      if (!first) return [];
      return [
        {
          analyte,
          unit: first.unit,
          points: results.map(({ date, value, comparator, source }) => ({
            date,
            value,
            ...(comparator !== undefined ? { comparator } : {}),
            source,
          })),
        },
      ];
    }),
    drugPeriods: OSTEOPOROSIS_DRUGS.flatMap((drug) => {
      const history = snapshot.medications[drug];
      if (!history) return [];
      return [
        {
          drug,
          ...(history.courseStart ? { start: history.courseStart.date } : {}),
          ...(!history.current && history.coverageEnd !== undefined
            ? { end: new Date(history.coverageEnd).toISOString() }
            : {}),
          current: history.current,
          doses: history.doses.map((dose) => dose.date),
        },
      ];
    }),
  };
}
