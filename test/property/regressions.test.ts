/**
 * What the property tests found (issue #8), shrunk to concrete resources: each
 * table row is a counterexample the service once got wrong. Clock pinned (NOW).
 */
import type { FhirResource, Observation } from 'fhir/r4';
import { latestTime } from '../../src/patient/dates';
import {
  condition,
  daysAgo,
  DRUGS,
  draftWithDose,
  icd10,
  labs,
  medicationRequest,
  NOW,
  observation,
} from '../helpers/fhir';
import { SYSTEM } from '../../src/fhir/systems';
import { codesOf, only, orderTime, patientView } from '../rules/evaluate';

const za = () => medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-za', text: 'Aclasta' });
const teriparatide = () =>
  medicationRequest(DRUGS.teriparatide, { id: 'draft-pth', text: 'Forsteo' });
const day = daysAgo(10);
const normalCalcium = () => [labs.calcium(2.4, day), labs.albumin(41.3, day)];
const egfr = (value: number, date: string, options: Parameters<typeof labs.egfr>[2] = {}) =>
  labs.egfr(value, date, { id: `egfr-${value}`, ...options });

describe('a reference range with one limit leaves the other side to the default (was: read as "no limit")', () => {
  test.each([
    [
      'total Ca 1.5 mmol/L, range high 2.51 only → hypocalcaemia',
      [labs.calcium(1.5, day, { referenceRange: { high: 2.51 } }), labs.albumin(41.3, day)],
      'hypocalcaemia',
    ],
    [
      'corrected Ca 2.9 mmol/L, range low 2.15 only → hypercalcaemia',
      [labs.correctedCalcium(2.9, day, { referenceRange: { low: 2.15 } })],
      'hypercalcaemia',
    ],
    [
      'TSH 0.1 m[IU]/L, range high 4.5 only → hyperthyroidism suspected',
      [labs.tsh(0.1, day, { referenceRange: { high: 4.5 } })],
      'hyperthyroidism-suspected',
    ],
  ])('%s', (_label, resources, code) => {
    expect(codesOf(patientView(resources))).toContain(code);
  });

  test('zoledronic acid ordered with that low calcium: critical, removal offered', () => {
    const findings = orderTime(
      [
        labs.calcium(1.5, day, { referenceRange: { high: 2.51 } }),
        labs.albumin(41.3, day),
        egfr(70, day),
      ],
      [za()],
    );
    const r11 = only(findings, 'contraindication-zoledronic-acid');
    expect(r11.indicator).toBe('critical');
    expect(r11.reasons).toEqual(['hypocalcaemia']);
    expect(only(findings, 'hypocalcaemia').indicator).toBe('critical');
  });

  test('teriparatide ordered with PTH 9 pmol/L, range low 1.5 only: raised PTH', () => {
    const r12 = only(
      orderTime(
        [...normalCalcium(), labs.pth(9, day, { referenceRange: { low: 1.5 } })],
        [teriparatide()],
      ),
      'contraindication-teriparatide',
    );
    expect(r12.reasons).toEqual(['ci-pth-high']);
  });
});

