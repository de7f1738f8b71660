/**
 * The Express app: CDS Hooks discovery and service endpoints, health, the OpenAPI
 * document, CORS, request logging and the single error mapping. Clinical work is
 * delegated to src/cds; nothing below this folder imports Express.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import openapiDocument from '../../openapi/cds-hooks.openapi.json';
import { callService, type ServiceDependencies } from '../cds/handle';
import { findService, SERVICES, type CdsServiceDefinition } from '../cds/services';
import type { Language } from '../cards/texts';
import { PROFILE_SETTINGS, type Profile } from '../guideline/profiles';
import { FeedbackService, type IssuedCardsLost } from '../feedback/service';
import type { QualityStore } from '../store/types';
import { toCsv, toMeasureReport } from '../worklist/format';
import { parsePeriod, parseProfile } from '../worklist/input';
import {
  readPatientTimeline,
  runWorklist,
  WorklistSourceError,
  type WorklistReport,
  type WorklistSource,
} from '../worklist/population';
import { authenticate } from './auth/middleware';
import type { AuthFailureReason, TokenVerifier } from './auth/verify';
import { HttpError, mapError } from './errors';
import type { components } from './generated/openapi';
import { negotiateLanguage } from './language';
import type { Logger } from './logger';
import { createMetrics, type AppMetrics } from './metrics';

export interface AuthSettings {
  /** A JwtVerifier (src/http/auth/verify.ts) with its trusted clients and replay cache. */
  verifier: TokenVerifier;
  /** undefined: the expected `aud` is built from the request's protocol and Host. */
  publicBaseUrl?: string;
}

export interface AppOptions {
  deps: ServiceDependencies;
  bodyLimitBytes: number;
  defaultLanguage: Language;
  logger: Logger;
  /**
   * Issued cards and feedback. main.ts always gives one; without it (tests that
   * embed the app) nothing is recorded and feedback and quality indicators answer 503.
   */
  store?: QualityStore;
  /**
   * Built over `store` when not given; main.ts gives its own so that shutdown can
   * wait for the issued-card records written behind (FeedbackService.flush).
   */
  feedback?: FeedbackService;
  /** undefined: no client authentication (CDS_AUTH=off; main.ts warns). */
  auth?: AuthSettings;
  /** JWT `tenant` → site profile, for a deployment that serves several sites (auth on). */
  tenantProfiles?: Readonly<Record<string, Profile>>;
  /**
   * The FHIR server the FLS worklist reads (WORKLIST_FHIR_BASE); undefined: the
   * worklist routes answer 503. A caller can never name another server.
   */
  worklist?: WorklistSource;
  /** Shared with main.ts: healthz answers 200 only while "ready". */
  lifecycle?: { state: 'starting' | 'ready' | 'stopping' };
  /**
   * Where requests, fetches, cards and refusals are counted (main.ts serves it on the
   * metrics port). undefined: a registry of the app's own, without process metrics.
   */
  metrics?: AppMetrics;
}

/** Every route served; logs and metrics name these patterns, never a path as sent. */
const ROUTE = {
  healthz: '/healthz',
  openapi: '/openapi.json',
  discovery: '/cds-services',
  service: '/cds-services/:id',
  feedback: '/cds-services/:id/feedback',
  qualityIndicators: '/quality-indicators',
  worklist: '/worklist',
  measureReport: '/worklist/measure-report',
  patientTimeline: '/worklist/patients/:id/timeline',
} as const;

/** Answer without a client JWT: probes and the API description. */
const OPEN_PATHS = new Set<string>([ROUTE.healthz, ROUTE.openapi]);

/**
 * The FLS pages (docs/pages.md): static files with no patient data, open like the
 * API description; the data they show comes from the authenticated /worklist routes.
 */
const PAGES_PATH = '/fls';
/** public/ at the package root: two folders up from src/http, three from dist/src/http. */
const PAGES_DIR =
  [
    path.join(__dirname, '..', '..', 'public'),
    path.join(__dirname, '..', '..', '..', 'public'),
  ].find((dir) => existsSync(path.join(dir, 'index.html'))) ??
  path.join(__dirname, '..', '..', 'public');
/** The charting library, served from node_modules (no CDN: clinics are often offline). */
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
/** A FHIR logical id (FHIR R4 `id`). */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The route a path falls on, as Express matches it (case-insensitive, one trailing
 * slash allowed), for requests refused before routing (401) and their log line.
 */
