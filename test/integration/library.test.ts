/**
 * The whole patient library against a real HAPI FHIR server: every prefetch
 * template is a valid search there, and every hook of every patient gives the same
 * cards whether the service fetches everything itself, gets the full prefetch an
 * EHR would fill from HAPI, or gets part of it — with the codes the library expects.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import request from 'supertest';
import { SERVICES } from '../../src/cds/services';
import { parsedLogs } from '../http/support';
import { hookCalls, hookRequest, loadLibrary, localPrefetch } from '../fixtures/load';
import {
  codesOf,
  comparable,
  fhirGet,
  fullPrefetch,
  hapiBaseUrl,
  implemented,
  integrationApp,
  loadIntoHapi,
  partialKeys,
  pick,
  render,
  searchAllPages,
  serviceFor,
} from './support';

// The real clock, pinned for the run: the library's dates are moved to it.
const NOW = new Date();
const library = loadLibrary(NOW);
const service = integrationApp(NOW);
/** Danish and Swedish library patients are answered by a service with their profile. */
const byProfile = {
  no: service,
  dk: integrationApp(NOW, {}, 'dk'),
  se: integrationApp(NOW, {}, 'se'),
};
/** A bearer token the service passes to HAPI (which ignores it); it must never be logged. */
const TOKEN = 'integration-token-7f3a9c';
let hapi = '';

beforeAll(async () => {
  hapi = hapiBaseUrl();
  await loadIntoHapi(hapi, library);
});

const ids = (resources: readonly FhirResource[]) =>
  resources.map((resource) => `${resource.resourceType}/${resource.id}`).sort();
const entriesOf = (resource: FhirResource | undefined): FhirResource[] =>
  resource?.resourceType === 'Bundle'
    ? ((resource as Bundle).entry ?? []).flatMap((entry) =>
        entry.resource ? [entry.resource as FhirResource] : [],
      )
    : resource
      ? [resource]
      : [];

describe('discovery prefetch templates on HAPI', () => {
  test('every service asks for templates, all of them tested below', async () => {
    const response = await request(service.app).get('/cds-services');
    expect(response.status).toBe(200);
    const services = response.body.services as { id: string; prefetch: Record<string, string> }[];
    expect(services.map((s) => s.id).sort()).toEqual(SERVICES.map((s) => s.id).sort());
    for (const discovered of services) {
      expect(Object.keys(discovered.prefetch).length).toBeGreaterThan(0);
      expect(discovered.prefetch).toEqual(SERVICES.find((s) => s.id === discovered.id)?.prefetch);
    }
  });

  // Templates as discovery publishes them (all services share one set today; a
  // service with its own templates would add rows here).
  const templates = [
    ...new Map(
      SERVICES.flatMap((s) => Object.entries(s.prefetch)).map(([key, template]) => [
        `${key} = ${template}`,
        [key, template] as const,
      ]),
    ).values(),
  ];

  test.each(templates)(
    '%s: HAPI accepts it (no 400) and returns what the library holds for each patient',
    async (key, template) => {
      for (const patient of library) {
        const query = render(template, patient.patientId);
        // A rejected parameter (HAPI-0524) would throw here with HAPI's message.
        const found = query.includes('?')
          ? entriesOf((await searchAllPages(hapi, query)).bundle)
          : [await fhirGet(`${hapi}/${query}`)];
        const local = entriesOf(localPrefetch(patient, { [key]: template })[key]);
        expect({ patient: patient.name, key, ids: ids(found) }).toEqual({
          patient: patient.name,
          key,
          ids: ids(local),
        });
      }
    },
  );
});

describe('each hook of each library patient, three ways', () => {
  const cases = library.flatMap((patient) =>
    hookCalls(patient).map((call) => [`${patient.name} ${call.hook}`, patient, call] as const),
  );

  test.each(cases)('%s', async (name, patient, call) => {
    const { id, prefetch: templates } = serviceFor(call.hook);
    const service = byProfile[patient.profile];
    const full = await fullPrefetch(hapi, patient.patientId, templates);
    const given = partialKeys(templates);
    const missing = Object.keys(templates).filter((key) => !given.includes(key));

    // 1. No prefetch: the service queries HAPI itself.
    const none = await service.call(
      id,
      hookRequest(patient, call, { fhirServer: hapi, accessToken: TOKEN }),
    );
    expect(none.status).toBe(200);
    // 2. Full prefetch, and no fhirServer: proves the prefetch alone was enough.
    const withFull = await service.call(id, hookRequest(patient, call, { prefetch: full }));
    expect(withFull.status).toBe(200);
    // 3. Part of the prefetch: the service fetches exactly the missing keys.
    const withPartial = await service.call(
      id,
      hookRequest(patient, call, {
        prefetch: pick(full, given),
        fhirServer: hapi,
        accessToken: TOKEN,
      }),
    );
    expect(withPartial.status).toBe(200);
    const lastLog = parsedLogs(service.logs).at(-1);
    expect([...((lastLog?.fetched as string[] | undefined) ?? [])].sort()).toEqual(
      [...missing].sort(),
    );

    // The same cards all three ways, on every code (implemented or not).
    expect(comparable(withFull.body)).toEqual(comparable(none.body));
    expect(comparable(withPartial.body)).toEqual(comparable(none.body));

    // The codes the library expects, among those the service implements today.
    expect({ patient: name, codes: implemented(codesOf(none.body)) }).toEqual({
      patient: name,
      codes: implemented(call.codes),
    });
  });
});

describe('logs', () => {
  test('name codes and prefetch keys, never the token or a patient (runs last)', () => {
    const logs = Object.values(byProfile).flatMap((profileService) => profileService.logs);
    const text = logs.join('');
    expect(parsedLogs(logs).length).toBeGreaterThan(library.length);
    expect(text).not.toContain(TOKEN);
    for (const patient of library) expect(text).not.toContain(patient.patientId);
  });
});
