/**
 * The Express app: CDS Hooks discovery and service endpoints, health, the OpenAPI
 * document, CORS, request logging and the single error mapping. Clinical work is
 * delegated to src/cds; nothing below this folder imports Express.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import openapiDocument from '../../openapi/cds-hooks.openapi.json';
import { callService, type ServiceDependencies } from '../cds/handle';
import { findService, SERVICES } from '../cds/services';
import type { Language } from '../cards/texts';
import { HttpError, mapError } from './errors';
import type { components } from './generated/openapi';
import { negotiateLanguage } from './language';
import type { Logger } from './logger';

export interface AppOptions {
  deps: ServiceDependencies;
  bodyLimitBytes: number;
  defaultLanguage: Language;
  logger: Logger;
  /** Shared with main.ts: healthz answers 200 only while "ready". */
  lifecycle?: { state: 'starting' | 'ready' | 'stopping' };
}

interface RequestLog {
  id: string;
  start: bigint;
  serviceId?: string;
  hook?: string;
  codes?: string[];
  fetched?: string[];
  error?: string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    log?: RequestLog;
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

export function createApp(options: AppOptions): express.Express {
  const { logger } = options;
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
        service: log.serviceId,
        hook: log.hook,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        codes: log.codes,
        fetched: log.fetched?.length ? log.fetched : undefined,
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
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id');
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
      const service = findService(String(req.params.id));
      const log = res.locals.log;
      if (!service || !log) throw new HttpError(404, 'not-found', 'unknown service');
      log.serviceId = service.id;
      log.hook = service.hook;
      const language = negotiateLanguage(req.get('accept-language'), options.defaultLanguage);
      const result = await callService(service, req.body, language, options.deps);
      log.codes = result.codes;
      log.fetched = result.fetchedKeys;
      res.setHeader('Content-Language', language);
      res.setHeader('Vary', 'Accept-Language');
      const response: CdsResponse = { cards: result.cards };
      res.json(response);
    })
    .all(knownService, methodNotAllowed('POST'));

  // Feedback is stored from issue #5 on; until then the endpoint says so instead of a bare 404.
  app
    .route('/cds-services/:id/feedback')
    .post(knownService, (_req, _res, next) => {
      next(
        new HttpError(
          501,
          'not-supported',
          'this version of the service does not record feedback yet',
        ),
      );
    })
    .all(knownService, methodNotAllowed('POST'));

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
    res.status(mapped.status).type('application/json').send(JSON.stringify(mapped.body));
  });

  return app;
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
