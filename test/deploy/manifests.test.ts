/**
 * The Kubernetes manifests in deploy/, checked offline (no cluster here): they parse
 * as Kubernetes reads YAML, the pieces refer to each other by the right names and
 * ports, the probes hit /healthz, the ConfigMap and Secret set only variables the
 * service knows and pass its own config validation, the Secret holds placeholders
 * only, and the termination grace covers the preStop sleep plus the service's
 * shutdown grace, and Prometheus' scrape annotations name the metrics port and the
 * path the service serves there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createMetrics, metricsListener } from '../../src/http/metrics';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';

const ROOT = join(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');

/**
 * Kubernetes reads YAML 1.1, where a bare `no`, `on` or `off` is a boolean (js-yaml 4
 * follows YAML 1.2 and would read the string): parsed this way, `CDS_PROFILE: no`
 * shows up as `false` and fails the string checks below, as kubectl would fail it.
 */
const YAML11_TRUE = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE)$/;
const YAML11_FALSE = /^(?:n|N|no|No|NO|off|Off|OFF|false|False|FALSE)$/;
const KUBERNETES_YAML = yaml.DEFAULT_SCHEMA.extend({
  implicit: [
    new yaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: string) => YAML11_TRUE.test(data) || YAML11_FALSE.test(data),
      construct: (data: string) => YAML11_TRUE.test(data),
      predicate: (value: unknown) => typeof value === 'boolean',
      represent: { lowercase: (value: unknown) => (value ? 'true' : 'false') },
      defaultStyle: 'lowercase',
    }),
  ],
});

/** Loose shapes of the parts checked; anything else in the manifests is left to Kubernetes. */
interface Meta {
  name: string;
  labels?: Record<string, string>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: { labelSelector: { matchLabels: Record<string, string> } }[];
  affinity?: unknown;
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, unknown> };
      spec: PodSpec;
    };
  };
}
interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

function parse(file: string): unknown[] {
  return yaml.loadAll(readFileSync(join(DEPLOY, file), 'utf8'), undefined, {
    schema: KUBERNETES_YAML,
  });
}

const kustomization = parse('kustomization.yaml')[0] as Kustomization;
const manifests = kustomization.resources.flatMap((file) => parse(file) as Manifest[]);

function only<T extends Manifest>(kind: string): T {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as T;
}

const deployment = only<Deployment>('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;
const configMap = only<Manifest & { data: Record<string, unknown> }>('ConfigMap');
const secret = only<Manifest & { stringData?: Record<string, unknown>; data?: unknown }>('Secret');
const service = only<
  Manifest & {
    spec: {
      type?: string;
      selector: Record<string, string>;
      ports: { port: number; targetPort: string | number }[];
    };
  }
>('Service');
const hpa = only<
  Manifest & {
    spec: {
      scaleTargetRef: { apiVersion: string; kind: string; name: string };
      minReplicas: number;
      maxReplicas: number;
      metrics: { type: string; resource?: { name: string } }[];
    };
  }
>('HorizontalPodAutoscaler');
const pdb = only<
  Manifest & {
    spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
  }
>('PodDisruptionBudget');

/** The environment the pod gets: ConfigMap, then Secret (envFrom order), then env. */
const podEnv: Record<string, unknown> = {
  ...configMap.data,
  ...secret.stringData,
  ...Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value])),
};

/** The variables the service reads: the keys of its zod schemas (src/config.ts, src/store/settings.ts). */
function serviceVariables(): Set<string> {
  const names = new Set<string>();
  for (const file of ['src/config.ts', 'src/store/settings.ts']) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\b/gm))
      names.add(String(match[1]));
  }
  return names;
}

