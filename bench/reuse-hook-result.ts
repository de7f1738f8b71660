/**
 * Bench scenario 5 only (a diagnostic, never in the service): loaded into the
 * service's process with `--require`, it makes every hook call after the first
 * answer the first call's result — so the process still receives and parses each
 * request, runs its middleware, signs and queues the cards, writes the same answer
 * and logs, but skips the clinical work (request checks, snapshot, rules, cards).
 * (5) against (3) says what the service costs besides the clinical work; (1)
 * against (5), what the clinical work costs.
 */
import * as handle from '../src/cds/handle';

type CallService = typeof handle.callService;
const computed = handle.callService;
let first: Awaited<ReturnType<CallService>> | undefined;

const reused: CallService = async (...args) => {
  first ??= await computed(...args);
  // Fresh card objects per call, as a real call gives (signing copies them again).
  return { ...first, cards: first.cards.map((card) => ({ ...card })) };
};

// The compiled service reads `handle.callService` at each call, so replacing the export takes effect.
Object.assign(handle, { callService: reused });
