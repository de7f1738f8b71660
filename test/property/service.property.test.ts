/**
 * Properties 1 and 2 (issue #8), through HTTP on the real app (auth off, clock
 * pinned, in-memory store): for any generated patient and any hook
 * 1. the answer is 200 with a schema-valid CDS Hooks response — never a 5xx, never
 *    a crash — and its suggestions create draft orders and letters for this patient,
 *    update only this call's drafts or the patient's own orders, remove only drafts;
 * 2. no card recommends a drug the patient's own data contraindicates (R10–R14,
 *    R26–R29), as the independent oracle (oracle.ts) reads the data;
 * 3. the cards of one response never contradict each other (coherence.ts).
 */
import fc from 'fast-check';
import { testApp } from '../helpers/app';
import { patientSpecArb, HOOKS, type Hook } from './arbitraries';
import { deletions } from './cards';
import { coherenceViolations } from './coherence';
import { call, requestFor, runs, settings } from './harness';
import { safetyViolations, type Coverage } from './safety';

const { app } = testApp({ bodyLimitBytes: 5_000_000 });
const TIMEOUT_MS = 120_000;
const PROPERTY_2_RUNS = 120;
const ORDER_SITUATIONS = [
  'contraindication-zoledronic-acid (critical)',
  'contraindication-zoledronic-acid',
  'contraindication-teriparatide (critical)',
  'contraindication-calcium (critical)',
  'calcium-dose-limit',
  'hypocalcaemia (critical)',
  'hypercalcaemia (critical)',
  'jaw-osteonecrosis-history (critical)',
  'contraindication-oral-bisphosphonate (critical)',
];

describe('property 1: any valid patient, any hook → 200 with schema-valid cards', () => {
  it.each(HOOKS)(
    '%s',
    async (hook: Hook) => {
      await fc.assert(
        fc.asyncProperty(patientSpecArb(), async (spec) => {
          const body = requestFor(spec, hook);
          const answer = await call(app, hook, body);
          expect({ status: answer.status, body: answer.text.slice(0, 300) }).toEqual({
            status: 200,
            body: expect.any(String),
          });
          const drafts = new Set(
            hook === 'patient-view'
              ? []
              : spec.drafts.map((draft) => `MedicationRequest/${draft.id}`),
          );
          // What an update may change: this call's drafts or the patient's orders on record.
          const records = new Set([
            ...drafts,
            ...spec.medications.map((medication) => `${medication.type}/${medication.id}`),
          ]);
          for (const card of answer.cards) {
            for (const suggestion of card.suggestions ?? []) {
              for (const action of suggestion.actions) {
                // Orders (tests, referrals, drugs) and letters are created as drafts for the
                // clinician to sign; an update changes a draft of this call or an order on record.
                if (action.type === 'create') {
                  expect(['ServiceRequest', 'MedicationRequest', 'Communication']).toContain(
                    action.resource?.resourceType,
                  );
                  expect(action.resource).toMatchObject({ status: expect.any(String) });
                  expect(JSON.stringify(action.resource)).toContain('"reference":"Patient/pat-1"');
                } else if (action.type === 'update') {
                  const resource = action.resource as { resourceType?: string; id?: string };
                  expect(records).toContain(`${resource.resourceType}/${resource.id}`);
                }
              }
            }
            for (const target of deletions(card)) expect(drafts).toContain(target);
          }
          // Cards are about this patient: the only patient reference in the answer is pat-1.
          expect(answer.text).not.toContain('pat-2');
        }),
        settings(40),
      );
    },
    TIMEOUT_MS,
  );
});

describe('properties 2 and 3: never a drug the same patient data contraindicates (R10–R14, R26–R29), never two cards that contradict each other', () => {
  /** Situations each hook's runs must meet, or the property proved nothing (counted in safety.ts). */
  const REQUIRED: Record<Hook, string[]> = {
    'patient-view': [
      'eGFR certainly < 35',
      'antiresorptive card with eGFR < 35',
      'hypocalcaemia certain',
      'calcium contraindicated',
      'teriparatide contraindicated',
      'anabolic referral with teriparatide contraindicated',
      // One-click orders of drugs were offered, so "never a ruled-out drug" was tested on them.
      'suggestion orders denosumab',
      'suggestion orders zoledronicAcid',
      'suggestion orders calcium',
    ],
    'order-select': ORDER_SITUATIONS,
    'order-sign': ORDER_SITUATIONS,
  };

  it.each(HOOKS)(
    '%s',
    async (hook: Hook) => {
      const coverage: Coverage = {};
      await fc.assert(
        fc.asyncProperty(patientSpecArb(), async (spec) => {
          const answer = await call(app, hook, requestFor(spec, hook));
          expect(answer.status).toBe(200);
          expect(safetyViolations(spec, hook, answer.cards, coverage)).toEqual([]);
          expect(coherenceViolations(answer.cards)).toEqual([]);
        }),
        settings(PROPERTY_2_RUNS),
      );
      if (process.env.FC_COVERAGE) console.log(hook, coverage);
      if (runs(PROPERTY_2_RUNS) >= PROPERTY_2_RUNS) {
        const missed = REQUIRED[hook].filter((situation) => !coverage[`${hook}: ${situation}`]);
        expect(missed).toEqual([]);
      }
    },
    TIMEOUT_MS,
  );
});
