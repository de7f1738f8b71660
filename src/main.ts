/** Start-up: config → app → listen; graceful shutdown on SIGTERM / SIGINT. */
import { ConfigError, loadConfig } from './config';
import { createApp } from './http/app';
import { createLogger } from './http/logger';

function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : 'unexpected error while reading configuration';
    process.stderr.write(`fls-cds-hooks: invalid configuration: ${message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const lifecycle: { state: 'starting' | 'ready' | 'stopping' } = { state: 'starting' };
  const app = createApp({
    deps: { guideline: config.guideline, fhir: config.fhir, now: () => new Date() },
    bodyLimitBytes: config.bodyLimitBytes,
    defaultLanguage: config.defaultLanguage,
    logger,
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

  const shutdown = (signal: string): void => {
    if (lifecycle.state === 'stopping') return;
    lifecycle.state = 'stopping';
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
