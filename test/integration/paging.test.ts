/**
 * Paging on a real HAPI server. HAPI pages every search (the labs template has no
 * `_count`); pat-r07 has years of quarterly calcium results, so her labs fill
 * several pages and her only PTH, from the diagnosis, is on the last one. The
 * service is reached through a recording proxy, so its page requests can be seen.
 */
import type { Bundle, Observation } from 'fhir/r4';
import { expectOutcome } from '../http/support';
import { hookRequest, loadPatient } from '../fixtures/load';
import {
  callFor,
  codesOf,
  comparable,
  fhirGet,
  fullPrefetch,
  hapiBaseUrl,
  implemented,
  integrationApp,
  loadIntoHapi,
  render,
  searchAllPages,
  serviceFor,
  startProxy,
  type CardBody,
  type FhirProxy,
} from './support';

const NOW = new Date();
const patient = loadPatient('r07-hypercalcaemia-paged', NOW);
const patientView = callFor(patient, 'patient-view');
const { id: serviceId, prefetch: templates } = serviceFor('patient-view');
const labsQuery = render(templates.labs ?? '', patient.patientId);
const service = integrationApp(NOW);
let hapi = '';
let proxy: FhirProxy;

/** The patient's lab Observations with one of these LOINC codes, newest first. */
const labResults = (code: string): Observation[] =>
  patient.resources
    .filter(
      (r): r is Observation =>
        r.resourceType === 'Observation' && r.code.coding?.[0]?.code === code,
    )
    .sort((a, b) => Date.parse(b.effectiveDateTime ?? '') - Date.parse(a.effectiveDateTime ?? ''));
const [newestCalcium, previousCalcium] = labResults('2000-8');
const [pth] = labResults('14866-8');

beforeAll(async () => {
  hapi = hapiBaseUrl();
  await loadIntoHapi(hapi, [patient]);
  proxy = await startProxy(hapi);
});

afterAll(async () => {
  await proxy.close();
});

const isPageRequest = (path: string) => path.includes('_getpages=');

test('HAPI pages the labs search of this patient', async () => {
  const first = (await fhirGet(`${hapi}/${labsQuery}`)) as Bundle;
  const all = await searchAllPages(hapi, labsQuery);
  expect(first.link?.some((link) => link.relation === 'next')).toBe(true);
  expect(all.pages).toBeGreaterThanOrEqual(3);
  const labCount = patient.resources.filter(
    (r) =>
      r.resourceType === 'Observation' &&
      (r.category ?? []).some((c) => c.coding?.some((coding) => coding.code === 'laboratory')),
  ).length;
  expect(all.bundle.entry).toHaveLength(labCount);
  // The fixture's own facts the next tests rely on.
  expect(newestCalcium && previousCalcium && pth).toBeTruthy();
});

test('without prefetch the service follows every next link: newest calcium and the PTH on the last page', async () => {
  proxy.requests.length = 0;
  const response = await service.call(
    serviceId,
    hookRequest(patient, patientView, { fhirServer: proxy.baseUrl }),
  );
  expect(response.status).toBe(200);
  const { pages } = await searchAllPages(hapi, labsQuery);
  expect(proxy.requests.filter(isPageRequest).length).toBeGreaterThanOrEqual(pages - 1);

  const card = (response.body.cards as CardBody[]).find(
    (c) => c.source.topic.code === 'hypercalcaemia',
  );
  // The card's data table names each result by its value and date (no FHIR ids on cards).
  const row = (label: string, observation: Observation | undefined): RegExp => {
    const date = new Date(`${observation?.effectiveDateTime?.slice(0, 10)}T00:00:00Z`);
    const shown = date.toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    });
    const value = String(observation?.valueQuantity?.value);
    return new RegExp(`\\| ${label} \\| ${value.replace('.', '\\.')} [^|]*\\| ${shown} \\|`);
  };
  expect(card?.detail).toMatch(row('PTH', pth));
  expect(card?.detail).toMatch(row('Calcium, total', newestCalcium));
  expect(card?.detail).not.toMatch(row('Calcium, total', previousCalcium));
  expect(implemented(codesOf(response.body))).toEqual(implemented(patientView.codes));
});

test('a paged prefetch (first page and its next link) is completed on the FHIR server', async () => {
  // As an EHR that sends the first page only: fetched through the proxy, so the
  // next link points there too.
  const full = await fullPrefetch(hapi, patient.patientId, templates);
  const firstPage = (await fhirGet(`${proxy.baseUrl}/${labsQuery}`)) as Bundle;
  expect(firstPage.link?.find((link) => link.relation === 'next')?.url).toContain(proxy.baseUrl);

  const reference = await service.call(
    serviceId,
    hookRequest(patient, patientView, { prefetch: full }),
  );
  proxy.requests.length = 0;
  const response = await service.call(
    serviceId,
    hookRequest(patient, patientView, {
      prefetch: { ...full, labs: firstPage },
      fhirServer: proxy.baseUrl,
    }),
  );
  expect(response.status).toBe(200);
  // Only the remaining pages were asked for: every other key was complete.
  expect(proxy.requests.length).toBeGreaterThan(0);
  expect(proxy.requests.every(isPageRequest)).toBe(true);
  expect(comparable(response.body)).toEqual(comparable(reference.body));
});

test('more pages than the limit → 412 naming the key, never partial data', async () => {
  const limited = integrationApp(NOW, { maxPages: 2 });
  const response = await limited.call(
    serviceId,
    hookRequest(patient, patientView, { fhirServer: hapi }),
  );
  expectOutcome(response, {
    status: 412,
    code: 'incomplete',
    mentions: ['labs', 'more than 2 pages'],
  });
});
