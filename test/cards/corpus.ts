/**
 * Every card the service can show for the synthetic patient library
 * (test/fixtures), rendered in every language under every profile, plus every
 * branch of the Danish and Swedish pathways (R24, R25), which the library shows
 * only one branch of each. Used by the card length test (and to measure:
 * CARD_LENGTHS=1 npx jest test/cards/lengths prints every card's lengths).
 */
import type { FhirResource } from 'fhir/r4';
import type { Card } from '../../src/cards/card';
import { renderCards } from '../../src/cards/render';
import { LANGUAGES, type Language } from '../../src/cards/texts';
import { DEFAULT_GUIDELINE_CONFIG, snapshotSettings } from '../../src/guideline/config';
import { evaluate } from '../../src/guideline/engine';
import type { Finding } from '../../src/guideline/finding';
import { PROFILE_SETTINGS, PROFILES, type Profile } from '../../src/guideline/profiles';
import { buildSnapshot } from '../../src/patient/build';
import { hookCalls, loadLibrary } from '../fixtures/load';
import { fracture, frax, monthsAgo, NOW, tScore } from '../helpers/fhir';
import { patientView } from '../rules/evaluate';

export interface RenderedCard {
  /** Library patient and hook (`r03-antiresorptive-indicated.patient-view`) or pathway branch. */
  source: string;
  profile: Profile;
  language: Language;
  code: string;
  card: Card;
}

interface FindingSet {
  source: string;
  profile: Profile;
  findings: Finding[];
  /** The call's resources (record and drafts), for suggestions that update one. */
  resources: readonly FhirResource[];
}

/** Every hook call of every library patient, evaluated under every profile. */
function libraryFindingSets(): FindingSet[] {
  return loadLibrary(NOW).flatMap((patient) =>
    hookCalls(patient).flatMap((call) =>
      PROFILES.map((profile) => {
        const snapshot = buildSnapshot({
          patientId: patient.patientId,
          resources: patient.resources,
          draftOrders: call.draftOrders,
          ...(call.selections ? { selections: call.selections } : {}),
          now: NOW,
          settings: snapshotSettings(DEFAULT_GUIDELINE_CONFIG),
        });
        const findings = evaluate(
          call.hook === 'patient-view' ? 'patient-view' : 'order',
          snapshot,
          NOW,
          DEFAULT_GUIDELINE_CONFIG,
          profile,
        );
        return {
          source: `${patient.name}.${call.hook}`,
          profile,
          findings,
          resources: [...patient.resources, ...call.draftOrders],
        };
      }),
    ),
  );
}

/** Every branch of the Danish groups (1, 2a, 2b, 3) and the Swedish fracture chain (visit / no visit). */
function pathwayFindingSets(): FindingSet[] {
  const wrist = () => fracture('radius', monthsAgo(4));
  const dxa = (value: number) => tScore('spine', value, monthsAgo(1));
  const dk = (label: string, resources: Parameters<typeof patientView>[0]): FindingSet => ({
    source: `pathway dk ${label}`,
    profile: 'dk',
    findings: patientView(resources, DEFAULT_GUIDELINE_CONFIG, 'dk'),
    resources,
  });
  const se = (label: string, resources: Parameters<typeof patientView>[0]): FindingSet => ({
    source: `pathway se ${label}`,
    profile: 'se',
    findings: patientView(resources, DEFAULT_GUIDELINE_CONFIG, 'se'),
    resources,
  });
  return [
    ...[-0.5, -1.8, -2.7, -4.2].map((value) => dk(`T ${value}`, [wrist(), dxa(value)])),
    dk('hip fracture, T -1.2', [fracture('hip', monthsAgo(4)), dxa(-1.2)]),
    ...[-1.8, -2.7].map((value) => se(`T ${value}`, [wrist(), dxa(value)])),
    se('T -2.0, FRAX 25', [wrist(), dxa(-2.0), frax(25, monthsAgo(1))]),
  ];
}

/** The findings rendered in every language with the profile's settings. */
export function renderedCards(): RenderedCard[] {
  return [...libraryFindingSets(), ...pathwayFindingSets()].flatMap(
    ({ source, profile, findings, resources }) =>
      LANGUAGES.flatMap((language) =>
        renderCards(findings, {
          language,
          patientId: 'pat-corpus',
          profile,
          labCodeSystem: PROFILE_SETTINGS[profile].labCodeSystem,
          newId: () => '00000000-0000-4000-8000-000000000000',
          resourceOf: (reference) =>
            resources.find((resource) => `${resource.resourceType}/${resource.id}` === reference),
        }).map((card, index) => ({
          source,
          profile,
          language,
          code: findings[index]?.code ?? '?',
          card,
        })),
      ),
  );
}
