/**
 * Each kind of one-click suggestion (issue #13 part 1), from FHIR test data through
 * the rules and the renderer, clock pinned: what it orders, for when, coded how.
 */
import type {
  Communication,
  FhirResource,
  MedicationRequest,
  MedicationStatement,
  ServiceRequest,
} from 'fhir/r4';
import type { Card } from '../../src/cards/card';
import { renderCards } from '../../src/cards/render';
import type { Language } from '../../src/cards/texts';
import { resolveGuidelineConfig, type GuidelineConfig } from '../../src/guideline/config';
import type { Finding } from '../../src/guideline/finding';
import { PROFILE_SETTINGS, type Profile } from '../../src/guideline/profiles';
import {
  activeRequest,
  administration,
  daysAgo,
  DRUGS,
  draftWithDose,
  fracture,
  labs,
  monthsAgo,
  NOW,
  PATIENT_ID,
  statement,
  tScore,
  yearsAgo,
} from '../helpers/fhir';
import { validateR4 } from '../helpers/fhir-validate';
import { orderTime, patientView } from '../rules/evaluate';

const TODAY = NOW.toISOString().slice(0, 10);

/** Full recent labs: nothing blocks a start of treatment. */
const normalLabs = (): FhirResource[] => [
  labs.calcium(2.4, daysAgo(20)),
  labs.albumin(41, daysAgo(20)),
  labs.creatinine(70, daysAgo(20)),
  labs.egfr(80, daysAgo(20)),
  labs.vitaminD(80, daysAgo(20)),
  labs.tsh(1.5, daysAgo(20)),
  labs.ft4(15, daysAgo(20)),
];

function render(
  findings: Finding[],
  resources: FhirResource[],
  options: { language?: Language; profile?: Profile; config?: GuidelineConfig } = {},
): Card[] {
  const profile = options.profile ?? 'no';
  return renderCards(findings, {
    language: options.language ?? 'en',
    patientId: PATIENT_ID,
    profile,
    labCodeSystem: PROFILE_SETTINGS[profile].labCodeSystem,
    ...(options.config?.orders.labPackage ? { labPackage: options.config.orders.labPackage } : {}),
    resourceOf: (reference) =>
      resources.find((resource) => `${resource.resourceType}/${resource.id}` === reference),
  });
}

function cardOf(cards: Card[], code: string): Card {
  const card = cards.find((candidate) => candidate.source.topic.code === code);
  if (!card)
    throw new Error(`no ${code} card among ${cards.map((c) => c.source.topic.code).join(', ')}`);
  return card;
}

function resources<T extends FhirResource>(card: Card, type: T['resourceType']): T[] {
  return (card.suggestions ?? []).flatMap((suggestion) =>
    suggestion.actions.flatMap((action) =>
      action.resource?.resourceType === type ? [action.resource as T] : [],
    ),
  );
}

function atcOf(request: MedicationRequest): string | undefined {
  return request.medicationCodeableConcept?.coding?.find(
    (coding) => coding.system === 'http://www.whocc.no/atc',
  )?.code;
}

function allValid(card: Card): void {
  for (const suggestion of card.suggestions ?? [])
    for (const action of suggestion.actions)
      if (action.resource) expect(validateR4(action.resource)).toEqual([]);
}

