/**
 * The worklist's path for large populations: FHIR Bulk Data `$export` (system
 * level) instead of ten searches per patient (docs/worklist.md "Scale").
 *
 * 1. Kick off `$export` with `_type` = the resource types the prefetch reads and
 *    `_typeFilter` = the prefetch's Observation code filter (`Prefer: respond-async`).
 * 2. Meanwhile, the population: the same sentinel-fracture search as the search path
 *    (so both paths list exactly the same patients); only the ids are kept.
 * 3. Poll the status URL (Retry-After honoured, capped), then download each NDJSON
 *    file to a temporary file and read it back line by line. A line for a patient in
 *    the population goes to one of the partition files (partitionCount: more for a
 *    larger population) by a hash of the patient id; everything
 *    else is dropped (Medications referred to by a medication resource are kept,
 *    as the prefetch's `_include` brings them).
 * 4. One partition at a time: group its lines by patient, give each patient the
 *    resources the prefetch queries would have returned (the same type and code
 *    filters, applied here too: a server may ignore `_typeFilter`), build the
 *    snapshot and run the same rules (evaluateSafely) → the same rows.
 *
 * Memory: the rows, the population's ids, the Medications, and one partition of
 * FHIR data at a time — not the export.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { FhirResource, Reference } from 'fhir/r4';
import { BONE_CODES, LAB_CODES, type CodeEntry } from '../fhir/code-lists';
import { tokenList } from '../fhir/codes';
import { patientIdOf } from '../patient/references';
import type { WorklistRow, WorklistSettings } from './engine';
import {
  evaluateSafely,
  fracturePatientIds,
  WorklistCollector,
  WorklistSourceError,
  type Progress,
  type WorklistReport,
  type WorklistSource,
} from './population';

export interface BulkOptions {
  /** Longest wait between two status polls, whatever Retry-After says (HAPI says 120 s). */
  maxPollIntervalMs: number;
  /** Give up when the export is not complete after this long. */
  timeoutMs: number;
  /**
   * Temporary files the export is split into by patient, at least (memory ≈ export /
   * partitions): more for a large population, one per `patientsPerPartition`
   * patients up to `maxPartitions`, so that one partition's data stays the same
   * size whatever the population.
   */
  partitions: number;
  patientsPerPartition: number;
  /** The files are open together while the export is split: well below the usual 1,024 descriptors. */
  maxPartitions: number;
  /** Where the temporary files go (default: the OS temp directory); removed at the end. */
  tmpDir?: string;
  /** Tests: no real waiting. */
  sleep?: (ms: number) => Promise<void>;
}

export const BULK_DEFAULTS: BulkOptions = {
  maxPollIntervalMs: 5_000,
  timeoutMs: 60 * 60 * 1000,
  partitions: 64,
  patientsPerPartition: 50,
  maxPartitions: 512,
};

/** The resource types the patient-view prefetch reads (src/cds/services.ts), and Medication for `_include`. */
export const BULK_TYPES = [
  'Patient',
  'Observation',
  'Condition',
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'MedicationDispense',
  'AllergyIntolerance',
  'Procedure',
  'Medication',
] as const;

/** The prefetch's order of keys: the snapshot sees resources in the same order on both paths. */
const TYPE_ORDER: Record<string, number> = Object.fromEntries(
  BULK_TYPES.map((type, index) => [type, index]),
);
const MEDICATION_TYPES = new Set([
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'MedicationDispense',
]);

const flatten = (lists: Record<string, readonly CodeEntry[]>): CodeEntry[] =>
  Object.values(lists).flat();
/** Observation codes of the prefetch's two Observation queries (labs, bone density). */
const OBSERVATION_TOKENS = tokenList([...flatten(LAB_CODES), ...flatten(BONE_CODES)]);
const OBSERVATION_TOKEN_SET = new Set(OBSERVATION_TOKENS.split(','));

/** The kick-off request (relative to the base). */
export function exportKickoffQuery(): string {
  return (
    `$export?_type=${BULK_TYPES.join(',')}` +
    `&_typeFilter=${encodeURIComponent(`Observation?code=${OBSERVATION_TOKENS}`)}`
  );
}

