/**
 * HAPI slow or gone in the middle of a run: the service answers 412 within its
 * deadline and names what it could not get (never "no cards" for data it did not
 * see), and answers as before once HAPI is back. HAPI has no delay switch, so a
 * proxy in front of it makes it slow; stopping it uses scripts/hapi.sh.
 */
import { expectOutcome } from '../http/support';
import { hookRequest, loadPatient } from '../fixtures/load';
import {
  callFor,
  comparable,
  hapiBaseUrl,
  hapiScript,
  integrationApp,
  loadIntoHapi,
  serviceFor,
  startProxy,
  type FhirProxy,
} from './support';

const NOW = new Date();
// Paged labs: lets a test slow down only the later pages of one search.
const patient = loadPatient('r07-hypercalcaemia-paged', NOW);
const patientView = callFor(patient, 'patient-view');
const { id: serviceId } = serviceFor('patient-view');
const TIMEOUT_MS = 1500;
const SLOW_MS = 10_000;
const service = integrationApp(NOW, { timeoutMs: TIMEOUT_MS });
let hapi = '';
let proxy: FhirProxy;
let baseline: ReturnType<typeof comparable> = [];

const callVia = (fhirServer: string) =>
  service.call(serviceId, hookRequest(patient, patientView, { fhirServer }));

beforeAll(async () => {
  hapi = hapiBaseUrl();
  await loadIntoHapi(hapi, [patient]);
  proxy = await startProxy(hapi);
  const response = await callVia(proxy.baseUrl);
  expect(response.status).toBe(200);
  baseline = comparable(response.body);
  expect(baseline.length).toBeGreaterThan(0);
});

afterAll(async () => {
  await proxy.close();
  // Whatever happened above, leave HAPI running for the rest of the run.
  try {
    hapiScript('status');
  } catch {
    hapiScript('start', new URL(hapi).port);
  }
});

test('HAPI slow on every answer → 412 at the deadline; fast again → the same cards', async () => {
  proxy.setDelay(SLOW_MS);
  const started = Date.now();
  const slow = await callVia(proxy.baseUrl);
  const elapsed = Date.now() - started;
  proxy.setDelay(0);
  expectOutcome(slow, {
    status: 412,
    code: 'incomplete',
    mentions: [`did not answer within ${TIMEOUT_MS} ms`],
  });
  // It gave up at its deadline instead of waiting for HAPI.
  expect(elapsed).toBeLessThan(SLOW_MS / 2);

  const recovered = await callVia(proxy.baseUrl);
  expect(recovered.status).toBe(200);
  expect(comparable(recovered.body)).toEqual(baseline);
});

test('HAPI slow on the later pages only → 412 naming the paged key', async () => {
  proxy.setDelay(SLOW_MS, (path) => path.includes('_getpages='));
  const slow = await callVia(proxy.baseUrl);
  proxy.setDelay(0);
  // One deadline covers all pages of a key: a fast first page does not save it.
  expectOutcome(slow, {
    status: 412,
    code: 'incomplete',
    mentions: ['labs', `did not answer within ${TIMEOUT_MS} ms`],
  });
});

test('HAPI stopped → 412; started again and reloaded → the same cards', async () => {
  const port = new URL(hapi).port;
  hapiScript('stop');
  const down = await callVia(hapi);
  expectOutcome(down, { status: 412, code: 'incomplete', mentions: ['could not be reached'] });

  // Same port, so the URL stays valid; H2 is in memory, so the data must be loaded again.
  expect(hapiScript('start', port).split('\n').pop()).toBe(hapi);
  await loadIntoHapi(hapi, [patient]);
  // A freshly started JVM answers its first searches slowly: until it is warm the
  // service may still hit its deadline — with a 412, never with fewer cards.
  let back = await callVia(hapi);
  for (let attempt = 1; back.status !== 200 && attempt < 20; attempt += 1) {
    expectOutcome(back, { status: 412, code: 'incomplete', mentions: ['did not answer within'] });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    back = await callVia(hapi);
  }
  expect(back.status).toBe(200);
  expect(comparable(back.body)).toEqual(baseline);
}, 600_000);