export function routePattern(path: string): string | undefined {
  const segments = path.replace(/(.)\/$/, '$1').split('/');
  return Object.values(ROUTE).find((route) => {
    const parts = route.split('/');
    return (
      parts.length === segments.length &&
      parts.every((part, index) => {
        const segment = segments[index] ?? '';
        return part.startsWith(':') ? segment !== '' : part.toLowerCase() === segment.toLowerCase();
      })
    );
  });
}

interface RequestLog {
  id: string;
  start: bigint;
  client?: string;
  authFailure?: AuthFailureReason;
  serviceId?: string;
  hook?: string;
  codes?: string[];
  fetched?: string[];
  feedback?: { stored: number; enriched: number; duplicates: number };
  error?: string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    log?: RequestLog;
    /** The verified JWT's tenant claim (only with auth on). */
    tenant?: string;
  }
}

type CdsResponse = components['schemas']['CdsResponse'];

/** The discovery document never changes while the service runs. */
const DISCOVERY: components['schemas']['CdsServiceList'] = {
  services: SERVICES.map(({ id, hook, title, description, prefetch }) => ({
    id,
    hook,
    title,
    description,
    prefetch,
  })),
};

/**
 * Logs and counts a failed write of issued-card records (written behind the
 * answer, so not per request).
 */
export function issuedCardsLostLogger(
  logger: Logger,
  metrics: Pick<AppMetrics, 'issuedCardsLost'>,
): (lost: IssuedCardsLost) => void {
  return (lost) => {
    metrics.issuedCardsLost(lost.lostCards);
    logger.error(
      { lostCards: lost.lostCards, lostCardsTotal: lost.lostTotal, cause: lost.causeCode },
      'issued cards not recorded: their feedback is still accepted, but they are missing from the quality indicators',
    );
  };
}

