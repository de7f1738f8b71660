/**
 * Properties 3 and 4 (issue #8), on the domain (src/cds/handle.ts callService,
 * the same call the HTTP layer makes; clock pinned):
 * 3. the same patient with its resources in another order — the entries of every
 *    prefetch Bundle, the prefetch keys and the order-select selections
 *    shuffled — gives deep-equal cards (per-call uuids removed), for every hook
 *    and every profile;
 * 4. the same request twice gives the same cards, and so does the request with
 *    every resource sent twice (under its own key and under another).
 */
import fc from 'fast-check';
import type { Bundle, FhirResource } from 'fhir/r4';
import { callService, type ServiceDependencies } from '../../src/cds/handle';
import { SERVICES } from '../../src/cds/services';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import type { Profile } from '../../src/guideline/profiles';
import { NOW } from '../helpers/fhir';
import { HOOKS, patientSpecArb, type Hook } from './arbitraries';
import { stable, type Card } from './cards';
import { requestFor, settings } from './harness';

const TIMEOUT_MS = 120_000;

function deps(profile: Profile): ServiceDependencies {
  return {
    guideline: DEFAULT_GUIDELINE_CONFIG,
    profile,
    fhir: { timeoutMs: 1000, maxPages: 5, maxResponseBytes: 5_000_000 },
    now: () => NOW,
  };
}

async function cardsFor(hook: Hook, body: unknown, profile: Profile = 'no'): Promise<unknown[]> {
  const service = SERVICES.find((candidate) => candidate.hook === hook);
  if (!service) throw new Error(`no service for ${hook}`);
  const result = await callService(service, body, 'en', deps(profile));
  return stable(result.cards as Card[]);
}

/** Every prefetch Bundle with each entry sent twice: once in place, once more at the end of the next key's Bundle. */
function everythingTwice(body: Record<string, unknown>): Record<string, unknown> {
  const prefetch = body.prefetch as Record<string, FhirResource | null>;
  const keys = Object.keys(prefetch).filter((key) => prefetch[key]?.resourceType === 'Bundle');
  const doubled: Record<string, FhirResource | null> = { ...prefetch };
  keys.forEach((key, index) => {
    const own = prefetch[key] as Bundle;
    const next = prefetch[keys[(index + 1) % keys.length] as string] as Bundle;
    doubled[key] = { ...own, entry: [...(own.entry ?? []), ...(next.entry ?? [])] };
  });
  return { ...body, prefetch: doubled };
}

describe('property 3: the same data in any order gives the same cards', () => {
  it.each(HOOKS)(
    '%s',
    async (hook: Hook) => {
      await fc.assert(
        fc.asyncProperty(
          patientSpecArb(),
          fc.integer(),
          fc.constantFrom<Profile>('no', 'dk', 'se'),
          async (spec, shuffleSeed, profile) => {
            const inOrder = await cardsFor(hook, requestFor(spec, hook), profile);
            const shuffled = await cardsFor(hook, requestFor(spec, hook, shuffleSeed), profile);
            expect(shuffled).toEqual(inOrder);
          },
        ),
        settings(80),
      );
    },
    TIMEOUT_MS,
  );
});

describe('property 4: idempotent, and duplicates change nothing', () => {
  it.each(HOOKS)(
    '%s',
    async (hook: Hook) => {
      await fc.assert(
        fc.asyncProperty(patientSpecArb(), async (spec) => {
          const body = requestFor(spec, hook);
          const first = await cardsFor(hook, body);
          expect(await cardsFor(hook, body)).toEqual(first);
          expect(await cardsFor(hook, everythingTwice(body))).toEqual(first);
        }),
        settings(40),
      );
    },
    TIMEOUT_MS,
  );
});
