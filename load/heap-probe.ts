/**
 * Preloaded into the service by `npm run test:load` (`node --expose-gc --require
 * dist/load/heap-probe.js dist/src/main.js`, forked with an IPC channel): reports the
 * process's own memory (process.memoryUsage) once a second, and after a full
 * garbage collection when asked, so that a leak shows as live heap that no
 * collection frees. The service's code is untouched; without an IPC channel this
 * does nothing.
 */
export type ProbeReport = {
  type: 'memory';
  /** Date.now() in the service process. */
  at: number;
  /** True when taken right after a forced full collection. */
  afterGc: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
};

export type ProbeControl = { type: 'gc' };

if (typeof process.send === 'function') {
  const report = (afterGc: boolean): void => {
    const usage = process.memoryUsage();
    const message: ProbeReport = {
      type: 'memory',
      at: Date.now(),
      afterGc,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      heapTotal: usage.heapTotal,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
    };
    process.send?.(message);
  };
  setInterval(() => report(false), 1000).unref();
  process.on('message', (message: ProbeControl) => {
    if (message?.type !== 'gc' || typeof globalThis.gc !== 'function') return;
    globalThis.gc();
    report(true);
  });
  // The probe must never keep the service alive: its shutdown decides when it exits.
  process.channel?.unref();
}