export function createApp(options: AppOptions): express.Express {
  const { logger } = options;
  const metrics = options.metrics ?? createMetrics({ processDefaults: false });
  const deps: ServiceDependencies = {
    ...options.deps,
    fhir: { ...options.deps.fhir, observeFetch: metrics.fhirFetch },
  };
  const feedback =
    options.feedback ??
    new FeedbackService(options.store, options.deps.now, issuedCardsLostLogger(logger, metrics));
  const lifecycle = options.lifecycle ?? { state: 'ready' as const };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const log: RequestLog = { id: randomUUID(), start: process.hrtime.bigint() };
    res.locals.log = log;
    res.setHeader('X-Request-Id', log.id);
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - log.start) / 1e6;
      const route = routeOf(req);
      metrics.request(
        {
          method: req.method,
          route,
          service: log.serviceId ?? 'none',
          status: res.statusCode,
        },
        durationMs / 1000,
      );
      const entry = {
        reqId: log.id,
        method: req.method,
        route,
        client: log.client,
        authFailure: log.authFailure,
        service: log.serviceId,
        hook: log.hook,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        codes: log.codes,
        fetched: log.fetched?.length ? log.fetched : undefined,
        feedback: log.feedback,
        error: log.error,
      };
      if (res.statusCode >= 500) logger.error(entry, 'request failed');
      else if (res.statusCode >= 400) logger.warn(entry, 'request rejected');
      else logger.info(entry, 'request');
    });
    next();
  });

  // CORS for browser-based CDS clients (../shared/cds-hooks.md "General").
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, WWW-Authenticate');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Max-Age', '600');
      // Chrome asks whether a public page (e.g. the CDS Hooks sandbox) may reach a local service.
      if (req.get('Access-Control-Request-Private-Network') === 'true') {
        res.setHeader('Access-Control-Allow-Private-Network', 'true');
      }
      res.status(204).end();
      return;
    }
    next();
  });

  const json = express.json({ limit: options.bodyLimitBytes, type: () => true, strict: false });
  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is(['application/json', 'application/*+json'])) {
      next(new HttpError(415, 'not-supported', 'Content-Type must be application/json'));
      return;
    }
    next();
  };

  // Default deny: every path but the open ones needs a valid client JWT (when auth is on).
  if (options.auth) {
    const verify = authenticate(
      options.auth.verifier,
      options.auth.publicBaseUrl,
      (res, verdict) => {
        const log = res.locals.log;
        if (!log) return;
        log.client = verdict.issuer;
        if (verdict.ok && verdict.tenant) res.locals.tenant = verdict.tenant;
        if (!verdict.ok) {
          log.authFailure = verdict.reason;
          metrics.authFailure(verdict.reason);
        }
      },
    );
    app.use((req, res, next) => {
      if (OPEN_PATHS.has(req.path) || isPagePath(req.path)) {
        next();
        return;
      }
      return verify(req, res, next);
    });
  }

  app
    .route(ROUTE.healthz)
    .get((_req, res) => {
      res
        .status(lifecycle.state === 'ready' ? 200 : 503)
        .json({ status: lifecycle.state === 'ready' ? 'ok' : lifecycle.state });
    })
    .all(methodNotAllowed('GET'));

  app
    .route(ROUTE.openapi)
    .get((_req, res) => {
      res.json(openapiDocument);
    })
    .all(methodNotAllowed('GET'));

  // The FLS pages and their charting library: no data in them, no token needed.
  app.get(`${PAGES_PATH}/vendor/chart.umd.min.js`, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(CHART_JS);
  });
  app.use(
    PAGES_PATH,
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        methodNotAllowed('GET')(req, res, next);
        return;
      }
      // The pages read patient data: no third-party frames, scripts or connections.
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
      );
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    },
    express.static(PAGES_DIR, { index: 'index.html', redirect: true, fallthrough: true }),
  );

  app
    .route(ROUTE.discovery)
    .get((_req, res) => {
      res.json(DISCOVERY);
    })
    .all(methodNotAllowed('GET'));

  app
    .route(ROUTE.service)
    .post(knownService, requireJson, json, async (req, res) => {
      const { service, log } = serviceOf(req, res);
      // A deployment for several sites maps the verified tenant to its profile.
      const tenantProfile = res.locals.tenant
        ? options.tenantProfiles?.[res.locals.tenant]
        : undefined;
      const language = negotiateLanguage(
        req.get('accept-language'),
        tenantProfile ? PROFILE_SETTINGS[tenantProfile].language : options.defaultLanguage,
      );
      const result = await callService(
        service,
        req.body,
        language,
        tenantProfile ? { ...deps, profile: tenantProfile } : deps,
      );
      log.codes = result.codes;
      metrics.cardsIssued(
        service.id,
        result.cards.map((card) => ({ code: card.source.topic.code, indicator: card.indicator })),
      );
      log.fetched = result.fetchedKeys;
      // Cards are answered at once; their records are written behind (a loss is logged and counted).
      const cards = await feedback.issue(service, result.cards);
      res.setHeader('Content-Language', language);
      res.setHeader('Vary', 'Accept-Language');
      const response: CdsResponse = { cards };
      res.json(response);
    })
    .all(knownService, methodNotAllowed('POST'));

  app
    .route(ROUTE.feedback)
    .post(knownService, requireJson, json, async (req, res) => {
      const { service, log } = serviceOf(req, res);
      const result = await feedback.submit(service.id, req.body);
      log.feedback = result;
      const response: components['schemas']['FeedbackResponse'] = {
        stored: result.stored,
        enriched: result.enriched,
        duplicates: result.duplicates,
      };
      res.json(response);
    })
    .all(knownService, methodNotAllowed('POST'));

  app
    .route(ROUTE.qualityIndicators)
    .get(async (req, res) => {
      const report: components['schemas']['QualityIndicatorReport'] =
        await feedback.qualityIndicators({ from: req.query.from, to: req.query.to });
      res.json(report);
    })
    .all(methodNotAllowed('GET'));

  // The FLS worklist (pathway.md): patient data, behind the same authentication as every route.
  const worklist = async (req: Request, res: Response): Promise<WorklistReport> => {
    const source = options.worklist;
    if (!source) {
      // An optional feature left off is not an outage: no such resource on this service.
      throw new HttpError(
        404,
        'not-found',
        'the worklist is not enabled on this service (WORKLIST_FHIR_BASE is not set)',
      );
    }
    if (req.query.fhirServer !== undefined) {
      throw new HttpError(
        400,
        'invalid',
        'fhirServer: not accepted; the worklist reads the FHIR server the service is configured with',
      );
    }
    const tenantProfile = res.locals.tenant
      ? options.tenantProfiles?.[res.locals.tenant]
      : undefined;
    const period = parsePeriod(req.query.from, req.query.to);
    const profile = parseProfile(req.query.profile, tenantProfile ?? options.deps.profile ?? 'no');
    try {
      return await runWorklist(source, {
        period,
        profile,
        now: options.deps.now(),
        guideline: options.deps.guideline,
      });
    } catch (error) {
      if (!(error instanceof WorklistSourceError)) throw error;
      logger.warn(
        { reqId: res.locals.log?.id, cause: error.message },
        'worklist FHIR search failed',
      );
      throw new HttpError(
        502,
        'transient',
        'the FHIR server the worklist reads could not be searched; the service log says why',
      );
    }
  };

  app
    .route(ROUTE.worklist)
    .get(async (req, res) => {
      const format = req.query.format;
      if (format !== undefined && format !== 'json' && format !== 'csv') {
        throw new HttpError(400, 'invalid', 'format: must be json or csv');
      }
      const csv =
        format === 'csv' ||
        (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
      const report = await worklist(req, res);
      if (csv) {
        res.type('text/csv; charset=utf-8');
        res.setHeader(
          'Content-Disposition',
          `attachment; filename="worklist-${report.period.from}-${report.period.to}.csv"`,
        );
        res.send(toCsv(report.patients));
        return;
      }
      const body: components['schemas']['WorklistReport'] = report;
      res.json(body);
    })
    .all(methodNotAllowed('GET'));

  app
    .route(ROUTE.measureReport)
    .get(async (req, res) => {
      const report = await worklist(req, res);
      res.type('application/fhir+json').send(JSON.stringify(toMeasureReport(report)));
    })
    .all(methodNotAllowed('GET'));

  // The patient page's data: the same prefetch queries and snapshot as a patient-view call.
  app
    .route(ROUTE.patientTimeline)
    .get(async (req, res) => {
      const id = String(req.params.id);
      if (!FHIR_ID.test(id)) {
        throw new HttpError(
          400,
          'invalid',
          'id: must be a FHIR id (letters, digits, - and ., at most 64)',
        );
      }
      const source = options.worklist;
      if (!source) {
        throw new HttpError(
          404,
          'not-found',
          'the worklist is not enabled on this service (WORKLIST_FHIR_BASE is not set)',
        );
      }
      const result = await readPatientTimeline(
        source,
        id,
        options.deps.now(),
        options.deps.guideline,
      );
      if (!result.ok) {
        if (result.failure === 'not-found') {
          throw new HttpError(404, 'not-found', 'id: no such patient on the FHIR server');
        }
        logger.warn(
          { reqId: res.locals.log?.id, cause: result.reason },
          'patient timeline FHIR read failed',
        );
        throw new HttpError(
          502,
          'transient',
          "the patient's data could not be read from the FHIR server; the service log says why",
        );
      }
      const body: components['schemas']['PatientTimeline'] = result.timeline;
      res.json(body);
    })
    .all(methodNotAllowed('GET'));

  app.use((_req, _res, next) => {
    next(new HttpError(404, 'not-found', 'no such endpoint'));
  });

  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const mapped = mapError(error);
    if (res.locals.log) res.locals.log.error = mapped.logMessage;
    res.status(mapped.status);
    for (const [name, value] of Object.entries(mapped.headers ?? {})) res.setHeader(name, value);
    if (mapped.body) res.type('application/json').send(JSON.stringify(mapped.body));
    else res.end();
  });

  return app;
}

