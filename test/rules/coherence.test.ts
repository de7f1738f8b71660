/**
 * rules.md "Coherence between cards": the cards of one response are one clinical
 * message. Each case of issue 12's "Seen" list, as the rule that now holds.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { renderCard } from '../../src/cards/render';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import type { Finding } from '../../src/guideline/finding';
import {
  activeRequest,
  administration,
  atc,
  daysAgo,
  DRUGS,
  fracture,
  labs,
  medicationRequest,
  monthsAgo,
  rxnorm,
  stoppedRequest,
  tScore,
  yearsAgo,
} from '../helpers/fhir';
import { codesOf, only, orderTime, patientView } from './evaluate';

const summary = (finding: Finding) =>
  renderCard(finding, { language: 'en', patientId: 'pat-1', newId: () => 'x' }).summary;

describe('R21 vs R3 / R4: lapsed denosumab is on treatment', () => {
  test('injections only, last 9 months ago, a new vertebral fracture since: R21, never R3 or R4', () => {
    const resources = [
      administration(DRUGS.denosumab, monthsAgo(21)),
      administration(DRUGS.denosumab, monthsAgo(15)),
      administration(DRUGS.denosumab, monthsAgo(9)),
      fracture('vertebra', monthsAgo(1)),
    ];
    const codes = codesOf(patientView(resources));
    expect(codes).toContain('denosumab-overdue');
    expect(codes).not.toContain('antiresorptive-indicated');
    expect(codes).not.toContain('treat-without-dxa');
    expect(codes).not.toContain('screening-labs-missing');
  });

  test('a stop recorded without a follow-on drug: still R21, still no R3', () => {
    const resources = [
      administration(DRUGS.denosumab, monthsAgo(9)),
      stoppedRequest(DRUGS.denosumab, monthsAgo(9), monthsAgo(8)),
      fracture('vertebra', monthsAgo(1)),
    ];
    const findings = patientView(resources);
    expect(only(findings, 'denosumab-overdue').reasons).toContain('stop-recorded');
    expect(codesOf(findings)).not.toContain('antiresorptive-indicated');
  });
});

describe('R21 only while denosumab is the latest drug; its text beyond 12 months', () => {
  test('denosumab stopped, alendronate for 3 months: no "give denosumab now"', () => {
    const resources = [
      administration(DRUGS.denosumab, monthsAgo(16)),
      administration(DRUGS.denosumab, monthsAgo(10)),
      activeRequest(DRUGS.alendronate, monthsAgo(3)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('denosumab-overdue');
  });

  test.each([
    [8, 'overdue', 'critical'],
    [11.9, 'overdue', 'critical'],
    [12.5, 'beyond-rebound', 'warning'],
    [21, 'beyond-rebound', 'warning'],
  ])('%d months after the last dose → %s', (months, reason, indicator) => {
    const finding = only(
      patientView([administration(DRUGS.denosumab, monthsAgo(months))]),
      'denosumab-overdue',
    );
    expect(finding.reasons[0]).toBe(reason);
    expect(finding.indicator).toBe(indicator);
    if (reason === 'beyond-rebound') {
      expect(summary(finding)).not.toMatch(/give the next dose now/);
      expect(finding.suggestions).toEqual([{ kind: 'order-dxa' }]);
    }
  });
});

describe('denosumab 120 mg (Xgeva) is oncology, not osteoporosis treatment', () => {
  test('every 4 weeks for bone metastases: no overdue card, no "lifelong", no R3 while it runs', () => {
    const xgeva = (date: string) => ({
      ...activeRequest(rxnorm('1046402', '1.7 ML denosumab 70 MG/ML Injection [Xgeva]'), date),
    });
    const findings = patientView([xgeva(monthsAgo(8)), fracture('vertebra', monthsAgo(3))]);
    expect(codesOf(findings)).not.toContain('denosumab-overdue');
    expect(codesOf(findings)).not.toContain('antiresorptive-indicated');
  });
});

describe('teriparatide at or past the limit: no "continue unchanged"', () => {
  test.each([22, 23, 25])('teriparatide for %d months, T-score improved but ≤ −2.5', (months) => {
    const resources = [
      activeRequest(DRUGS.teriparatide, monthsAgo(months)),
      tScore('spine', -3.6, monthsAgo(months + 1)),
      tScore('spine', -3.0, monthsAgo(months - 11)),
    ];
    const findings = patientView(resources);
    const dxa = findings.find((finding) => finding.code === 'dxa-due');
    expect(dxa?.reasons ?? []).not.toContain('improved-still-low');
    expect(
      codesOf(findings).some(
        (code) => code === 'teriparatide-transition' || code === 'max-duration-reached',
      ),
    ).toBe(true);
  });
});

describe('R7 blocks vitamin D as well as calcium', () => {
  test('hypercalcaemia, low PTH, 25-OH D 35: no vitamin D card, R7 names the low vitamin D', () => {
    const day = daysAgo(7);
    const findings = patientView([
      labs.calcium(2.75, day),
      labs.albumin(41, day),
      labs.pth(1.0, day),
      labs.vitaminD(35, day),
      tScore('spine', -2.8, monthsAgo(2)),
    ]);
    expect(codesOf(findings)).not.toContain('vitamin-d-low');
    expect(codesOf(findings)).not.toContain('calcium-vitamin-d');
    expect(only(findings, 'hypercalcaemia').reasons).toEqual(
      expect.arrayContaining(['vitamin-d-low', 'pth-low']),
    );
    const r3 = only(findings, 'antiresorptive-indicated');
    expect(r3.reasons).not.toContain('check-vitamin-d');
    expect(r3.terms?.blockers?.keys).toContain('hypercalcaemia');
  });

  test('at order time too: an antiresorptive drafted with hypercalcaemia gets no R8 card', () => {
    const day = daysAgo(7);
    const findings = orderTime(
      [labs.calcium(2.75, day), labs.albumin(41, day), labs.vitaminD(35, day)],
      [medicationRequest(DRUGS.alendronate, { id: 'd' })],
    );
    expect(codesOf(findings)).toContain('hypercalcaemia');
    expect(codesOf(findings)).not.toContain('vitamin-d-low');
  });
});

describe('R18 on denosumab carries the stopping warning', () => {
  test('no T-score response after 2 years of denosumab', () => {
    const resources = [
      ...[0, 0.5, 1, 1.5, 2].map((y) => administration(DRUGS.denosumab, yearsAgo(2.2 - y))),
      tScore('spine', -2.9, yearsAgo(2.3)),
      tScore('spine', -2.95, monthsAgo(1)),
    ];
    const finding = only(patientView(resources), 'treatment-response-inadequate');
    expect(finding.reasons).toContain('denosumab-never-stop');
    // No reimbursement note for a drug the patient is already given.
    expect(finding.reasons).not.toContain('check-adherence-switch');
  });
});

describe('R3 names its blockers and offers only what the data allows', () => {
  test('low calcium: the summary says to correct calcium first', () => {
    const day = daysAgo(7);
    const finding = only(
      patientView([
        tScore('spine', -2.9, monthsAgo(1)),
        labs.calcium(2.0, day),
        labs.albumin(41, day),
        labs.egfr(70, day),
        labs.vitaminD(80, day),
        labs.tsh(1.5, day),
        labs.ft4(15, day),
      ]),
      'antiresorptive-indicated',
    );
    expect(finding.terms?.blockers?.keys).toEqual(['hypocalcaemia']);
    expect(summary(finding)).toMatch(/first: correct calcium$/);
  });

  test('eGFR 31 and alendronate stopped for stomach pain: denosumab is the one option, and the summary says so', () => {
    const day = daysAgo(7);
    const finding = only(
      patientView([
        fracture('vertebra', monthsAgo(2)),
        tScore('spine', -2.6, monthsAgo(1)),
        stoppedRequest(DRUGS.alendronate, yearsAgo(3), yearsAgo(2), { reason: 'Magesmerter' }),
        labs.calcium(2.4, day),
        labs.albumin(41, day),
        labs.egfr(31, day),
        labs.vitaminD(80, day),
        labs.tsh(1.5, day),
        labs.ft4(15, day),
      ]),
      'antiresorptive-indicated',
    );
    expect(finding.terms?.options?.keys).toEqual(['denosumab']);
    expect(finding.reasons).toEqual(
      expect.arrayContaining([
        'zoledronic-acid-ruled-out',
        'oral-bisphosphonate-ruled-out',
        'intolerance-ruled-out',
      ]),
    );
    expect(summary(finding)).toMatch(/denosumab \(Prolia\)$/);
  });

  test('alendronate not tolerated, kidneys fine: another oral bisphosphonate takes its place', () => {
    const finding = only(
      patientView([
        tScore('spine', -2.9, monthsAgo(1)),
        stoppedRequest(DRUGS.alendronate, yearsAgo(3), yearsAgo(2), { reason: 'Øsofagitt' }),
      ]),
      'antiresorptive-indicated',
    );
    expect(finding.terms?.options?.keys).toEqual(['ibandronate', 'denosumab', 'zoledronicAcid']);
  });

  test('jaw osteonecrosis on record: oral-surgery assessment is a blocker', () => {
    const finding = only(
      patientView([
        tScore('spine', -2.9, monthsAgo(1)),
        {
          ...fracture('hip', yearsAgo(10)),
          code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'M87.1' }] },
        },
      ]),
      'antiresorptive-indicated',
    );
    expect(finding.terms?.blockers?.keys).toContain('jaw-osteonecrosis');
  });
});

describe('orders the service could not read, and RxNorm products', () => {
  test('hypocalcaemia and alendronate ordered as RxNorm 904431: the critical hypocalcaemia card, not an empty answer', () => {
    const day = daysAgo(7);
    const draft: MedicationRequest = medicationRequest(
      rxnorm('904431', 'alendronic acid 70 MG Oral Tablet'),
      { id: 'd' },
    );
    const findings = orderTime([labs.calcium(2.0, day), labs.albumin(41, day)], [draft]);
    expect(only(findings, 'hypocalcaemia').indicator).toBe('critical');
  });
});

describe('suggestions never order a lab drawn within the window', () => {
  test('Swedish fracture chain: the lab package drawn 10 days ago is not ordered again', () => {
    const day = daysAgo(10);
    const findings = patientView(
      [
        fracture('hip', monthsAgo(3)),
        tScore('spine', -2.7, monthsAgo(1)),
        labs.calcium(2.4, day),
        labs.albumin(41, day),
        labs.egfr(70, day),
        labs.vitaminD(80, day),
        labs.tsh(1.5, day),
        labs.ft4(15, day),
      ],
      DEFAULT_GUIDELINE_CONFIG,
      'se',
    );
    const visit = only(findings, 'fracture-chain-visit');
    // Nothing to draw again: only the letter to the patient (004) remains.
    expect(visit.suggestions).toEqual([
      { kind: 'letter', letter: 'fracture-chain-visit', recommended: true },
    ]);
    expect(visit.reasons).toContain('lab-package-recent');
  });

  test('only the missing part of the package is ordered', () => {
    const day = daysAgo(10);
    const visit = only(
      patientView(
        [
          fracture('hip', monthsAgo(3)),
          tScore('spine', -2.7, monthsAgo(1)),
          labs.calcium(2.4, day),
          labs.albumin(41, day),
        ],
        DEFAULT_GUIDELINE_CONFIG,
        'se',
      ),
      'fracture-chain-visit',
    );
    expect(visit.suggestions).toEqual([
      { kind: 'order-labs', labs: ['creatinine', 'vitaminD', 'tsh', 'ft4'], recommended: true },
      { kind: 'letter', letter: 'fracture-chain-visit', recommended: true },
    ]);
  });
});

test('letrozole is recognised as a fracture-risk drug (ATC L02BG04)', () => {
  expect(codesOf(patientView([activeRequest(atc('L02BG04'), monthsAgo(6))]))).toContain(
    'dxa-needed',
  );
});

describe('a medication history the service could not read is never read as "no treatment"', () => {
  const indication = () => [tScore('spine', -3.0, monthsAgo(2))];
  const record = (medication: Partial<FhirResource> & Record<string, unknown>): FhirResource =>
    ({
      resourceType: 'MedicationStatement',
      id: 'hist-1',
      status: 'active',
      subject: { reference: 'Patient/pat-1' },
      effectivePeriod: { start: monthsAgo(9) },
      ...medication,
    }) as FhirResource;

  test.each<[string, boolean, FhirResource]>([
    [
      'text only: "Prolia 60 mg injeksjonsvæske" with a local code',
      true,
      record({
        medicationCodeableConcept: {
          coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9999', code: 'X123' }],
          text: 'Prolia 60 mg injeksjonsvæske',
        },
      }),
    ],
    [
      'a Medication reference that does not resolve',
      true,
      record({ medicationReference: { reference: 'Medication/not-fetched' } }),
    ],
    [
      'a drug outside the catalogue, coded (metformin A10BA02)',
      false,
      record({
        medicationCodeableConcept: {
          coding: [{ system: 'http://www.whocc.no/atc', code: 'A10BA02' }],
          text: 'Metformin 500 mg',
        },
      }),
    ],
  ])('%s → R3 asks to check the medication list first: %s', (_label, flagged, history) => {
    const finding = only(patientView([...indication(), history]), 'antiresorptive-indicated');
    expect(finding.reasons.includes('check-medication-history')).toBe(flagged);
    expect(
      finding.evidence.some(
        (row) => row.item === 'medicationRecord' && row.source === 'MedicationStatement/hist-1',
      ),
    ).toBe(flagged);
  });
});
