/**
 * Start-up: config → store (migrated) → app → listen (and the metrics port);
 * graceful shutdown on SIGTERM / SIGINT (requests finish, issued-card records
 * queued are written, the store closes) that never waits long on a log write.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { FeedbackService } from './feedback/service';
import { createApp, issuedCardsLostLogger } from './http/app';
import { JwtVerifier } from './http/auth/verify';
import { createLogger, logOutput, type Logger } from './http/logger';
import { createMetrics, instrumentStore, metricsListener } from './http/metrics';
import { describeStore, openStore } from './store/open';
import { StoreError, type QualityStore } from './store/types';
import { WORKLIST_FHIR } from './worklist/population';

/** Expired JWT ids are deleted this often (any replica may do it). */
const JTI_PURGE_INTERVAL_MS = 5 * 60_000;
/** How often Node checks the header and request timeouts (its default, 30 s, would blur them). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
/**
 * At exit, buffered log lines (the last request's, then 'stopped') get this long
 * to reach a slow reader; then they are dropped. A reader that is gone costs nothing.
 */
const LOG_FLUSH_AT_EXIT_MS = 1000;

/** stderr may be a closed pipe or a full disk: a lost message must not stop the process. */
function writeStderr(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // Nowhere left to say it.
  }
}

async function main(): Promise<void> {
  // Without a listener, EPIPE on stderr would be an uncaught exception (stdout: logOutput's).
  process.stderr.on('error', () => undefined);
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : 'unexpected error while reading configuration';
    writeStderr(`fls-cds-hooks: invalid configuration: ${message}\n`);
    process.exit(1);
  }
  const output = logOutput();
  const logger = createLogger(config.logLevel, output);
  const metrics = createMetrics({ logLinesDropped: output.dropped });
  warnIfUnauthenticated(config, logger);

  const where = describeStore(config.store);
  let store: QualityStore;
  try {
    const opened = await openStore(config.store, (error) =>
      logger.warn({ ...where, error: error.name }, 'idle database connection failed'),
    );
    store = instrumentStore(opened.store, metrics);
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
  const feedback = new FeedbackService(store, now, issuedCardsLostLogger(logger, metrics));
  const app = createApp({
    deps: {
      guideline: config.guideline,
      fhir: config.fhir,
      profile: config.profile,
      now,
      ...(config.pagesBaseUrl ? { pagesBaseUrl: config.pagesBaseUrl } : {}),
    },
    bodyLimitBytes: config.bodyLimitBytes,
    defaultLanguage: config.defaultLanguage,
    tenantProfiles: config.tenantProfiles,
    logger,
    store,
    metrics,
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
    ...(config.worklist
      ? {
          worklist: {
            baseUrl: config.worklist.baseUrl,
            ...(config.worklist.accessToken ? { accessToken: config.worklist.accessToken } : {}),
            concurrency: config.worklist.concurrency,
            fhir: {
              ...WORKLIST_FHIR,
              timeoutMs: config.worklist.timeoutMs,
              maxResponseBytes: config.fhir.maxResponseBytes,
            },
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

  // Prometheus scrapes its own port: a client JWT cannot be had by a scraper (docs/operations.md).
  let metricsServer: Server | undefined;
  if (config.metricsPort !== undefined) {
    metricsServer = createServer(
      {
        headersTimeout: config.http.headersTimeoutMs,
        requestTimeout: config.http.requestTimeoutMs,
      },
      metricsListener(metrics),
    );
    metricsServer.listen(config.metricsPort, config.host, () => {
      const address = metricsServer?.address();
      const port = typeof address === 'object' && address ? address.port : config.metricsPort;
      logger.info({ metricsPort: port }, `metrics at http://${config.host}:${port}/metrics`);
    });
    metricsServer.on('error', (error: NodeJS.ErrnoException) => {
      logger.fatal(
        { code: error.code, metricsPort: config.metricsPort },
        'cannot listen (metrics)',
      );
      process.exit(1);
    });
  }

  /** Exit with `code` once buffered log lines are out, or after a short bound: never waits on the reader. */
  const exit = (code: number): void => {
    output.flush(LOG_FLUSH_AT_EXIT_MS).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };

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
    // The metrics port keeps answering while requests drain; process.exit closes it.
    server.close(() => {
      // The issued-card records still queued are written, then the store closes.
      const closed = feedback.flush().then(() => store.close());
      closed.then(
        () => {
          logger.info({ signal }, 'stopped');
          exit(0);
        },
        () => {
          logger.error({ signal }, 'stopped, but the store did not close cleanly');
          exit(1);
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

/** Loud on purpose: an unauthenticated service must never go unnoticed. */
function warnIfUnauthenticated(config: AppConfig, logger: Logger): void {
  if (config.auth.mode !== 'off') return;
  const message =
    'AUTHENTICATION IS OFF: any caller can use this service. For local development only; configure CDS_TRUSTED_CLIENTS (docs/security.md) before connecting an EHR.';
  logger.warn({ security: 'auth-off', why: config.auth.why }, message);
  writeStderr(`\n*** fls-cds-hooks: ${message} ***\n\n`);
}

main().catch((error: unknown) => {
  // Name only: a stack trace or message could carry configuration values.
  const name = error instanceof Error ? error.name : typeof error;
  writeStderr(`fls-cds-hooks: start-up failed (${name})\n`);
  process.exit(1);
});