describe('R3 · start of treatment: the drugs the data leaves open, the favoured one recommended', () => {
  test('T-score −3.1, normal labs: alendronate (recommended), zoledronic acid, denosumab — at most one', () => {
    const data = [...normalLabs(), tScore('spine', -3.1, monthsAgo(2))];
    const card = cardOf(render(patientView(data), data), 'antiresorptive-indicated');
    expect(card.selectionBehavior).toBe('at-most-one');
    const first = card.suggestions?.map((suggestion) => ({
      recommended: suggestion.isRecommended ?? false,
      atc: resources<MedicationRequest>(
        { ...card, suggestions: [suggestion] },
        'MedicationRequest',
      ).map(atcOf),
    }));
    expect(first).toEqual([
      { recommended: true, atc: ['M05BA04'] },
      { recommended: false, atc: ['M05BA08'] },
      { recommended: false, atc: ['M05BX04'] },
    ]);
    const alendronate = resources<MedicationRequest>(card, 'MedicationRequest')[0];
    expect(alendronate?.dosageInstruction?.[0]).toMatchObject({
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
      doseAndRate: [
        {
          doseQuantity: { value: 70, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
        },
      ],
    });
    // Each start comes with its 3-month labs (calcium with albumin, 25-OH D), 2–4 months ahead.
    const labsOrdered = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(labsOrdered).toHaveLength(9);
    expect(labsOrdered[0]?.occurrencePeriod).toEqual({ start: '2027-01-22', end: '2027-03-22' });
    allValid(card);
  });

  test('eGFR 30: only denosumab, nothing to choose between', () => {
    const data = [
      ...normalLabs().filter((r) => !JSON.stringify(r).includes('98979-8')),
      labs.egfr(30, daysAgo(10)),
      tScore('spine', -3.1, monthsAgo(2)),
    ];
    const card = cardOf(render(patientView(data), data), 'antiresorptive-indicated');
    expect(resources<MedicationRequest>(card, 'MedicationRequest').map(atcOf)).toEqual(['M05BX04']);
    expect(card.selectionBehavior).toBe('any');
  });

  test('hypocalcaemia open: no start is offered (the hypocalcaemia card comes first)', () => {
    const data = [
      ...normalLabs().filter((r) => !JSON.stringify(r).includes('2000-8')),
      labs.calcium(2.0, daysAgo(5)),
      tScore('spine', -3.1, monthsAgo(2)),
    ];
    const cards = render(patientView(data), data);
    expect(cardOf(cards, 'hypocalcaemia')).toBeDefined();
    expect(
      resources<MedicationRequest>(cardOf(cards, 'antiresorptive-indicated'), 'MedicationRequest'),
    ).toEqual([]);
  });
});

describe('R2 · calcium + vitamin D with the dose the configuration gives', () => {
  test('eGFR 30: 500 mg calcium as tablets at most, 800 IU vitamin D, daily', () => {
    const data = [labs.egfr(30, daysAgo(10)), tScore('spine', -1.8, monthsAgo(2))];
    const card = cardOf(render(patientView(data), data), 'calcium-vitamin-d');
    const [supplement] = resources<MedicationRequest>(card, 'MedicationRequest');
    expect(atcOf(supplement as MedicationRequest)).toBe('A12AX');
    expect(supplement?.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity?.value).toBe(500);
    expect(supplement?.dosageInstruction?.[0]?.text).toBe(
      'Calcium 500 mg and vitamin D 800 IU daily',
    );
  });

  test('a site giving 1000 mg tablets still gets 500 mg with eGFR < 35 (R10)', () => {
    const config = resolveGuidelineConfig({ supplement: { calciumTabletMg: 1000 } });
    const low = [labs.egfr(30, daysAgo(10)), tScore('spine', -1.8, monthsAgo(2))];
    const normal = [labs.egfr(80, daysAgo(10)), tScore('spine', -1.8, monthsAgo(2))];
    const dose = (data: FhirResource[]) =>
      resources<MedicationRequest>(
        cardOf(render(patientView(data, config), data, { config }), 'calcium-vitamin-d'),
        'MedicationRequest',
      )[0]?.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity?.value;
    expect(dose(low)).toBe(500);
    expect(dose(normal)).toBe(1000);
  });

  test('vitamin D 30 nmol/L: the 25-OH D re-test 2–3 months after starting comes with the supplement', () => {
    const data = [labs.vitaminD(30, daysAgo(10)), labs.egfr(80, daysAgo(10))];
    const card = cardOf(render(patientView(data), data), 'calcium-vitamin-d');
    const [retest] = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(retest?.code?.coding?.[0]).toMatchObject({
      system: 'http://loinc.org',
      code: '62292-8',
    });
    expect(retest?.occurrencePeriod).toEqual({ start: '2027-01-22', end: '2027-02-22' });
  });
});

describe('order time · R14 changes the draft, never a new order', () => {
  test('calcium 1000 mg/day drafted with eGFR 26: an update of that draft to 500 mg daily', () => {
    const draft = draftWithDose(DRUGS.calciumVitaminD, 1000, { id: 'ca-draft' });
    const data = [labs.egfr(26, daysAgo(10))];
    const card = cardOf(render(orderTime(data, [draft]), [...data, draft]), 'calcium-dose-limit');
    const [suggestion] = card.suggestions ?? [];
    expect(suggestion?.actions).toHaveLength(1);
    const action = suggestion?.actions[0];
    expect(action?.type).toBe('update');
    const updated = action?.resource as MedicationRequest;
    expect(updated.id).toBe('ca-draft');
    expect(updated.medicationCodeableConcept).toEqual(draft.medicationCodeableConcept);
    expect(updated.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity?.value).toBe(500);
    expect(updated.dosageInstruction?.[0]?.timing?.repeat).toMatchObject({
      frequency: 1,
      period: 1,
      periodUnit: 'd',
    });
    allValid(card);
  });
});

describe('R19 · put on hold the record that is active, and book the DXA two years into the pause', () => {
  const pauseData = (record: FhirResource) => [
    record,
    tScore('spine', -3.0, yearsAgo(5.5)),
    tScore('spine', -2.1, monthsAgo(1)),
  ];

  test.each([
    [
      'an active prescription',
      activeRequest(DRUGS.alendronate, yearsAgo(5.2), { id: 'aln-rx' }),
      'MedicationRequest/aln-rx',
    ],
    [
      'an active statement',
      statement(DRUGS.alendronate, yearsAgo(5.2), { id: 'aln-st' }),
      'MedicationStatement/aln-st',
    ],
  ])('%s: an update to on-hold of that record', (_label, record, reference) => {
    const data = pauseData(record);
    const card = cardOf(render(patientView(data), data), 'treatment-pause-consider');
    const update = card.suggestions?.flatMap((s) => s.actions).find((a) => a.type === 'update');
    const held = update?.resource as MedicationRequest | MedicationStatement;
    expect(`${held.resourceType}/${held.id}`).toBe(reference);
    expect(held.status).toBe('on-hold');
    const [dxa] = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(dxa?.occurrenceDateTime).toBe('2028-11-21');
    allValid(card);
  });
});

describe('R20 · the next zoledronic acid infusion from its due day, with the labs before it', () => {
  test('one infusion 11 months ago, T-score −3.4: dose 2 due at 1 year', () => {
    const data = [
      administration(DRUGS.zoledronicAcid, monthsAgo(11)),
      tScore('spine', -3.4, monthsAgo(12)),
      labs.egfr(70, daysAgo(300)),
    ];
    const card = cardOf(render(patientView(data), data), 'zoledronic-acid-next-dose');
    const [infusion] = resources<MedicationRequest>(card, 'MedicationRequest');
    const due = infusion?.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod?.start;
    expect(due).toMatch(/^2026-12-2\d$/);
    const preLabs = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(preLabs.map((request) => request.code?.coding?.[0]?.code)).toEqual([
      '14682-9',
      '2000-8',
      '1751-7',
      '62292-8',
    ]);
    expect(preLabs[0]?.occurrencePeriod).toEqual({ start: TODAY, end: due });
  });

  test('eGFR 30: the labs only, never the infusion (R11)', () => {
    const data = [
      administration(DRUGS.zoledronicAcid, monthsAgo(11)),
      tScore('spine', -3.4, monthsAgo(12)),
      labs.egfr(30, daysAgo(10)),
    ];
    const card = cardOf(render(patientView(data), data), 'zoledronic-acid-next-dose');
    expect(resources<MedicationRequest>(card, 'MedicationRequest')).toEqual([]);
    expect(resources<ServiceRequest>(card, 'ServiceRequest').length).toBeGreaterThan(0);
  });
});

describe('R21 · denosumab now, one zoledronic acid dose as the alternative', () => {
  test('9 months since the last injection: denosumab 60 mg recommended; zoledronic acid once', () => {
    const data = [
      administration(DRUGS.denosumab, monthsAgo(9)),
      administration(DRUGS.denosumab, monthsAgo(15)),
      labs.egfr(70, daysAgo(10)),
    ];
    const card = cardOf(render(patientView(data), data), 'denosumab-overdue');
    expect(card.selectionBehavior).toBe('at-most-one');
    const [denosumab, zoledronic] = resources<MedicationRequest>(card, 'MedicationRequest');
    expect(atcOf(denosumab as MedicationRequest)).toBe('M05BX04');
    expect(denosumab?.dosageInstruction?.[0]?.timing?.repeat).toMatchObject({
      period: 6,
      periodUnit: 'mo',
    });
    expect(atcOf(zoledronic as MedicationRequest)).toBe('M05BA08');
    expect(zoledronic?.dosageInstruction?.[0]?.timing?.repeat).toEqual({ count: 1 });
    expect(card.suggestions?.map((s) => s.isRecommended ?? false)).toEqual([true, false]);
  });
});

describe('referrals · SNOMED CT coded ServiceRequests for the service named', () => {
  test('R23: fall prevention after a recent fracture', () => {
    const data = [fracture('radius', monthsAgo(2))];
    const card = cardOf(render(patientView(data), data), 'fall-risk-assessment');
    const [referral] = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(referral?.category?.[0]?.coding?.[0]).toMatchObject({
      system: 'http://snomed.info/sct',
      code: '3457005',
    });
    expect(referral?.performerType?.text).toBe('Falls prevention (falls clinic / physiotherapy)');
    allValid(card);
  });

  test('R5: endocrinology for teriparatide', () => {
    const data = [...normalLabs(), tScore('spine', -4.3, monthsAgo(2))];
    const card = cardOf(render(patientView(data), data), 'anabolic-referral');
    const [referral] = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(referral?.code?.coding?.[0]).toMatchObject({
      system: 'http://snomed.info/sct',
      code: '306118006',
    });
  });
});

describe('letters · in the language of the profile that sends them', () => {
  test('Danish group letter (R24) is Danish even on an English card', () => {
    const data = [fracture('radius', monthsAgo(4)), tScore('spine', -1.8, monthsAgo(1))];
    const card = cardOf(
      render(patientView(data, undefined, 'dk'), data, { profile: 'dk', language: 'en' }),
      'fls-group-2a',
    );
    const [letter] = resources<Communication>(card, 'Communication');
    expect(letter?.language).toBe('da');
    expect(letter?.payload?.[0]?.contentString).toContain(
      'Du har let nedsat knoglemasse (osteopeni).',
    );
    expect(letter?.recipient?.[0]?.reference).toBe(`Patient/${PATIENT_ID}`);
    allValid(card);
  });

  test('Swedish fracture-chain letter (R25) names the visit within 2 months', () => {
    const data = [fracture('radius', monthsAgo(4)), tScore('spine', -2.7, monthsAgo(1))];
    const card = cardOf(
      render(patientView(data, undefined, 'se'), data, { profile: 'se', language: 'sv' }),
      'fracture-chain-visit',
    );
    const [letter] = resources<Communication>(card, 'Communication');
    expect(letter?.payload?.[0]?.contentString).toContain('inom 2 månader');
  });
});

describe("the site's lab package: one order instead of one per analyte", () => {
  test('configured: R1 orders the package, each analyte in orderDetail', () => {
    const labPackage = {
      system: 'urn:oid:2.16.578.1.12.4.1.1.9999',
      code: 'OSTEO-PRIM',
      display: 'Osteoporose-primærscreening',
    };
    const config = resolveGuidelineConfig({ orders: { labPackage } });
    const data = [fracture('radius', monthsAgo(2))];
    const card = cardOf(
      render(patientView(data, config), data, { config }),
      'screening-labs-missing',
    );
    const orders = resources<ServiceRequest>(card, 'ServiceRequest');
    expect(orders).toHaveLength(1);
    expect(orders[0]?.code?.coding).toEqual([labPackage]);
    expect(orders[0]?.orderDetail?.map((detail) => detail.coding?.[0]?.code)).toEqual([
      '2000-8',
      '1751-7',
      '14682-9',
      '62292-8',
      '3016-3',
      '3024-7',
    ]);
    allValid(card);
  });

  test('not configured: one order per analyte', () => {
    const data = [fracture('radius', monthsAgo(2))];
    const card = cardOf(render(patientView(data), data), 'screening-labs-missing');
    expect(resources<ServiceRequest>(card, 'ServiceRequest')).toHaveLength(6);
  });
});
