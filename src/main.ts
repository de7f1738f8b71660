/**
 * Start-up: config → store (migrated) → app → listen; graceful shutdown on SIGTERM /
 * SIGINT (requests finish, issued-card records queued are written, the store closes).
 */
import { createServer, type ServerResponse } from 'node:http';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { FeedbackService } from './feedback/service';
import { createApp, issuedCardsLostLogger } from './http/app';
import { JwtVerifier } from './http/auth/verify';
import { createLogger, logsWritten, type Logger } from './http/logger';
import { describeStore, openStore } from './store/open';
import { StoreError, type QualityStore } from './store/types';

/** Expired JWT ids are deleted this often (any replica may do it). */
const JTI_PURGE_INTERVAL_MS = 5 * 60_000;
/** How often Node checks the header and request timeouts (its default, 30 s, would blur them). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : 'unexpected error while reading configuration';
    process.stderr.write(`fls-cds-hooks: invalid configuration: ${message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  warnIfUnauthenticated(config, logger);

  const where = describeStore(config.store);
  let store: QualityStore;
  try {
    const opened = await openStore(config.store, (error) =>
      logger.warn({ ...where, error: error.name }, 'idle database connection failed'),
    );
    store = opened.store;
    logger.info({ ...where, migrated: opened.migrated }, 'store open');
  } catch (error) {
    const detail =
      error instanceof StoreError
        ? { operation: error.operation, cause: error.causeCode }
        : { message: error instanceof Error ? error.message : 'unknown error' };
    logger.fatal({ ...where, ...detail }, 'cannot open the store');
    process.exit(1);
  }

  const lifecycle: { state: 'starting' | 'ready' | 'stopping' } = { state: 'starting' };
  const now = (): Date => new Date();
  const feedback = new FeedbackService(store, now, issuedCardsLostLogger(logger));
  const app = createApp({
    deps: {
      guideline: config.guideline,
      fhir: config.fhir,
      profile: config.profile,
      now,
    },
    bodyLimitBytes: config.bodyLimitBytes,
    defaultLanguage: config.defaultLanguage,
    tenantProfiles: config.tenantProfiles,
    logger,
    store,
    feedback,
    ...(config.auth.mode === 'on'
      ? {
          auth: {
            verifier: new JwtVerifier({
              clients: config.auth.clients,
              algorithms: config.auth.algorithms,
              clockSkewSeconds: config.auth.clockSkewSeconds,
              replay: store,
            }),
            ...(config.auth.publicBaseUrl ? { publicBaseUrl: config.auth.publicBaseUrl } : {}),
          },
        }
      : {}),
    lifecycle,
  });
  // Slow or idle clients cannot hold a connection: headers, the whole request, keep-alive
  // idleness and a connection with no traffic at all (a client that stopped reading) are bounded.
  const server = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(
        TIMEOUT_CHECK_INTERVAL_MS,
        config.http.headersTimeoutMs,
      ),
    },
    app,
  );
  // Twice the request timeout, so that a slow request gets its 408 before the connection is dropped.
  server.timeout = 2 * config.http.requestTimeoutMs;
  // Requests in flight, so that shutdown can close their connections once they are answered.
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (lifecycle.state === 'stopping') res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  server.listen(config.port, config.host, () => {
    lifecycle.state = 'ready';
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    logger.info(
      { url: `http://${host}:${port}/cds-services` },
      `ready at http://${host}:${port}/cds-services`,
    );
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.fatal({ code: error.code }, 'cannot listen');
    process.exit(1);
  });

  const purge = setInterval(() => {
    store.purgeExpiredJtis(new Date()).then(
      (purged) => logger.debug({ purged }, 'expired JWT ids purged'),
      () => logger.warn({ ...where }, 'could not purge expired JWT ids'),
    );
  }, JTI_PURGE_INTERVAL_MS);
  purge.unref();

  /**
   * Stop listening (new connections are refused), close idle keep-alive connections,
   * let the requests in flight finish and close their connections after the answer
   * (`Connection: close`), then close the store and exit 0 — or exit 1 after the grace period.
   */
  const shutdown = (signal: string): void => {
    if (lifecycle.state === 'stopping') return;
    lifecycle.state = 'stopping';
    logger.info(
      { signal, inFlight: inFlight.size, graceMs: config.shutdownGraceMs },
      'shutting down: finishing requests in flight',
    );
    clearInterval(purge);
    server.close(() => {
      // The issued-card records still queued are written, then the store closes.
      const closed = feedback.flush().then(() => store.close());
      closed.then(
        () => {
          logger.info({ signal }, 'stopped');
          exitAfterLogs(logger, 0);
        },
        () => {
          logger.error({ signal }, 'stopped, but the store did not close cleanly');
          exitAfterLogs(logger, 1);
        },
      );
    });
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
    setTimeout(() => {
      logger.error(
        { signal, inFlight: inFlight.size, graceMs: config.shutdownGraceMs },
        'requests still in flight after the shutdown grace period: exiting',
      );
      process.exit(1);
    }, config.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Longest wait for the log lines still being written before a clean exit. */
const LOG_FLUSH_MS = 1000;

/** Exits once the lines logged so far are out, in order (at most LOG_FLUSH_MS later). */
function exitAfterLogs(logger: Logger, code: number): void {
  void logsWritten(logger, LOG_FLUSH_MS).then(() => process.exit(code));
}

/** Loud on purpose: an unauthenticated service must never go unnoticed. */
function warnIfUnauthenticated(config: AppConfig, logger: Logger): void {
  if (config.auth.mode !== 'off') return;
  const message =
    'AUTHENTICATION IS OFF: any caller can use this service. For local development only; configure CDS_TRUSTED_CLIENTS (README "Security (JWT)") before connecting an EHR.';
  logger.warn({ security: 'auth-off', why: config.auth.why }, message);
  process.stderr.write(`\n*** fls-cds-hooks: ${message} ***\n\n`);
}

main().catch((error: unknown) => {
  // Name only: a stack trace or message could carry configuration values.
  const name = error instanceof Error ? error.name : typeof error;
  process.stderr.write(`fls-cds-hooks: start-up failed (${name})\n`);
  process.exit(1);
});
