/** The app under test, with the clock pinned and logs captured in memory. */
import { Writable } from 'node:stream';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/http/logger';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { NOW } from './fhir';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  /** Every log line written while the app served requests. */
  logs: string[];
}

export function testApp(
  options: {
    bodyLimitBytes?: number;
    timeoutMs?: number;
    maxPages?: number;
    maxResponseBytes?: number;
  } = {},
): TestApp {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const app = createApp({
    deps: {
      guideline: DEFAULT_GUIDELINE_CONFIG,
      fhir: {
        timeoutMs: options.timeoutMs ?? 1000,
        maxPages: options.maxPages ?? 5,
        maxResponseBytes: options.maxResponseBytes ?? 5_000_000,
      },
      now: () => NOW,
    },
    bodyLimitBytes: options.bodyLimitBytes ?? 1_000_000,
    defaultLanguage: 'nb',
    logger: createLogger('info', sink),
  });
  return { app, logs };
}
