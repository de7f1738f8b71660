/**
 * The patient page's timeline (src/worklist/timeline.ts) from the same snapshot as a
 * hook call: oldest first, undated fractures last, a stopped course with its end, the
 * doses of an infusion drug, only the page's analytes, and no Patient → undefined.
 */
import type { Condition } from 'fhir/r4';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { patientTimeline } from '../../src/worklist/timeline';
import {
  administration,
  daysAgo,
  DRUGS,
  fracture,
  labs,
  NOW,
  patient,
  PATIENT_ID,
  statement,
  tScore,
} from '../helpers/fhir';

const timelineOf = (resources: Parameters<typeof patientTimeline>[1]) =>
  patientTimeline(PATIENT_ID, resources, NOW, DEFAULT_GUIDELINE_CONFIG);

describe('patientTimeline', () => {
  it('no Patient resource of that id: undefined (the route answers 404)', () => {
    expect(timelineOf([fracture('hip', daysAgo(30))])).toBeUndefined();
  });

  it('fractures oldest first, an undated one last', () => {
    const undated: Condition = { ...fracture('vertebra', daysAgo(1)), onsetDateTime: undefined };
    const timeline = timelineOf([
      patient(),
      fracture('hip', daysAgo(30)),
      undated,
      fracture('radius', daysAgo(700)),
    ]);
    expect(timeline?.fractures.map((f) => [f.site, f.date])).toEqual([
      ['distalRadius', daysAgo(700)],
      ['hip', daysAgo(30)],
      ['vertebra', undefined],
    ]);
  });

  it('T-scores and lab points oldest first; analytes the page does not plot are left out', () => {
    const timeline = timelineOf([
      patient(),
      tScore('spine', -2.1, daysAgo(10)),
      tScore('spine', -2.8, daysAgo(800)),
      labs.vitaminD(30, daysAgo(5)),
      labs.vitaminD(55, daysAgo(400)),
      labs.tsh(2, daysAgo(5)),
    ]);
    expect(timeline?.tScores.map((t) => t.value)).toEqual([-2.8, -2.1]);
    expect(timeline?.labs).toEqual([
      {
        analyte: 'vitaminD',
        unit: 'nmol/L',
        points: [
          expect.objectContaining({ date: daysAgo(400), value: 55 }),
          expect.objectContaining({ date: daysAgo(5), value: 30 }),
        ],
      },
    ]);
  });

  it('drug periods: a stopped course with its end, an infusion drug with its doses', () => {
    const timeline = timelineOf([
      patient(),
      statement(DRUGS.alendronate, daysAgo(900), { end: daysAgo(500) }),
      administration(DRUGS.zoledronicAcid, daysAgo(400)),
      administration(DRUGS.zoledronicAcid, daysAgo(35)),
    ]);
    const alendronate = timeline?.drugPeriods.find((d) => d.drug === 'alendronate');
    expect(alendronate).toMatchObject({ start: daysAgo(900), current: false });
    expect(alendronate?.end).toBeDefined();
    expect(Date.parse(alendronate?.end ?? '')).toBeLessThan(NOW.getTime());
    const zoledronic = timeline?.drugPeriods.find((d) => d.drug === 'zoledronicAcid');
    expect(zoledronic).toMatchObject({ current: true, doses: [daysAgo(400), daysAgo(35)] });
    expect(zoledronic?.end).toBeUndefined();
  });
});
