/**
 * Suggestions that act (issue #13): every card of the patient library, in every
 * language and profile (test/cards/corpus.ts), with its one-click actions.
 * - Every suggested resource is a valid FHIR R4 resource, checked by the
 *   independent validator (test/helpers/fhir-validate.ts, from the R4 definitions).
 * - No suggestion orders what another card of the same response blocks, judged
 *   from the cards alone by ATC code (rules.md "Coherence between cards").
 * - Cards that ask for an action carry one; alternatives are at-most-one.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { renderedCards, type RenderedCard } from './corpus';
import { validateR4 } from '../helpers/fhir-validate';

const corpus = renderedCards();

const ATC = 'http://www.whocc.no/atc';

function resourcesOf(card: RenderedCard['card']): FhirResource[] {
  return (card.suggestions ?? []).flatMap((suggestion) =>
    suggestion.actions.flatMap((action) => (action.resource ? [action.resource] : [])),
  );
}

/** The ATC codes a card's suggestions would order (created or updated MedicationRequests). */
function orderedAtc(card: RenderedCard['card']): string[] {
  return resourcesOf(card).flatMap((resource) =>
    resource.resourceType === 'MedicationRequest'
      ? ((resource as MedicationRequest).medicationCodeableConcept?.coding ?? []).flatMap(
          (coding) => (coding.system === ATC && coding.code ? [coding.code] : []),
        )
      : [],
  );
}

describe('every suggested resource is valid FHIR R4 (required elements, bindings, codings with system and code)', () => {
  const resources = corpus.flatMap((entry) =>
    resourcesOf(entry.card).map((resource) => ({ entry, resource })),
  );

  test('the library offers every kind of order: drugs, labs, DXA, referrals, letters, updates', () => {
    const kinds = new Set(
      corpus.flatMap(({ card }) =>
        (card.suggestions ?? []).flatMap((suggestion) =>
          suggestion.actions.map((action) =>
            action.type === 'delete'
              ? 'delete'
              : `${action.type} ${action.resource?.resourceType ?? ''}`,
          ),
        ),
      ),
    );
    expect([...kinds].sort()).toEqual(
      [
        'create Communication',
        'create MedicationRequest',
        'create ServiceRequest',
        'delete',
        'update MedicationRequest',
        'update MedicationStatement',
      ].sort(),
    );
  });

  test.each(['MedicationRequest', 'ServiceRequest', 'Communication', 'MedicationStatement'])(
    'every %s validates',
    (type) => {
      const ofType = resources.filter(({ resource }) => resource.resourceType === type);
      expect(ofType.length).toBeGreaterThan(0);
      const problems = ofType.flatMap(({ entry, resource }) =>
        validateR4(resource).map(
          (error) => `${entry.source} ${entry.profile} ${entry.code}: ${error}`,
        ),
      );
      expect([...new Set(problems)]).toEqual([]);
    },
  );

  test('a created order is a draft for this patient; a drug order carries ATC, a dose and a schedule', () => {
    for (const { entry, resource } of resources) {
      const where = `${entry.source} ${entry.code}`;
      if (resource.resourceType === 'MedicationRequest' && !resource.id) {
        expect({ where, status: resource.status, intent: resource.intent }).toEqual({
          where,
          status: 'draft',
          intent: 'proposal',
        });
        expect(resource.subject.reference).toBe('Patient/pat-corpus');
        expect(resource.medicationCodeableConcept?.coding?.some((c) => c.system === ATC)).toBe(
          true,
        );
        const dosage = resource.dosageInstruction?.[0];
        expect(dosage?.text).toEqual(expect.any(String));
        expect(dosage?.timing?.repeat).toBeDefined();
        expect(dosage?.route?.coding?.[0]?.system).toBe('http://snomed.info/sct');
      }
      if (resource.resourceType === 'ServiceRequest') {
        expect(resource.status).toBe('draft');
        expect(resource.subject.reference).toBe('Patient/pat-corpus');
      }
    }
  });
});

/**
 * What each card blocks, by ATC (codes.md), written here from rules.md — not
 * imported from src/ — so the test judges the service rather than repeats it.
 */
