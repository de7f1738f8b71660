/**
 * One `npm run worklist` run for the worklist benchmark (bench/worklist.ts): the
 * CLI's own main() with the given arguments, in a process of its own, sampling
 * its heap while it runs. Writes { exitCode, wallMs, heap and RSS figures } as JSON
 * to the file named by WORKLIST_BENCH_RESULT. Run with --expose-gc.
 */
import { writeFileSync } from 'node:fs';
import { main } from '../src/worklist/cli';

const MB = 1024 * 1024;

async function run(): Promise<void> {
  const resultFile = process.env.WORKLIST_BENCH_RESULT;
  if (!resultFile) throw new Error('WORKLIST_BENCH_RESULT is not set');
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = baseHeap;
  const sample = (): void => {
    const heap = process.memoryUsage().heapUsed;
    if (heap > peakHeap) peakHeap = heap;
  };
  const timer = setInterval(sample, 25);
  const started = performance.now();
  let stderr = '';
  const exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => {
      stderr += text;
    },
    progress: false,
    env: process.env,
    now: () => new Date(),
  });
  const wallMs = performance.now() - started;
  clearInterval(timer);
  sample();
  writeFileSync(
    resultFile,
    JSON.stringify({
      exitCode,
      wallMs: Math.round(wallMs),
      baseHeapMb: Math.round((baseHeap / MB) * 10) / 10,
      peakHeapMb: Math.round((peakHeap / MB) * 10) / 10,
      // ru_maxrss is in kB on Linux.
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
      stderr: stderr.slice(0, 2000),
    }),
  );
}

run().catch((error: unknown) => {
  process.stderr.write(`worklist-child: ${error instanceof Error ? error.message : 'failed'}\n`);
  process.exit(1);
});
