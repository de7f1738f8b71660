/**
 * Nordic pathways after a DXA (rules.md R24, R25, "Profiles and languages"):
 * Danish FLS groups (seed 003) and the Swedish fracture chain (seed 004).
 */
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import {
  activeRequest,
  daysAgo,
  DRUGS,
  fracture,
  frax,
  monthsAgo,
  patient,
  tScore,
} from '../helpers/fhir';
import { codesOf, only, patientView } from './evaluate';

const dk = (resources: Parameters<typeof patientView>[0]) =>
  patientView(resources, DEFAULT_GUIDELINE_CONFIG, 'dk');
const se = (resources: Parameters<typeof patientView>[0]) =>
  patientView(resources, DEFAULT_GUIDELINE_CONFIG, 'se');
const group = (codes: string[]) => codes.filter((code) => code.startsWith('fls-group-'));
const chain = (codes: string[]) => codes.filter((code) => code.startsWith('fracture-chain-'));
const radius = () => fracture('radius', monthsAgo(4));

describe('R24 · fls-group-* (dk; 003: grupper 1 / 2a / 2b / 3 efter DXA)', () => {
  test.each([
    [
      'T −1.0 after a wrist fracture → group 1 (normal BMD)',
      [radius(), tScore('spine', -1.0, monthsAgo(1))],
      'fls-group-1',
    ],
    [
      'T −1.1 → group 2a (osteopenia)',
      [radius(), tScore('spine', -1.1, monthsAgo(1))],
      'fls-group-2a',
    ],
    ['T −2.4 → group 2a', [radius(), tScore('hip', -2.4, monthsAgo(1))], 'fls-group-2a'],
    [
      'T −2.5 → group 2b (uncomplicated osteoporosis)',
      [radius(), tScore('hip', -2.5, monthsAgo(1))],
      'fls-group-2b',
    ],
    [
      'hip fracture, T −1.5 → group 2b (clinical osteoporosis)',
      [fracture('hip', monthsAgo(4)), tScore('hip', -1.5, monthsAgo(1))],
      'fls-group-2b',
    ],
    [
      'T −4.1 → group 3 (severe: R5 criteria)',
      [radius(), tScore('spine', -4.1, monthsAgo(1))],
      'fls-group-3',
    ],
    [
      'osteopenia with FRAX 25 % → 2b: treatment at the GP, so the cards agree',
      [radius(), tScore('spine', -1.8, monthsAgo(1)), frax(25, monthsAgo(1))],
      'fls-group-2b',
    ],
  ])('%s', (_label, resources, code) => {
    expect(group(codesOf(dk(resources)))).toEqual([code]);
  });

  test('group 3 is a warning, the others info; the card names the DXA value', () => {
    expect(only(dk([radius(), tScore('spine', -4.1, monthsAgo(1))]), 'fls-group-3').indicator).toBe(
      'warning',
    );
    const finding = only(dk([radius(), tScore('spine', -1.1, monthsAgo(1))]), 'fls-group-2a');
    expect(finding.indicator).toBe('info');
    expect(finding.params.tScore).toBe(-1.1);
    expect(finding.reasons).toEqual(['osteopenia', 'gp-before-rescan', 'letter']);
  });

  test.each([
    ['a DXA 93 days old', [radius(), tScore('spine', -1.1, daysAgo(93))]],
    ['no fracture (not an FLS patient)', [tScore('spine', -1.1, monthsAgo(1))]],
    [
      'under 50',
      [patient({ birthDate: '1990-01-01' }), radius(), tScore('spine', -1.1, monthsAgo(1))],
    ],
  ])('no group for %s', (_label, resources) => {
    expect(group(codesOf(dk(resources)))).toEqual([]);
  });

  test('only in the Danish profile', () => {
    expect(group(codesOf(patientView([radius(), tScore('spine', -1.1, monthsAgo(1))])))).toEqual(
      [],
    );
    expect(group(codesOf(se([radius(), tScore('spine', -1.1, monthsAgo(1))])))).toEqual([]);
  });
});

describe('R25 · fracture-chain-* (se; 004: "Om bentäthetsmätningen visar att det inte är osteoporos behövs inget besök")', () => {
  test.each([
    [
      'T −2.4 after a wrist fracture → no visit',
      [radius(), tScore('spine', -2.4, monthsAgo(1))],
      'fracture-chain-no-visit',
    ],
    [
      'T −2.5 → visit within 2 months',
      [radius(), tScore('spine', -2.5, monthsAgo(1))],
      'fracture-chain-visit',
    ],
    [
      'vertebral fracture, T −1.2 (clinical osteoporosis) → visit',
      [fracture('vertebra', monthsAgo(4)), tScore('spine', -1.2, monthsAgo(1))],
      'fracture-chain-visit',
    ],
    [
      'T −2.0 but FRAX 22 % (treatment indicated) → visit, so the cards agree',
      [radius(), tScore('spine', -2.0, monthsAgo(1)), frax(22, monthsAgo(1))],
      'fracture-chain-visit',
    ],
  ])('%s', (_label, resources, code) => {
    expect(chain(codesOf(se(resources)))).toEqual([code]);
  });

  test('the visit card orders the osteoporosis lab package before the visit and drafts the letter', () => {
    const finding = only(
      se([radius(), tScore('spine', -2.7, monthsAgo(1))]),
      'fracture-chain-visit',
    );
    expect(finding.suggestions).toEqual([
      {
        kind: 'order-labs',
        labs: ['calciumTotal', 'albumin', 'creatinine', 'vitaminD', 'tsh', 'ft4'],
        recommended: true,
      },
      { kind: 'letter', letter: 'fracture-chain-visit', recommended: true },
    ]);
    expect(finding.params.visitWithinMonths).toBe(2);
  });
});

describe('profiles: R3(c) counts only clinical osteoporosis in dk and se', () => {
  const wrist = () => [radius(), tScore('spine', -1.5, monthsAgo(1))];
  test('a wrist fracture with osteopenia: antiresorptive in no, not in dk / se', () => {
    expect(codesOf(patientView(wrist()))).toContain('antiresorptive-indicated');
    expect(codesOf(dk(wrist()))).not.toContain('antiresorptive-indicated');
    expect(codesOf(se(wrist()))).not.toContain('antiresorptive-indicated');
  });

  test('a hip fracture counts in every profile', () => {
    const hip = [fracture('hip', monthsAgo(4)), tScore('hip', -1.5, monthsAgo(1))];
    for (const findings of [patientView(hip), dk(hip), se(hip)])
      expect(codesOf(findings)).toContain('antiresorptive-indicated');
  });

  test('a treated patient still gets the group that routes the follow-up', () => {
    const treated = [
      radius(),
      tScore('spine', -2.8, monthsAgo(1)),
      activeRequest(DRUGS.alendronate, monthsAgo(2)),
    ];
    expect(group(codesOf(dk(treated)))).toEqual(['fls-group-2b']);
  });
});