describe('R11: a recent eGFR that does not show "≥ 35" is no all-clear (was: no card at all)', () => {
  const unreadable = (date: string): Observation =>
    observation({ system: SYSTEM.loinc, code: '98979-8' }, 20, date, {
      id: 'egfr-percent',
      unit: '%',
    });
  test.each<[string, FhirResource[], string | undefined, string[]]>([
    [
      '">30" drawn 5 days ago',
      [egfr(30, daysAgo(5), { comparator: '>' })],
      'warning',
      ['egfr-inconclusive'],
    ],
    [
      '"<40" drawn 5 days ago',
      [egfr(40, daysAgo(5), { comparator: '<' })],
      'warning',
      ['egfr-inconclusive'],
    ],
    [
      '">=35" drawn 5 days ago: settles it',
      [egfr(35, daysAgo(5), { comparator: '>=' })],
      undefined,
      [],
    ],
    [
      '"<30" drawn 5 days ago: settles it',
      [egfr(30, daysAgo(5), { comparator: '<' })],
      'critical',
      ['egfr-low'],
    ],
    [
      'eGFR 60 (20 days ago), then one in "%" (5 days ago) that cannot be read',
      [egfr(60, daysAgo(20)), unreadable(daysAgo(5))],
      'warning',
      ['egfr-inconclusive'],
    ],
    [
      'the unreadable one is older than eGFR 60: 60 stands',
      [egfr(60, daysAgo(5)), unreadable(daysAgo(20))],
      undefined,
      [],
    ],
    [
      'eGFR 60 on the 12th, eGFR 20 dated "2026-11" (may be later that month)',
      [egfr(60, '2026-11-12T08:00:00Z'), egfr(20, '2026-11')],
      'warning',
      ['egfr-inconclusive'],
    ],
    [
      'eGFR 20 on the 12th, eGFR 60 dated "2026-11": 20 may be the newest',
      [egfr(20, '2026-11-12T08:00:00Z'), egfr(60, '2026-11')],
      'critical',
      ['egfr-low'],
    ],
  ])('%s', (_label, kidney, indicator, reasons) => {
    const r11 = orderTime([...normalCalcium(), ...kidney], [za()]).find(
      (finding) => finding.code === 'contraindication-zoledronic-acid',
    );
    expect(r11?.indicator).toBe(indicator);
    expect(r11?.reasons ?? []).toEqual(reasons);
    if (indicator === 'warning')
      expect(r11?.suggestions).toEqual([{ kind: 'order-labs', labs: ['creatinine'] }]);
  });

  test.each([
    ['2026', Date.parse('2027-01-01T00:00:00Z') - 1],
    ['2026-11', Date.parse('2026-12-01T00:00:00Z') - 1],
    ['2026-11-12', Date.parse('2026-11-13T00:00:00Z') - 1],
    ['2026-11-12T08:00:00Z', Date.parse('2026-11-12T08:00:00Z')],
    ['not a date', undefined],
  ])('latestTime(%s): the last instant the date may stand for', (value, expected) => {
    expect(latestTime(value)).toBe(expected);
  });
});

describe('one resource sent in two versions (same id, different content)', () => {
  const version = (value: number, meta?: { versionId?: string; lastUpdated?: string }) => ({
    ...egfr(value, daysAgo(5), { id: 'egfr-1' }),
    ...(meta ? { meta } : {}),
  });
  test.each<[string, FhirResource[], string | undefined]>([
    ['41 then 34, no version info: the lower counts', [version(41), version(34)], 'critical'],
    ['34 then 41, no version info: the same', [version(34), version(41)], 'critical'],
    [
      'versionId 2 (60) wins over 1 (20)',
      [version(20, { versionId: '1' }), version(60, { versionId: '2' })],
      undefined,
    ],
    [
      'the same, sent the other way round',
      [version(60, { versionId: '2' }), version(20, { versionId: '1' })],
      undefined,
    ],
    [
      'lastUpdated decides when there is no versionId',
      [
        version(20, { lastUpdated: '2026-11-20T08:00:00Z' }),
        version(60, { lastUpdated: '2026-11-21T08:00:00Z' }),
      ],
      undefined,
    ],
  ])('%s', (_label, kidney, indicator) => {
    const r11 = orderTime([...normalCalcium(), ...kidney], [za()]).find(
      (finding) => finding.code === 'contraindication-zoledronic-acid',
    );
    expect(r11?.indicator).toBe(indicator);
  });

  test('exact copies collapse: one evidence row, not two', () => {
    const findings = orderTime([...normalCalcium(), version(30), version(30), version(30)], [za()]);
    const rows = only(findings, 'contraindication-zoledronic-acid').evidence.filter(
      (row) => row.item === 'egfr',
    );
    expect(rows).toHaveLength(1);
  });
});

describe('the same data in another order gives the same findings (was: diagnoses in input order)', () => {
  const phpt = condition(icd10('E21.0'), { id: 'cond-phpt', onset: daysAgo(400) });
  const hypercalcaemia = condition(icd10('E83.5'), { id: 'cond-hyper', onset: daysAgo(30) });
  const calcium = draftWithDose(DRUGS.calciumVitaminD, 1000, { id: 'draft-ca', text: 'Calcigran' });
  test.each([
    [
      'patient-view',
      () => patientView([phpt, hypercalcaemia]),
      () => patientView([hypercalcaemia, phpt]),
    ],
    [
      'order with calcium and teriparatide',
      () => orderTime([phpt, hypercalcaemia], [calcium, teriparatide()]),
      () => orderTime([hypercalcaemia, phpt], [calcium, teriparatide()]),
    ],
  ])('%s', (_label, one, other) => {
    const findings = one();
    expect(findings.length).toBeGreaterThan(0);
    expect(other()).toEqual(findings);
  });
});

test('NOW is the pinned clock these tables assume', () => {
  expect(NOW.toISOString()).toBe('2026-11-22T10:00:00.000Z');
});
