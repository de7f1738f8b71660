/**
 * The FHIR server of scenario 4: HAPI FHIR JPA (the integration tests' launcher,
 * test/hapi) when it can be built and started, else the in-memory stub
 * (bench/fhir-stub.ts) in a child process, or a server already running on
 * loopback (--fhir=URL).
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4';
import { startChild, stopChild, type Child } from './servers';

/** 'hapi', 'stub', 'auto', or the base URL of a FHIR server already running on loopback. */
export type FhirChoice = string;

const HAPI_MAIN_CLASS = 'no.fls.cds.hapi.HapiLauncher';

const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

export interface FhirServer {
  kind: 'hapi' | 'stub' | 'url';
  baseUrl: string;
  /** Why this server was chosen (e.g. why HAPI was not). */
  note: string;
  /** Put the resources on the server (ids kept). */
  load(resources: FhirResource[]): Promise<void>;
  close(): Promise<void>;
}

function hapi(root: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      join(root, 'scripts/hapi.sh'),
      [command],
      { timeout: timeoutMs, cwd: root },
      (error, stdout, stderr) => {
        const last = (text: string) => text.trim().split('\n').pop() ?? '';
        if (error) reject(new Error(`hapi.sh ${command}: ${last(stderr) || error.message}`));
        else resolve(last(stdout));
      },
    );
  });
}

/** A FHIR server reached over REST; a patient is written with one transaction of PUTs. */
function restServer(
  kind: 'hapi' | 'url',
  baseUrl: string,
  note: string,
  close: () => Promise<void>,
): FhirServer {
  if (!LOOPBACK.test(`${baseUrl}/`)) {
    throw new Error(`the FHIR server must be on loopback, not ${baseUrl}`);
  }
  return {
    kind,
    baseUrl,
    note,
    async load(resources) {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: resources.map((resource) => ({
          resource,
          request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
        })),
      };
      const response = await fetch(baseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(bundle),
        signal: AbortSignal.timeout(300_000),
      });
      if (!response.ok) {
        const text = await response.text();
        throw new Error(`transaction failed: HTTP ${response.status} ${text.slice(0, 500)}`);
      }
    },
    close,
  };
}

/**
 * A private HAPI FHIR for the benchmark: built with `scripts/hapi.sh build` (a no-op
 * when up to date), run from the same jar and classpath as hapi.sh runs it, but as
 * this process's child on a free port with its own in-memory database, so that the
 * integration tests' server (hapi.sh start / stop) and the benchmark never disturb
 * each other. JVM options: HAPI_JAVA_OPTS, else the JIT's defaults with a 1 GB heap.
 */
async function startHapi(root: string, logDir: string): Promise<FhirServer> {
  await hapi(root, 'build', 1_200_000);
  const target = join(root, 'test/hapi/target');
  const classpath = `${join(target, 'hapi-launcher.jar')}:${readFileSync(join(target, 'classpath.txt'), 'utf8').trim()}`;
  const options = (process.env.HAPI_JAVA_OPTS ?? '-Xms256m -Xmx1g -XX:+UseSerialGC')
    .split(/\s+/)
    .filter(Boolean);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : 'java';
  const log = openSync(join(logDir, 'hapi.log'), 'w');
  const child = spawn(java, [...options, '-cp', classpath, HAPI_MAIN_CLASS, '0'], {
    stdio: ['ignore', 'pipe', log],
  });
  closeSync(log);
  const started = Date.now();
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('HAPI did not start within 300 s'));
    }, 300_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`HAPI exited during start-up (code ${code}; log ${join(logDir, 'hapi.log')})`),
      );
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /HAPI FHIR ready at (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(match[1]);
      }
    });
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  return restServer('hapi', baseUrl, `private HAPI FHIR started in ${seconds} s`, async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
}

function startStub(root: string, logDir: string, note: string): FhirServer {
  const resourcesFile = join(logDir, 'fhir-stub-resources.json');
  const resources: FhirResource[] = [];
  let child: Child | undefined;
  return {
    kind: 'stub',
    get baseUrl() {
      if (!child) throw new Error('load the stub before using it');
      return `http://127.0.0.1:${child.port}/fhir`;
    },
    note,
    async load(more) {
      // The stub holds its data in memory: restart it with the union.
      resources.push(...more);
      writeFileSync(resourcesFile, JSON.stringify(resources));
      if (child) await stopChild(child);
      child = await startChild({
        name: 'fhir-stub',
        script: join(root, 'dist/bench/fhir-stub.js'),
        env: { RESOURCES_FILE: resourcesFile },
        logDir,
        readyPath: '/fhir/metadata',
      });
    },
    async close() {
      if (child) await stopChild(child);
    },
  };
}

export async function openFhirServer(
  choice: FhirChoice,
  root: string,
  logDir: string,
): Promise<FhirServer> {
  if (choice.startsWith('http')) {
    const base = choice.replace(/\/+$/, '');
    return restServer('url', base, 'FHIR server given with --fhir=URL', async () => undefined);
  }
  if (choice === 'stub') return startStub(root, logDir, 'stub chosen with --fhir=stub');
  try {
    return await startHapi(root, logDir);
  } catch (error) {
    if (choice === 'hapi') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return startStub(root, logDir, `HAPI not available (${reason}); stub used`);
  }
}
