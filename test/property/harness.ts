/**
 * Running generated patients through the service: the hook request for a spec
 * (optionally with every list shuffled), the HTTP call on the test app, and the
 * fast-check settings shared by the property suites.
 */
import fc from 'fast-check';
import request from 'supertest';
import { seededRandom } from '../../bench/random';
import type { TestApp } from '../helpers/app';
import { hookRequest } from '../helpers/fhir';
import {
  PREFETCH_KEYS,
  prefetchObject,
  renderDraft,
  renderPrefetch,
  selectedDrafts,
  SERVICE_PATH,
  type Hook,
  type PrefetchKey,
} from './arbitraries';
import { responseSchema, type Card } from './cards';
import type { PatientSpec } from './model';

/**
 * Fixed seed and bounded runs, so `npm test` is deterministic and quick. FC_SEED /
 * FC_RUNS override them for a deeper search (fast-check prints the seed and the
 * shrunk counterexample of a failure, so any failure can be replayed).
 */
export const SEED = Number(process.env.FC_SEED ?? 8082026);
export const runs = (defaultRuns: number): number => Number(process.env.FC_RUNS ?? defaultRuns);

export function settings(numRuns: number): fc.Parameters<unknown> {
  // A failure's shrinking is bounded too, so jest reports the counterexample rather than a timeout.
  return {
    seed: SEED,
    numRuns: runs(numRuns),
    interruptAfterTimeLimit: 60_000,
    markInterruptAsFailure: true,
  };
}

export function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

/**
 * The hook request an EHR would send for this patient. With `shuffleSeed`, the
 * entries of every prefetch Bundle, the order of the prefetch keys and the
 * selections come in another order: the same data.
 */
export function requestFor(
  spec: PatientSpec,
  hook: Hook,
  shuffleSeed?: number,
): Record<string, unknown> {
  const plan = renderPrefetch(spec);
  let keyOrder: readonly PrefetchKey[] = PREFETCH_KEYS;
  const drafts = spec.drafts;
  let selections = selectedDrafts(spec.drafts).map((draft) => `MedicationRequest/${draft.id}`);
  if (shuffleSeed !== undefined) {
    // A seeded permutation: it is part of the test case.
    const next = seededRandom(shuffleSeed);
    for (const key of PREFETCH_KEYS) plan.keys[key] = shuffled(plan.keys[key], next);
    keyOrder = shuffled(PREFETCH_KEYS, next);
    // context.draftOrders keeps its order: it is the clinician's list, and cards name the
    // drafts in that order. The selections are a set.
    selections = shuffled(selections, next);
  }
  return hookRequest(hook, {
    prefetch: prefetchObject(plan, keyOrder),
    draftOrders: drafts.map(renderDraft),
    selections,
  });
}

export interface Answer {
  status: number;
  cards: Card[];
  text: string;
}

/** POST the hook request; a 200 must be a schema-valid CDS Hooks response. */
export async function call(app: TestApp['app'], hook: Hook, body: unknown): Promise<Answer> {
  const response = await request(app)
    .post(SERVICE_PATH[hook])
    .set('Accept-Language', 'en')
    .send(body as object);
  if (response.status !== 200) return { status: response.status, cards: [], text: response.text };
  const parsed = responseSchema.safeParse(response.body);
  if (!parsed.success) {
    throw new Error(`200 with an invalid CDS Hooks response: ${parsed.error.message}`);
  }
  return { status: 200, cards: parsed.data.cards, text: response.text };
}
