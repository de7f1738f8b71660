/**
 * A tiny in-test FHIR R4 server on 127.0.0.1 (node:http, no dependencies): reads,
 * type searches filtered by patient and code tokens, `_sort=-date`, paging with
 * absolute `next` links, a log of every request, and fault switches (delay, an
 * error status, stop / start on the same port).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';

export interface RecordedRequest {
  method: string;
  /** Decoded path and query relative to the FHIR base, e.g. `Observation?patient=pat-1&code=http://loinc.org|2000-8`. */
  query: string;
  /** Path and query as received (still percent-encoded). */
  raw: string;
  authorization: string | undefined;
  /** Order of arrival / of the answer among all events of this server (one counter). */
  receivedSeq: number;
  answeredSeq?: number;
}

/** Answers a request itself (returns true) or lets the server answer as usual. */
export type Interceptor = (request: RecordedRequest, res: ServerResponse) => boolean;

export interface FakeFhirServer {
  /** `http://127.0.0.1:{port}/fhir` */
  baseUrl: string;
  requests: RecordedRequest[];
  resources: FhirResource[];
  setPageSize(size: number): void;
  /** Delay every answer (or those `only` selects) by `ms`. */
  setDelay(ms: number, only?: (request: RecordedRequest) => boolean): void;
  /** Answer every request with this HTTP status and an OperationOutcome; undefined = normal service. */
  setFailure(status: number | undefined): void;
  setInterceptor(interceptor: Interceptor | undefined): void;
  /** Close the port (and every open connection); `start()` reopens the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const BASE_PATH = '/fhir';

export async function startFhirServer(resources: FhirResource[] = []): Promise<FakeFhirServer> {
  let pageSize = 100;
  let delay: { ms: number; only?: (request: RecordedRequest) => boolean } = { ms: 0 };
  let failure: number | undefined;
  let interceptor: Interceptor | undefined;
  let seq = 0;
  const searches = new Map<string, FhirResource[]>();
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    const relative = url.pathname.startsWith(`${BASE_PATH}/`)
      ? url.pathname.slice(BASE_PATH.length + 1)
      : '';
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      query: decodeURIComponent(relative + url.search),
      raw: req.url ?? '',
      authorization: req.headers.authorization,
      receivedSeq: ++seq,
    };
    requests.push(recorded);
    res.on('finish', () => (recorded.answeredSeq = ++seq));
    if (delay.ms > 0 && (!delay.only || delay.only(recorded))) await sleep(delay.ms);
    if (interceptor?.(recorded, res)) return;
    if (failure !== undefined) return send(res, failure, outcome(`simulated failure ${failure}`));

    const [type, id, ...rest] = relative.split('/');
    const count = Number(url.searchParams.get('_count')) || pageSize;
    if (url.pathname === BASE_PATH && url.searchParams.has('_getpages')) {
      const searchId = url.searchParams.get('_getpages') ?? '';
      const matches = searches.get(searchId);
      if (!matches) return send(res, 410, outcome('search expired'));
      return send(
        res,
        200,
        page(searchId, matches, Number(url.searchParams.get('_offset')), count),
      );
    }
    if (type && id && rest.length === 0) {
      const found = server.resources.find((r) => r.resourceType === type && r.id === id);
      return found ? send(res, 200, found) : send(res, 404, outcome(`${type}/${id} is not known`));
    }
    if (type && !id) {
      const searchId = `s${searches.size + 1}`;
      searches.set(searchId, search(type, url.searchParams));
      return send(res, 200, page(searchId, searches.get(searchId) ?? [], 0, count));
    }
    send(res, 400, outcome('unsupported request'));
  };

  const search = (type: string, params: URLSearchParams): FhirResource[] => {
    const patientId = params.get('patient') ?? params.get('subject')?.replace(/^Patient\//, '');
    const tokens = params.get('code')?.split(',');
    const matches = server.resources.filter((resource) => {
      if (resource.resourceType !== type) return false;
      const fields = resource as {
        subject?: { reference?: string };
        patient?: { reference?: string };
      };
      const ref = fields.subject?.reference ?? fields.patient?.reference;
      if (patientId !== undefined && ref !== `Patient/${patientId}`) return false;
      if (!tokens) return true;
      const codings =
        (resource as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding ??
        [];
      return codings.some(
        (coding) =>
          tokens.includes(`${coding.system}|${coding.code}`) || tokens.includes(coding.code ?? ''),
      );
    });
    if (params.get('_sort') === '-date') matches.sort((a, b) => dateOf(b).localeCompare(dateOf(a)));
    // `_include=Type:medication`: the Medications the matches refer to.
    if (params.get('_include') === `${type}:medication`) {
      const referenced = new Set(
        matches.map(
          (resource) =>
            (resource as { medicationReference?: { reference?: string } }).medicationReference
              ?.reference,
        ),
      );
      matches.push(
        ...server.resources.filter(
          (resource) =>
            resource.resourceType === 'Medication' && referenced.has(`Medication/${resource.id}`),
        ),
      );
    }
    return matches;
  };

  const page = (
    searchId: string,
    matches: FhirResource[],
    offset: number,
    size: number,
  ): Bundle => {
    const next = offset + size < matches.length ? offset + size : undefined;
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link:
        next === undefined
          ? []
          : [
              {
                relation: 'next',
                url: `${baseUrl}?_getpages=${searchId}&_offset=${next}&_count=${size}`,
              },
            ],
      entry: matches.slice(offset, offset + size).map((resource) => ({
        fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, outcome('fake server error')));
  });
  await listen(http, 0);
  const { port } = http.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}${BASE_PATH}`;

  const stop = async (): Promise<void> => {
    if (!http.listening) return;
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await closed;
  };

  const server: FakeFhirServer = {
    baseUrl,
    requests,
    resources,
    setPageSize: (size) => (pageSize = size),
    setDelay: (ms, only) => (delay = { ms, only }),
    setFailure: (status) => (failure = status),
    setInterceptor: (fn) => (interceptor = fn),
    stop,
    start: async () => {
      if (!http.listening) await listen(http, port);
    },
    close: stop,
  };
  return server;
}

/** Send a JSON body with Content-Length (unless the response was already answered). */
export function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function outcome(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  };
}

function dateOf(resource: FhirResource): string {
  const r = resource as { effectiveDateTime?: string; effectivePeriod?: { start?: string } };
  return r.effectiveDateTime ?? r.effectivePeriod?.start ?? '';
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Unref: a delayed answer pending when a test ends must not keep jest alive. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
