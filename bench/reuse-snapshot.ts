/**
 * Bench scenario 6 only (a diagnostic, never in the service): loaded into the
 * service's process with `--require`, it makes every snapshot after the first the
 * first call's snapshot — so each hook call still checks the request, resolves the
 * prefetch, runs the rules, renders and signs the cards, but does not read the
 * 100 resources into a snapshot. (1) against (6) says what building the snapshot
 * costs in a loaded server; (6) against (5), what the rest of the clinical work
 * (request checks, rules, cards) costs; (6) against (3), how near the throughput
 * target the service would be if reading the patient's resources cost nothing.
 */
import * as build from '../src/patient/build';

type BuildSnapshot = typeof build.buildSnapshot;
const computed = build.buildSnapshot;
let first: ReturnType<BuildSnapshot> | undefined;

// The rules only read the snapshot, so one snapshot can serve every call.
const reused: BuildSnapshot = (input) => (first ??= computed(input));

// The compiled service reads `build.buildSnapshot` at each call, so replacing the export takes effect.
Object.assign(build, { buildSnapshot: reused });
