/**
 * The built service as a process (node dist/…/src/main.js): graceful shutdown on
 * SIGTERM with a request in flight, the shutdown grace period, and Node's server
 * timeouts against slow or idle clients. Timings are bounded only generously: the
 * assertions are about what happens, not how fast.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { FhirResource } from 'fhir/r4';
import { daysAgo, hookRequest, labs, patient } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import {
  BUILD_TIMEOUT_MS,
  buildService,
  connectionRefused,
  killService,
  START_TIMEOUT_MS,
  startService,
  until,
  type ServiceProcess,
} from './support';

const TOKEN = 'tok-SECRET-process';
/** The child's clock is the real one: data dated from now gives the cards. */
const RESOURCES: FhirResource[] = [
  patient(),
  labs.egfr(30, daysAgo(10, new Date())),
  labs.vitaminD(40, daysAgo(20, new Date())),
];

let main: string;
let fhir: FakeFhirServer;
beforeAll(async () => {
  main = await buildService();
  fhir = await startFhirServer(RESOURCES);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await fhir?.close();
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function post(port: number, path: string, body: unknown, agent: Agent): Promise<Answer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** A raw TCP client: what it received, and when the server closed the connection. */
function rawClient(
  port: number,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
  });
}

const codesOf = (body: string): string[] =>
  (JSON.parse(body) as { cards: { source: { topic: { code: string } } }[] }).cards.map(
    (card) => card.source.topic.code,
  );

describe('graceful shutdown: SIGTERM with a request in flight', () => {
  let service: ServiceProcess | undefined;
  afterEach(async () => {
    await killService(service);
    fhir.setDelay(0);
  });

  test(
    'the request in flight is answered normally, new connections are refused, exit code 0',
    async () => {
      service = await startService(main, {
        FHIR_TIMEOUT_MS: '20000',
        REQUEST_DEADLINE_MS: '20000',
        HTTP_REQUEST_TIMEOUT_MS: '30000',
        SHUTDOWN_GRACE_MS: '25000',
      });
      const { port } = service;
      const agent = new Agent({ keepAlive: true });
      const idleAgent = new Agent({ keepAlive: true });
      try {
        // An idle keep-alive connection: shutdown must close it, not wait for it.
        let idleClosed: Promise<void> | undefined;
        const idle = await new Promise<IncomingMessage>((resolve, reject) =>
          httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: idleAgent }, resolve)
            .on('socket', (socket: Socket) => {
              idleClosed = new Promise((done) => socket.once('close', () => done()));
            })
            .on('error', reject)
            .end(),
        );
        idle.resume();
        await new Promise((resolve) => idle.on('end', resolve));
        expect(idle.statusCode).toBe(200);

        // Every FHIR answer 2 s late (well inside FHIR_TIMEOUT_MS): the call is in flight for that long.
        fhir.requests.length = 0;
        fhir.setDelay(2000);
        const inFlight = post(
          port,
          '/cds-services/fls-patient-view',
          hookRequest('patient-view', { fhirServer: fhir.baseUrl, accessToken: TOKEN }),
          agent,
        );
        await until('the service is waiting for the FHIR server', () => fhir.requests.length > 0);

        service.child.kill('SIGTERM');
        await until('new connections are refused', () => connectionRefused(port));
        // The idle keep-alive connection is closed by the server, not left to time out.
        if (!idleClosed) throw new Error('the idle request never got a socket');
        await idleClosed;

        const answer = await inFlight;
        expect(answer.status).toBe(200);
        expect(codesOf(answer.body)).toEqual(
          expect.arrayContaining(['renal-impairment', 'vitamin-d-low']),
        );
        // The client is told not to reuse the connection of a stopping server.
        expect(answer.headers.connection).toBe('close');

        expect(await service.exited).toEqual({ code: 0, signal: null });
        const messages = service.logs.map((line) => line.msg);
        expect(messages).toContain('shutting down: finishing requests in flight');
        expect(service.logs.find((line) => line.msg.startsWith('shutting down'))?.inFlight).toBe(1);
        expect(messages).toContain('stopped');
        // The answered request was logged before the process stopped.
        const answered = messages.indexOf(
          'request',
          messages.indexOf('shutting down: finishing requests in flight'),
        );
        expect(answered).toBeGreaterThan(-1);
        expect(answered).toBeLessThan(messages.indexOf('stopped'));
        expect(service.output()).not.toContain(TOKEN);
      } finally {
        agent.destroy();
        idleAgent.destroy();
      }
    },
    START_TIMEOUT_MS + 60_000,
  );
});

describe('slow and idle clients; the shutdown grace period', () => {
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    service = await startService(main, {
      REQUEST_DEADLINE_MS: '500',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '4000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      SHUTDOWN_GRACE_MS: '1000',
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await killService(service);
  });
  const port = () => service?.port ?? 0;

  test('headers that never end (HTTP_HEADERS_TIMEOUT_MS) → 408 and the connection is closed', async () => {
    const client = await rawClient(port());
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  test('a body that never ends (HTTP_REQUEST_TIMEOUT_MS) → 408 and the connection is closed', async () => {
    const client = await rawClient(port());
    client.socket.write(
      'POST /cds-services/fls-patient-view HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"hook":',
    );
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  test('an idle keep-alive connection is closed after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const client = await rawClient(port());
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const started = Date.now();
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toMatch(/keep-alive/i);
    // Configured 300 ms (closed after ~1.3 s here); Node's default would close it after 5 s,
    // so this bound tells the two apart with seconds to spare on a busy machine.
    expect(Date.now() - started).toBeLessThan(4500);
  }, 30_000);

  test('a request still in flight after SHUTDOWN_GRACE_MS: the process exits with 1 and says why', async () => {
    const running = service;
    if (!running) throw new Error('service not started');
    // A body still arriving keeps its request in flight; only the grace period can end it.
    const client = await rawClient(port());
    client.socket.write(
      'POST /cds-services/fls-patient-view HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"hook":',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 1, signal: null });
    const forced = running.logs.find((line) => line.msg.startsWith('requests still in flight'));
    expect(forced).toMatchObject({ inFlight: 1, graceMs: 1000 });
    expect(running.logs.map((line) => line.msg)).not.toContain('stopped');
    client.socket.destroy();
  }, 30_000);
});
