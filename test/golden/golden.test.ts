/**
 * Golden request / response pairs: every hook call of the synthetic patient
 * library (test/fixtures) sent as an EHR would — full prefetch, Norwegian cards,
 * the clock pinned — and compared with the pair checked in next to this file.
 * A change to any card text, rule or evidence shows here as a reviewable diff.
 *
 * Regenerate after an intended change: UPDATE_GOLDEN=1 npx jest test/golden
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { RECOMMENDATION_CODES, RULES } from '../../src/guideline/catalogue';
import {
  hookCalls,
  hookRequest,
  loadLibrary,
  localPrefetch,
  type HookCall,
  type LibraryPatient,
} from '../fixtures/load';
import { testApp } from '../helpers/app';
import { NOW } from '../helpers/fhir';

const PAIRS_DIR = join(__dirname, 'pairs');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SERVICE: Record<HookCall['hook'], string> = {
  'patient-view': 'fls-patient-view',
  'order-select': 'fls-order-select',
  'order-sign': 'fls-order-sign',
};
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Card and suggestion uuids are random by design: number them in order of appearance. */
function normaliseIds(value: unknown): unknown {
  const seen = new Map<string, string>();
  return JSON.parse(
    JSON.stringify(value).replace(UUID, (uuid) => {
      if (!seen.has(uuid)) seen.set(uuid, `uuid-${seen.size + 1}`);
      return seen.get(uuid) as string;
    }),
  );
}

const calls = loadLibrary(NOW).flatMap((patient: LibraryPatient) =>
  hookCalls(patient).map((call) => ({ patient, call, name: `${patient.name}.${call.hook}` })),
);
const produced = new Set<string>();

describe('golden request / response pairs (test/golden/pairs)', () => {
  // One service per profile; cards in the profile's language (nb, da, sv).
  const apps = {
    no: testApp().app,
    dk: testApp({ profile: 'dk' }).app,
    se: testApp({ profile: 'se' }).app,
  };
  if (UPDATE) mkdirSync(PAIRS_DIR, { recursive: true });

  test.each(calls.map((entry) => [entry.name, entry] as const))(
    '%s',
    async (_name, { patient, call, name }) => {
      const body = {
        ...hookRequest(patient, call, { prefetch: localPrefetch(patient) }),
        hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      };
      const response = await request(apps[patient.profile])
        .post(`/cds-services/${SERVICE[call.hook]}`)
        .send(body);
      expect(response.status).toBe(200);
      const cards = response.body.cards as { source: { topic: { code: string } } }[];
      const codes = cards.map((card) => card.source.topic.code);
      codes.forEach((code) => produced.add(code));
      // The library's expectation, written from rules.md independently of the code.
      expect([...codes].sort()).toEqual([...call.codes].sort());

      const pair = {
        description: patient.description,
        profile: patient.profile,
        language: response.headers['content-language'],
        request: body,
        response: normaliseIds(response.body),
      };
      const file = join(PAIRS_DIR, `${name}.json`);
      if (UPDATE) writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`);
      expect(existsSync(file)).toBe(true);
      expect(pair).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    },
  );

  test('every rule has a code, and the pairs produce every code of R1–R23 plus a Danish and a Swedish one', () => {
    const implemented = Object.values(RULES).flatMap((rule) => [...rule.codes]);
    expect([...implemented].sort()).toEqual([...RECOMMENDATION_CODES].sort());
    const pathway = (code: string) =>
      code.startsWith('fls-group-') || code.startsWith('fracture-chain-');
    expect(implemented.filter((code) => !pathway(code) && !produced.has(code))).toEqual([]);
    // Every branch of R24 / R25 is produced in test/rules/pathways.test.ts and rendered in test/cards.
    expect(['fls-group-2a', 'fracture-chain-visit'].filter((code) => !produced.has(code))).toEqual(
      [],
    );
  });
});