const BISPHOSPHONATES_ORAL = ['M05BA04', 'M05BA06', 'M05BA07'];
const ANTIRESORPTIVES = [...BISPHOSPHONATES_ORAL, 'M05BA08', 'M05BX04'];
const SUPPLEMENTS = ['A12AX', 'A12AA04', 'A11CC05'];
const BLOCKS: Record<string, readonly string[]> = {
  hypocalcaemia: ANTIRESORPTIVES, // R6
  hypercalcaemia: SUPPLEMENTS, // R7 (vitamin D too)
  'contraindication-calcium': SUPPLEMENTS, // R13
  'renal-impairment': [...BISPHOSPHONATES_ORAL, 'M05BA08'], // R10, R28
  'contraindication-zoledronic-acid': ['M05BA08'], // R11
  'contraindication-oral-bisphosphonate': BISPHOSPHONATES_ORAL, // R28
  'atypical-femur-fracture': ANTIRESORPTIVES, // R26
  'jaw-osteonecrosis-history': ANTIRESORPTIVES, // R27
};

describe('no suggestion orders what another card of the response blocks (rules.md "Coherence")', () => {
  const responses = new Map<string, RenderedCard[]>();
  for (const entry of corpus) {
    const key = `${entry.source} ${entry.profile} ${entry.language}`;
    responses.set(key, [...(responses.get(key) ?? []), entry]);
  }

  test('across the library, in every profile and language', () => {
    const violations: string[] = [];
    let blockingResponses = 0;
    for (const [key, cards] of responses) {
      const blocked = new Set(cards.flatMap((entry) => BLOCKS[entry.code] ?? []));
      if (blocked.size > 0) blockingResponses += 1;
      for (const entry of cards)
        for (const atc of orderedAtc(entry.card))
          if (blocked.has(atc)) violations.push(`${key}: ${entry.code} orders ${atc}`);
    }
    expect(violations).toEqual([]);
    // The library has responses with blocking cards, so the check was exercised.
    expect(blockingResponses).toBeGreaterThan(10);
  });

  test('R3 with eGFR < 35 and an alendronate intolerance (s08) offers denosumab only', () => {
    const cards = corpus.filter(
      (entry) =>
        entry.source === 's08-egfr-31-alendronate-intolerance.patient-view' &&
        entry.code === 'antiresorptive-indicated' &&
        entry.language === 'en',
    );
    expect(cards.length).toBeGreaterThan(0);
    for (const { card } of cards) expect(orderedAtc(card)).toEqual(['M05BX04']);
  });
});

describe('cards that ask for an action offer it, one click away', () => {
  /** Codes whose card always asks for an order, a referral or a letter. */
  const ACTING = [
    'screening-labs-missing',
    'calcium-vitamin-d',
    'followup-labs-due',
    'dxa-due',
    'fall-risk-assessment',
    'secondary-osteoporosis',
    'dxa-needed',
    'fls-group-1',
    'fls-group-2a',
    'fls-group-2b',
    'fls-group-3',
    'fracture-chain-visit',
    'fracture-chain-no-visit',
    'zoledronic-acid-next-dose',
    'treatment-pause-consider',
    'calcium-dose-limit',
  ];

  test.each(ACTING)('%s', (code) => {
    const cards = corpus.filter((entry) => entry.code === code);
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.filter(({ card }) => !card.suggestions?.length).map((c) => c.source)).toEqual([]);
  });

  test('alternatives are at-most-one with exactly one recommended', () => {
    for (const { source, code, card } of corpus) {
      const recommended = (card.suggestions ?? []).filter((s) => s.isRecommended).length;
      if (card.selectionBehavior === 'at-most-one') {
        // Alternatives mean two or more to choose from.
        expect({ source, code, many: (card.suggestions?.length ?? 0) >= 2 }).toEqual({
          source,
          code,
          many: true,
        });
        expect({ source, code, recommended }).toEqual({ source, code, recommended: 1 });
      }
      if (card.suggestions?.length) expect(card.selectionBehavior).toBeDefined();
    }
  });

  test('the start of treatment is offered where nothing blocks it, with its 3-month labs', () => {
    const starts = corpus.filter(
      ({ code, card }) =>
        code === 'antiresorptive-indicated' &&
        orderedAtc(card).some((atc) => atc.startsWith('M05')),
    );
    expect(starts.length).toBeGreaterThan(0);
    for (const { card } of starts) {
      for (const suggestion of card.suggestions ?? []) {
        const labs = suggestion.actions.filter(
          (action) => action.resource?.resourceType === 'ServiceRequest',
        );
        // Calcium is always ordered with albumin (rules.md "Coherence").
        const loinc = labs.flatMap((action) =>
          action.resource?.resourceType === 'ServiceRequest'
            ? (action.resource.code?.coding ?? []).map((coding) => coding.code)
            : [],
        );
        expect(loinc).toEqual(expect.arrayContaining(['2000-8', '1751-7', '62292-8']));
        for (const action of labs)
          if (action.resource?.resourceType === 'ServiceRequest')
            expect(action.resource.occurrencePeriod?.start).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });
});
