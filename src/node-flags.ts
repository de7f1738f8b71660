/**
 * The V8 flags the service is started with, wherever it is started: the image's
 * CMD, `npm start`, and the benchmark's servers (test/deploy/manifests.test.ts keeps
 * the Dockerfile and package.json in step with this list).
 *
 * `--max-semi-space-size=16`: Node 24's V8 sizes the young generation to the
 * machine (semi-spaces of 32 MB here, against Node 20's 16 MB). Under sustained
 * patient-view load that held the service at ~300 MB RSS instead of ~190 MB, for
 * no CPU saved (docs/benchmark.md, "Node 24's young generation").
 * On Node 20 it is the default, so it changes nothing there.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
