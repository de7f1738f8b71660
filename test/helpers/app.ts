/** The app under test, with the clock pinned and logs captured in memory. */
import { Writable } from 'node:stream';
import { FeedbackService } from '../../src/feedback/service';
import { createApp, issuedCardsLostLogger, type AuthSettings } from '../../src/http/app';
import { createLogger } from '../../src/http/logger';
import { createMetrics, type AppMetrics } from '../../src/http/metrics';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { PROFILE_SETTINGS, type Profile } from '../../src/guideline/profiles';
import type { QualityStore } from '../../src/store/types';
import type { WorklistSource } from '../../src/worklist/population';
import { NOW } from './fhir';
import { RecordingStore } from './stores';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  /** Every log line written while the app served requests. */
  logs: string[];
  store: QualityStore;
  /** The app's feedback service: `await feedback.flush()` waits for the issued-card records. */
  feedback: FeedbackService;
}

/**
 * Auth off and an in-memory RecordingStore unless the test passes `auth` and a
 * `store` (openTestStore() for feedback and quality indicators).
 */
export function testApp(
  options: {
    bodyLimitBytes?: number;
    timeoutMs?: number;
    maxPages?: number;
    maxResponseBytes?: number;
    searchCount?: number;
    store?: QualityStore;
    auth?: AuthSettings;
    now?: () => Date;
    profile?: Profile;
    tenantProfiles?: Record<string, Profile>;
    metrics?: AppMetrics;
    /** The FLS worklist's FHIR server (WORKLIST_FHIR_BASE). */
    worklist?: WorklistSource;
    /** FLS_PAGES_BASE_URL: patient-view cards link to the patient page. */
    pagesBaseUrl?: string;
  } = {},
): TestApp {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const store = options.store ?? new RecordingStore();
  const now = options.now ?? (() => NOW);
  const logger = createLogger('info', sink);
  const metrics = options.metrics ?? createMetrics({ processDefaults: false });
  const feedback = new FeedbackService(store, now, issuedCardsLostLogger(logger, metrics));
  const app = createApp({
    deps: {
      guideline: DEFAULT_GUIDELINE_CONFIG,
      fhir: {
        timeoutMs: options.timeoutMs ?? 1000,
        maxPages: options.maxPages ?? 5,
        maxResponseBytes: options.maxResponseBytes ?? 5_000_000,
        ...(options.searchCount ? { searchCount: options.searchCount } : {}),
      },
      now,
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.pagesBaseUrl ? { pagesBaseUrl: options.pagesBaseUrl } : {}),
    },
    bodyLimitBytes: options.bodyLimitBytes ?? 1_000_000,
    defaultLanguage: options.profile ? PROFILE_SETTINGS[options.profile].language : 'nb',
    logger,
    store,
    feedback,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tenantProfiles ? { tenantProfiles: options.tenantProfiles } : {}),
    metrics,
    ...(options.worklist ? { worklist: options.worklist } : {}),
  });
  return { app, logs, store, feedback };
}
