/** Start-up: config → store (migrated) → app → listen; graceful shutdown on SIGTERM / SIGINT. */
import { ConfigError, loadConfig, type AppConfig } from './config';
import { createApp } from './http/app';
import { JwtVerifier } from './http/auth/verify';
import { createLogger, type Logger } from './http/logger';
import { describeStore, openStore } from './store/open';
import { StoreError, type QualityStore } from './store/types';

/** Expired JWT ids are deleted this often (any replica may do it). */
const JTI_PURGE_INTERVAL_MS = 5 * 60_000;

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
  const app = createApp({
    deps: {
      guideline: config.guideline,
      fhir: config.fhir,
      profile: config.profile,
      now: () => new Date(),
    },
    bodyLimitBytes: config.bodyLimitBytes,
    defaultLanguage: config.defaultLanguage,
    tenantProfiles: config.tenantProfiles,
    logger,
    store,
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
  const server = app.listen(config.port, config.host, () => {
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

  const shutdown = (signal: string): void => {
    if (lifecycle.state === 'stopping') return;
    lifecycle.state = 'stopping';
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    clearInterval(purge);
    server.close(() => {
      store.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
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
