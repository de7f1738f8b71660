/**
 * One service call, transport-free: validate → resolve prefetch → snapshot →
 * rules → cards. The HTTP layer maps the errors thrown here to status codes.
 */
import type { FhirResource } from 'fhir/r4';
import type { Card } from '../cards/card';
import { renderCards } from '../cards/render';
import type { Language } from '../cards/texts';
import { snapshotSettings, type GuidelineConfig } from '../guideline/config';
import { evaluate } from '../guideline/engine';
import { PROFILE_SETTINGS, type Profile } from '../guideline/profiles';
import { buildSnapshot } from '../patient/build';
import { resolvePrefetch, type FhirAccessOptions } from './prefetch';
import { parseCdsRequest } from './request';
import type { CdsServiceDefinition } from './services';

export interface ServiceDependencies {
  guideline: GuidelineConfig;
  /** The site's profile (rules.md "Profiles and languages"); `no` when not given. */
  profile?: Profile;
  fhir: FhirAccessOptions;
  now: () => Date;
  /**
   * FLS_PAGES_BASE_URL (docs/pages.md): patient-view cards link to the patient page
   * there. undefined: no link.
   */
  pagesBaseUrl?: string;
}

export interface ServiceResult {
  cards: Card[];
  /** For logs: which prefetch keys the service fetched itself, and the codes it answered with. */
  fetchedKeys: string[];
  codes: string[];
}

export async function callService(
  service: CdsServiceDefinition,
  body: unknown,
  language: Language,
  deps: ServiceDependencies,
): Promise<ServiceResult> {
  // Monotonic: the request deadline must not move with the (pinnable) clinical clock.
  const startedAt = performance.now();
  const request = parseCdsRequest(body, service);
  const now = deps.now();
  const prefetch = await resolvePrefetch(service.prefetch, request, deps.fhir, startedAt);
  const draftOrders = (request.context.draftOrders?.entry ?? []).flatMap((entry) =>
    entry.resource ? [entry.resource as FhirResource] : [],
  );
  const resources: FhirResource[] = [];
  for (const list of Object.values(prefetch.resources))
    for (const item of list) resources.push(item);
  const snapshot = buildSnapshot({
    patientId: request.context.patientId,
    resources,
    draftOrders,
    ...(service.hook === 'order-select' && request.context.selections
      ? { selections: request.context.selections }
      : {}),
    now,
    settings: snapshotSettings(deps.guideline),
  });
  const profile = deps.profile ?? 'no';
  const findings = evaluate(
    service.hook === 'patient-view' ? 'patient-view' : 'order',
    snapshot,
    now,
    deps.guideline,
    profile,
  );
  const cards = renderCards(findings, {
    language,
    patientId: request.context.patientId,
    profile,
    labCodeSystem: PROFILE_SETTINGS[profile].labCodeSystem,
    ...(deps.guideline.orders.labPackage ? { labPackage: deps.guideline.orders.labPackage } : {}),
    // Suggestions that update an order (R14's draft, R19's current order) need the resource itself.
    resourceOf: (reference) =>
      findByReference(draftOrders, reference) ?? findByReference(resources, reference),
  });
  if (service.hook === 'patient-view' && deps.pagesBaseUrl) {
    linkPatientPage(cards, deps.pagesBaseUrl, request.context.patientId, language);
  }
  return { cards, fetchedKeys: prefetch.fetched, codes: findings.map((finding) => finding.code) };
}

function findByReference(
  resources: readonly FhirResource[],
  reference: string,
): FhirResource | undefined {
  return resources.find((resource) => `${resource.resourceType}/${resource.id}` === reference);
}

const PATIENT_PAGE_LABEL: Record<Language, string> = {
  nb: 'FLS-tidslinje for pasienten',
  da: 'FLS-tidslinje for patienten',
  sv: 'FLS-tidslinje för patienten',
  en: "The patient's FLS timeline",
};

/** The first card links to the FLS patient page (one link per response is enough). */
function linkPatientPage(
  cards: Card[],
  baseUrl: string,
  patientId: string,
  language: Language,
): void {
  const first = cards[0];
  if (!first) return;
  const link = {
    label: PATIENT_PAGE_LABEL[language],
    url: `${baseUrl}/fls/patient.html?id=${encodeURIComponent(patientId)}`,
    type: 'absolute' as const,
  };
  first.links = [...(first.links ?? []), link];
}