function isPagePath(requestPath: string): boolean {
  const lower = requestPath.toLowerCase();
  return lower === PAGES_PATH || lower.startsWith(`${PAGES_PATH}/`);
}

/** The route pattern for logs and metrics: Express's when routed, else the one the path falls on. */
function routeOf(req: Request): string {
  const routed: unknown = req.route?.path;
  if (typeof routed === 'string') return routed;
  return routePattern(req.path) ?? (isPagePath(req.path) ? `${PAGES_PATH}/*` : 'unmatched');
}

/** The service a /cds-services/{id} route serves, noted in the request's log line. */
function serviceOf(
  req: Request,
  res: Response,
): { service: CdsServiceDefinition; log: RequestLog } {
  const service = findService(String(req.params.id));
  const log = res.locals.log;
  if (!service || !log) throw new HttpError(404, 'not-found', 'unknown service');
  log.serviceId = service.id;
  log.hook = service.hook;
  return { service, log };
}

function knownService(req: Request, _res: Response, next: NextFunction): void {
  if (!findService(String(req.params.id))) {
    next(
      new HttpError(
        404,
        'not-found',
        'unknown service: see GET /cds-services for the services offered',
      ),
    );
    return;
  }
  next();
}

function methodNotAllowed(allowed: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Allow', `${allowed}, OPTIONS`);
    next(
      new HttpError(
        405,
        'not-supported',
        `method ${req.method} is not allowed here; use ${allowed}`,
      ),
    );
  };
}