/** A port reference (name or number) resolved against the container's ports. */
function containerPort(port: string | number | undefined): number | undefined {
  if (typeof port === 'number') {
    return container.ports.some((entry) => entry.containerPort === port) ? port : undefined;
  }
  return container.ports.find((entry) => entry.name === port)?.containerPort;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('deploy/ manifests', () => {
  test('kustomization lists every manifest in deploy/, each with apiVersion, kind and name', () => {
    const files = readdirSync(DEPLOY).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    for (const manifest of manifests) {
      expect(manifest).toMatchObject({
        apiVersion: expect.any(String),
        kind: expect.any(String),
        metadata: { name: expect.stringMatching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/) },
      });
    }
    const namespace = only('Namespace');
    expect(kustomization.namespace).toBe(namespace.metadata.name);
  });

  test('the image and npm start run the service with its V8 flags (src/node-flags.ts)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual(['node', ...SERVICE_NODE_FLAGS, 'dist/src/main.js']);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.start).toContain(`node ${SERVICE_NODE_FLAGS.join(' ')} dist/src/main.js`);
    // The Deployment runs the image's CMD: no command of its own that could drop them.
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
  });

  test('the image is the one the kustomization sets, and it runs as the non-root user of the Dockerfile', () => {
    expect(kustomization.images?.map((image) => image.name)).toEqual([container.image]);
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('the container ports are PORT and METRICS_PORT, the Service targets PORT only, and every probe GETs /healthz on it', () => {
    const port = Number(podEnv.PORT);
    const metricsPort = Number(podEnv.METRICS_PORT);
    expect(container.ports.map((entry) => entry.containerPort)).toEqual([port, metricsPort]);
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(service.spec.ports).toHaveLength(1);
    expect(containerPort(service.spec.ports[0]?.targetPort)).toBe(port);
    for (const probe of [
      container.startupProbe,
      container.readinessProbe,
      container.livenessProbe,
    ]) {
      expect(probe?.httpGet?.path).toBe('/healthz');
      expect(containerPort(probe?.httpGet?.port)).toBe(port);
    }
  });

  test('Prometheus scrapes GET /metrics on METRICS_PORT, which is not behind the Service', async () => {
    const annotations = deployment.spec.template.metadata.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    const env = Object.fromEntries(
      Object.entries(podEnv).map(([name, value]) => [name, String(value)]),
    );
    const metricsPort = loadConfig(env).metricsPort;
    expect(metricsPort).toBeDefined();
    expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort);
    expect(containerPort('metrics')).toBe(metricsPort);
    expect(service.spec.ports.map((entry) => containerPort(entry.targetPort))).not.toContain(
      metricsPort,
    );
    // The path scraped is the one the metrics port serves.
    const path = String(annotations['prometheus.io/path']);
    const scraped = await request(metricsListener(createMetrics({ processDefaults: false }))).get(
      path,
    );
    expect([path, scraped.status]).toEqual([path, 200]);
    expect(scraped.text).toContain('fls_http_request_duration_seconds');
  });

  test('selectors of the Deployment, Service, PDB and spread rules match the pod labels', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(selects(deployment.spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(service.spec.selector, labels)).toBe(true);
    expect(selects(pdb.spec.selector.matchLabels, labels)).toBe(true);
    expect(pod.topologySpreadConstraints?.length).toBeGreaterThan(0);
    for (const constraint of pod.topologySpreadConstraints ?? []) {
      expect(selects(constraint.labelSelector.matchLabels, labels)).toBe(true);
    }
  });

  test('two replicas at least: Deployment, HPA (CPU, on this Deployment) and a PDB that leaves one up', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toEqual([
      expect.objectContaining({
        type: 'Resource',
        resource: expect.objectContaining({ name: 'cpu' }),
      }),
    ]);
    // CPU utilisation is measured against the request: without one the HPA cannot scale.
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  test('the pod takes its environment from the ConfigMap and the Secret defined here', () => {
    expect(container.envFrom).toEqual(
      expect.arrayContaining([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]),
    );
  });

  test('ConfigMap and Secret values are strings, as Kubernetes reads them (no bare no / 3000)', () => {
    for (const [name, value] of Object.entries({ ...configMap.data, ...secret.stringData })) {
      expect([name, typeof value]).toEqual([name, 'string']);
    }
    // The check itself: YAML 1.1 reads these as a boolean and a number.
    expect(yaml.load('CDS_PROFILE: no\nPORT: 3000', { schema: KUBERNETES_YAML })).toEqual({
      CDS_PROFILE: false,
      PORT: 3000,
    });
  });

  test('every variable set is one the service reads, and secrets stay out of the ConfigMap', () => {
    const known = serviceVariables();
    // The scan of the schemas found them (a changed code style would empty it).
    expect(known.size).toBeGreaterThan(15);
    for (const name of ['PORT', 'PUBLIC_BASE_URL', 'SHUTDOWN_GRACE_MS', 'DATABASE_URL']) {
      expect(known.has(name)).toBe(true);
    }
    for (const name of Object.keys(podEnv)) expect([name, known.has(name)]).toEqual([name, true]);
    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual([
      'CDS_TRUSTED_CLIENTS',
      'DATABASE_URL',
    ]);
    for (const name of ['DATABASE_URL', 'CDS_TRUSTED_CLIENTS', 'CDS_TRUSTED_CLIENTS_FILE']) {
      expect(configMap.data).not.toHaveProperty(name);
    }
  });

  test('the Secret holds placeholders only, never key material', () => {
    expect(secret.data).toBeUndefined();
    for (const value of Object.values(secret.stringData ?? {})) {
      expect(String(value)).toContain('REPLACE_ME');
      expect(String(value)).not.toMatch(/PRIVATE KEY|"d"\s*:/);
    }
  });

  test("the environment passes the service's own validation: production, auth on, PostgreSQL", () => {
    const env = Object.fromEntries(
      Object.entries(podEnv).map(([name, value]) => [name, String(value)]),
    );
    const config = loadConfig(env);
    expect(config.auth).toMatchObject({ mode: 'on', publicBaseUrl: env.PUBLIC_BASE_URL });
    // readOnlyRootFilesystem holds only because the embedded store (a data directory) is not used.
    expect(config.store.kind).toBe('postgres');
    expect(config.port).toBe(container.ports[0]?.containerPort);
  });

  test('termination grace > preStop sleep + the shutdown grace; liveness outlasts a shutdown', () => {
    const env = Object.fromEntries(
      Object.entries(podEnv).map(([name, value]) => [name, String(value)]),
    );
    const shutdownGraceMs = loadConfig(env).shutdownGraceMs;
    const preStop = container.lifecycle?.preStop;
    const command = preStop?.exec?.command ?? [];
    const sleepSeconds =
      preStop?.sleep?.seconds ?? (command[0] === 'sleep' ? Number(command[1]) : NaN);
    expect(sleepSeconds).toBeGreaterThan(0);
    const terminationMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
    expect(terminationMs).toBeGreaterThan(sleepSeconds * 1000 + shutdownGraceMs);
    // /healthz answers 503 while stopping: liveness must not restart a pod that is draining.
    const liveness = container.livenessProbe;
    const livenessMs = (liveness?.periodSeconds ?? 10) * (liveness?.failureThreshold ?? 3) * 1000;
    expect(livenessMs).toBeGreaterThan(shutdownGraceMs);
  });
});
