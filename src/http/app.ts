/**
 * The Express app: CDS Hooks discovery and service endpoints, health, the OpenAPI
 * document, CORS, request logging and the single error mapping. Clinical work is
 * delegated to src/cds; nothing below this folder imports Express.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import openapiDocument from '../../openapi/cds-hooks.openapi.json';
import { callService, type ServiceDependencies } from '../cds/handle';
import { findService, SERVICES, type CdsServiceDefinition } from '../cds/services';
import type { Language } from '../cards/texts';
import { PROFILE_SETTINGS, type Profile } from '../guideline/profiles';
import { FeedbackService, type IssuedCardsLost } from '../feedback/service';
import type { QualityStore } from '../store/types';
import { authenticate } from './auth/middleware';
import type { AuthFailureReason, TokenVerifier } from './auth/verify';
import { HttpError, mapError } from './errors';
import type { components } from './generated/openapi';
import { negotiateLanguage } from './language';
import type { Logger } from './logger';

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
  /** Shared with main.ts: healthz answers 200 only while "ready". */
  lifecycle?: { state: 'starting' | 'ready' | 'stopping' };
}

/** Answer without a client JWT: probes and the API description. */
const OPEN_PATHS = new Set(['/healthz', '/openapi.json']);

interface RequestLog {
  id: string;
  start: bigint;
  client?: string;
  authFailure?: AuthFailureReason;
  serviceId?: string;
  hook?: string;
  codes?: string[];
  fetched?: string[];
  feedback?: { stored: number; duplicates: number };
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

/** Logs a failed write of issued-card records (written after the answer, so not per request). */
export function issuedCardsLostLogger(logger: Logger): (lost: IssuedCardsLost) => void {
  return (lost) =>
    logger.error(
      { lostCards: lost.lostCards, lostCardsTotal: lost.lostTotal, cause: lost.causeCode },
      'issued cards not recorded: their feedback is still accepted, but they are missing from the quality indicators',
    );
}

export function createApp(options: AppOptions): express.Express {
  const { logger } = options;
  const feedback =
    options.feedback ??
    new FeedbackService(options.store, options.deps.now, issuedCardsLostLogger(logger));
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
      const entry = {
        reqId: log.id,
        method: req.method,
        route: req.route?.path ?? 'unmatched',
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
        if (!verdict.ok) log.authFailure = verdict.reason;
      },
    );
    app.use((req, res, next) => {
      if (OPEN_PATHS.has(req.path)) {
        next();
        return;
      }
      return verify(req, res, next);
    });
  }

  app
    .route('/healthz')
    .get((_req, res) => {
      res
        .status(lifecycle.state === 'ready' ? 200 : 503)
        .json({ status: lifecycle.state === 'ready' ? 'ok' : lifecycle.state });
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(openapiDocument);
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/cds-services')
    .get((_req, res) => {
      res.json(DISCOVERY);
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/cds-services/:id')
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
      const deps = tenantProfile ? { ...options.deps, profile: tenantProfile } : options.deps;
      const result = await callService(service, req.body, language, deps);
      log.codes = result.codes;
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
    .route('/cds-services/:id/feedback')
    .post(knownService, requireJson, json, async (req, res) => {
      const { service, log } = serviceOf(req, res);
      const result = await feedback.submit(service.id, req.body);
      log.feedback = result;
      const response: components['schemas']['FeedbackResponse'] = {
        stored: result.stored,
        duplicates: result.duplicates,
      };
      res.json(response);
    })
    .all(knownService, methodNotAllowed('POST'));

  app
    .route('/quality-indicators')
    .get(async (req, res) => {
      const report: components['schemas']['QualityIndicatorReport'] =
        await feedback.qualityIndicators({ from: req.query.from, to: req.query.to });
      res.json(report);
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
