/**
 * The benchmark's baseline (scenario 3): the bare HTTP stack the service is built
 * on — Express 5 and express.json with the service's body limit — parsing the same
 * request body and answering a fixed JSON document of the same size as the
 * service's patient-view answer (re-serialised on every request, as res.json does
 * for the service). No validation, no FHIR, no rules, no logging.
 *
 * Env: PORT (required), BODY_LIMIT_BYTES (default 5000000, as the service),
 * RESPONSE_FILE (the JSON to answer with).
 */
import { readFileSync } from 'node:fs';
import express from 'express';

const port = Number(process.env.PORT);
const limit = Number(process.env.BODY_LIMIT_BYTES ?? 5_000_000);
const responseFile = process.env.RESPONSE_FILE;
if (!Number.isInteger(port) || !responseFile) {
  process.stderr.write('baseline: PORT and RESPONSE_FILE are required\n');
  process.exit(1);
}
const fixed: unknown = JSON.parse(readFileSync(responseFile, 'utf8'));

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post(
  '/cds-services/:id',
  express.json({ limit, type: () => true, strict: false }),
  (req, res) => {
    // Touch the parsed body so the parse cannot be optimised away.
    if (typeof req.body !== 'object' || req.body === null) {
      res.status(400).json({ error: 'body' });
      return;
    }
    res.json(fixed);
  },
);

const server = app.listen(port, '127.0.0.1');
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
