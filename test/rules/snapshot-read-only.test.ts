/**
 * The rules and the card rendering read the patient snapshot and never change it:
 * rules are pure functions of (snapshot, now, config). A rule that sorted a
 * snapshot list in place, or added a field to a lab result, would make the cards
 * of one call depend on the rules that ran before. The benchmark's scenario 6
 * (bench/reuse-snapshot.ts) relies on it as well: it serves one snapshot to every
 * call.
 *
 * Each snapshot is frozen to its leaves before the rules run; in strict mode any
 * write (an assignment, a push, an in-place sort) then throws.
 */
import { benchPatient } from '../../bench/patient';
import { renderCards } from '../../src/cards/render';
import { DEFAULT_GUIDELINE_CONFIG, snapshotSettings } from '../../src/guideline/config';
import { evaluate } from '../../src/guideline/engine';
import type { Profile } from '../../src/guideline/profiles';
import { buildSnapshot, type SnapshotInput } from '../../src/patient/build';
import { hookCalls, loadLibrary } from '../fixtures/load';
import { NOW } from '../helpers/fhir';

interface Case {
  label: string;
  input: SnapshotInput;
  hook: 'patient-view' | 'order';
  profile: Profile;
}

const settings = snapshotSettings(DEFAULT_GUIDELINE_CONFIG);

const libraryCases: Case[] = loadLibrary(NOW).flatMap((patient) =>
  hookCalls(patient).map((call) => ({
    label: `${patient.name} ${call.hook}`,
    input: {
      patientId: patient.patientId,
      resources: patient.resources,
      draftOrders: call.draftOrders,
      ...(call.hook === 'order-select' && call.selections ? { selections: call.selections } : {}),
      now: NOW,
      settings,
    },
    hook: call.hook === 'patient-view' ? ('patient-view' as const) : ('order' as const),
    profile: patient.profile,
  })),
);

function benchCase(): Case {
  const patient = benchPatient(100, NOW);
  return {
    label: 'the benchmark patient (100 resources) patient-view',
    input: { patientId: patient.patientId, resources: patient.resources, now: NOW, settings },
    hook: 'patient-view',
    profile: 'no',
  };
}

const cases = [...libraryCases, benchCase()];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value))
      deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}

function run(testCase: Case, frozen: boolean) {
  const built = buildSnapshot(testCase.input);
  const snapshot = frozen ? deepFreeze(built) : built;
  const findings = evaluate(
    testCase.hook,
    snapshot,
    NOW,
    DEFAULT_GUIDELINE_CONFIG,
    testCase.profile,
  );
  const cards = renderCards(findings, {
    language: 'en',
    patientId: testCase.input.patientId,
    profile: testCase.profile,
    newId: () => '00000000-0000-4000-8000-000000000000',
  });
  return { snapshot, findings, cards };
}

describe('rules.md "Rules": the rules and the cards only read the snapshot', () => {
  test('the library, its hook calls and the benchmark patient are all here', () => {
    expect(libraryCases.length).toBeGreaterThanOrEqual(50);
    // Not a vacuous check: most of these calls give cards.
    const withCards = cases.filter((testCase) => run(testCase, false).findings.length > 0);
    expect(withCards.length).toBeGreaterThan(cases.length / 2);
  });

  test.each(cases.map((testCase) => [testCase.label, testCase] as const))(
    '%s: the same findings and cards from a frozen snapshot, and twice from one snapshot',
    (_label, testCase) => {
      const fresh = run(testCase, false);
      const frozen = run(testCase, true);
      expect(frozen.findings).toEqual(fresh.findings);
      expect(frozen.cards).toEqual(fresh.cards);
      // A second run on the very same (frozen) snapshot: nothing left over from the first.
      const again = evaluate(
        testCase.hook,
        frozen.snapshot,
        NOW,
        DEFAULT_GUIDELINE_CONFIG,
        testCase.profile,
      );
      expect(again).toEqual(fresh.findings);
    },
  );
});