interface Manifest {
  requiresAccessToken?: boolean;
  output?: { type?: string; url?: string }[];
  error?: { type?: string; url?: string }[];
}

/** The worklist by Bulk Data `$export`: same report as runWorklist for the same data. */
export async function runWorklistBulk(
  source: WorklistSource,
  settings: WorklistSettings,
  hooks: { onRow?: (row: WorklistRow) => void; onProgress?: (progress: Progress) => void } = {},
  overrides: Partial<BulkOptions> = {},
): Promise<WorklistReport> {
  const options: BulkOptions = { ...BULK_DEFAULTS, ...overrides };
  const baseFetch = source.fhir.fetch ?? fetch;
  let fhirRequests = 0;
  const counting: typeof fetch = (input, init) => {
    fhirRequests += 1;
    return baseFetch(input, init);
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const base = source.baseUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = source.accessToken
    ? { Authorization: `Bearer ${source.accessToken}` }
    : {};

  // 1. Kick-off: the server works on the export while the population is searched.
  const statusUrl = await kickOff(counting, base, auth, source.fhir.timeoutMs);

  // 2. The population (the same search as the search path), ids only, bucketed by partition.
  const population = new Set<string>();
  for await (const id of fracturePatientIds(source, settings.period, counting)) {
    population.add(id);
    hooks.onProgress?.({ found: population.size, done: 0 });
  }
  const partitions = partitionCount(population.size, options);
  const idsByPartition: string[][] = Array.from({ length: partitions }, () => []);
  for (const id of population) idsByPartition[partitionOf(id, partitions)]?.push(id);

  // 3. Wait for the export, then stream its files into the partitions.
  const manifest = await poll(
    counting,
    statusUrl,
    base,
    auth,
    source.fhir.timeoutMs,
    options,
    sleep,
  );
  if ((manifest.error ?? []).length > 0) {
    throw new WorklistSourceError(
      `the $export on ${base} reported errors (${manifest.error?.length} error file(s)): the population cannot be read whole`,
    );
  }
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'worklist-bulk-'));
  try {
    const medications = new Map<string, FhirResource>();
    const writers: (WriteStream | undefined)[] = Array.from(
      { length: partitions },
      () => undefined,
    );
    const fileHeaders = manifest.requiresAccessToken ? auth : {};
    try {
      for (const output of manifest.output ?? []) {
        if (!output.url) continue;
        const url = sameOriginOrThrow(output.url, base, manifest.requiresAccessToken === true);
        for await (const line of ndjsonLines(
          () => (fhirRequests += 1),
          url,
          base,
          fileHeaders,
          source.fhir.timeoutMs,
          dir,
        )) {
          let resource: FhirResource;
          try {
            resource = JSON.parse(line) as FhirResource;
          } catch {
            throw new WorklistSourceError(`a file of the $export on ${base} is not NDJSON`);
          }
          if (resource.resourceType === 'Medication') {
            if (resource.id) medications.set(`Medication/${resource.id}`, resource);
            continue;
          }
          const patientId = patientOf(resource);
          if (patientId === undefined || !population.has(patientId)) continue;
          if (!prefetchWouldRead(resource)) continue;
          const index = partitionOf(patientId, partitions);
          const writer = (writers[index] ??= createWriteStream(join(dir, `${index}.ndjson`)));
          if (!writer.write(`${patientId}\t${line}\n`)) {
            await new Promise<void>((resolve) => writer.once('drain', resolve));
          }
        }
      }
    } finally {
      await Promise.all(
        writers.map(
          (writer) => writer && new Promise<void>((resolve) => writer.end(() => resolve())),
        ),
      );
    }

    // 4. One partition at a time: group by patient, evaluate, keep only the rows.
    const collected = new WorklistCollector(hooks.onRow);
    const progress: Progress = { found: population.size, done: 0 };
    for (let index = 0; index < partitions; index += 1) {
      const ids = idsByPartition[index] ?? [];
      if (ids.length === 0) continue;
      const byPatient = new Map<string, FhirResource[]>();
      if (writers[index]) {
        const text = await readFile(join(dir, `${index}.ndjson`), 'utf8');
        for (const line of text.split('\n')) {
          const tab = line.indexOf('\t');
          if (tab < 0) continue;
          const patientId = line.slice(0, tab);
          const list = byPatient.get(patientId) ?? [];
          list.push(JSON.parse(line.slice(tab + 1)) as FhirResource);
          byPatient.set(patientId, list);
        }
      }
      for (const patientId of ids) {
        const resources = withIncludedMedications(byPatient.get(patientId) ?? [], medications);
        collected.add(evaluateSafely(patientId, resources, settings));
        progress.done += 1;
        hooks.onProgress?.({ ...progress });
      }
    }
    return collected.report(settings, fhirRequests);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function kickOff(
  fetchImpl: typeof fetch,
  base: string,
  auth: Record<string, string>,
  timeoutMs: number,
): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(`${base}/${exportKickoffQuery()}`, {
      headers: { Accept: 'application/fhir+json', Prefer: 'respond-async', ...auth },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new WorklistSourceError(`the FHIR server ${base} could not be reached for $export`);
  }
  await response.arrayBuffer().catch(() => undefined);
  const location = response.headers.get('content-location');
  if (response.status !== 202 || !location) {
    throw new WorklistSourceError(
      response.status === 401 || response.status === 403
        ? `${base} refused $export (HTTP ${response.status}): give an access token with --token or WORKLIST_FHIR_TOKEN`
        : `${base} did not start a Bulk Data $export (HTTP ${response.status}${response.status === 202 ? ', no Content-Location' : ''}): does it support $export? Without --bulk the worklist uses searches`,
    );
  }
  return sameOriginOrThrow(new URL(location, `${base}/`).href, base, true);
}

async function poll(
  fetchImpl: typeof fetch,
  statusUrl: string,
  base: string,
  auth: Record<string, string>,
  timeoutMs: number,
  options: BulkOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<Manifest> {
  const started = Date.now();
  let waited = 0;
  for (;;) {
    let response: Response;
    try {
      response = await fetchImpl(statusUrl, {
        headers: { Accept: 'application/json', ...auth },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new WorklistSourceError(`the $export status of ${base} could not be read`);
    }
    if (response.status === 200) {
      try {
        return (await response.json()) as Manifest;
      } catch {
        throw new WorklistSourceError(`the $export manifest of ${base} is not JSON`);
      }
    }
    await response.arrayBuffer().catch(() => undefined);
    // 202: in progress; 429 / 503: busy. Anything else: the export failed.
    if (response.status !== 202 && response.status !== 429 && response.status !== 503) {
      throw new WorklistSourceError(`the $export on ${base} failed (HTTP ${response.status})`);
    }
    const retryAfterS = Number(response.headers.get('retry-after'));
    const waitMs = Math.min(
      options.maxPollIntervalMs,
      Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : 1000,
    );
    waited += waitMs;
    if (Date.now() - started + waitMs > options.timeoutMs || waited > options.timeoutMs) {
      throw new WorklistSourceError(
        `the $export on ${base} was not complete within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    await sleep(waitMs);
  }
}

/**
 * The lines of one NDJSON file, never the whole file in memory: the download goes
 * to a temporary file first, as fast as the server sends it, then the file is read
 * back line by line. The download uses `node:http(s)` piped into the file, not
 * `fetch`: reading a large body through fetch's web stream (undici) slowed to
 * ~80 KB/s once hundreds of MB were in flight (65 MB of a 200 MB file in 13 min,
 * the same file in 24 s piped), which is what made the bulk path slow at 10,000
 * patients (docs/worklist.md "Scale").
 */
async function* ndjsonLines(
  countRequest: () => void,
  url: string,
  base: string,
  headers: Record<string, string>,
  timeoutMs: number,
  dir: string,
): AsyncGenerator<string> {
  const file = join(dir, 'download.ndjson');
  countRequest();
  await download(url, base, headers, Math.max(timeoutMs, 10 * 60 * 1000), file);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const trimmed = line.trim();
    if (trimmed) yield trimmed;
  }
}

/** Redirects followed for one export file (a server may hand files out from a storage host). */
const MAX_REDIRECTS = 5;

/**
 * GET `url` into `file`. Redirects are followed as fetch follows them, and the
 * token is not sent on to another origin.
 */
async function download(
  url: string,
  base: string,
  headers: Record<string, string>,
  timeoutMs: number,
  file: string,
): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  let target = new URL(url);
  let sent = headers;
  for (let redirects = 0; ; redirects += 1) {
    const response = await get(
      target,
      { Accept: 'application/fhir+ndjson', ...sent },
      signal,
      base,
    );
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location && redirects < MAX_REDIRECTS) {
      response.resume();
      const next = URL.canParse(location, target.href) ? new URL(location, target) : undefined;
      if (next?.protocol !== 'http:' && next?.protocol !== 'https:') {
        throw new WorklistSourceError(
          `a file of the $export on ${base} redirected to a link that is not an http(s) URL`,
        );
      }
      if (next.origin !== target.origin) sent = {};
      target = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new WorklistSourceError(
        `a file of the $export on ${base} could not be downloaded (HTTP ${status})`,
      );
    }
    try {
      await pipeline(response, createWriteStream(file), { signal });
    } catch {
      throw new WorklistSourceError(`a file of the $export on ${base} broke off while downloading`);
    }
    return;
  }
}

function get(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  base: string,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsGet : httpGet;
  const failed = () =>
    new WorklistSourceError(`a file of the $export on ${base} could not be downloaded`);
  return new Promise<IncomingMessage>((resolve, reject) => {
    // A request that cannot even be made (a bad header value, say) fails as one that is refused.
    try {
      request(url, { headers, signal }, resolve).on('error', () => reject(failed()));
    } catch {
      reject(failed());
    }
  });
}

/** Links the manifest gives must stay on the FHIR server's origin when they get the token. */
function sameOriginOrThrow(url: string, base: string, carriesToken: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WorklistSourceError(`the $export on ${base} gave a link that is not a URL`);
  }
  if (carriesToken && parsed.origin !== new URL(base).origin) {
    throw new WorklistSourceError(`the $export on ${base} gave a link to another host`);
  }
  return parsed.href;
}

/** The patient a resource belongs to, as the prefetch's `patient=` search parameter reads it. */
function patientOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const holder = resource as { subject?: Reference; patient?: Reference };
  const reference =
    resource.resourceType === 'AllergyIntolerance' ? holder.patient : holder.subject;
  return patientIdOf(reference);
}

/** The prefetch's own filters: Observations by the lab and bone code lists only. */
function prefetchWouldRead(resource: FhirResource): boolean {
  if (resource.resourceType !== 'Observation') return true;
  return (resource.code?.coding ?? []).some(
    (coding) =>
      coding.system !== undefined &&
      coding.code !== undefined &&
      OBSERVATION_TOKEN_SET.has(`${coding.system}|${coding.code}`),
  );
}

/** The patient's resources in the prefetch's order, with the Medications `_include` would bring. */
function withIncludedMedications(
  resources: FhirResource[],
  medications: ReadonlyMap<string, FhirResource>,
): FhirResource[] {
  const out = [...resources].sort(
    (a, b) => (TYPE_ORDER[a.resourceType] ?? 99) - (TYPE_ORDER[b.resourceType] ?? 99),
  );
  const included = new Set<string>();
  for (const resource of resources) {
    if (!MEDICATION_TYPES.has(resource.resourceType)) continue;
    const reference = (resource as { medicationReference?: Reference }).medicationReference
      ?.reference;
    if (!reference || included.has(reference)) continue;
    const medication = medications.get(reference.replace(/^.*\/(Medication\/[^/]+)$/, '$1'));
    if (medication) {
      included.add(reference);
      out.push(medication);
    }
  }
  return out;
}

/** At least `partitions`; one per `patientsPerPartition` patients for a large population; at most `maxPartitions`. */
export function partitionCount(
  population: number,
  options: Pick<BulkOptions, 'partitions' | 'patientsPerPartition' | 'maxPartitions'>,
): number {
  const wanted = Math.max(
    Math.floor(options.partitions),
    Math.ceil(population / Math.max(1, options.patientsPerPartition)),
  );
  return Math.max(1, Math.min(wanted, Math.floor(options.maxPartitions)));
}

/** FNV-1a of the id: a patient's lines always land in the same partition. */
function partitionOf(id: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
