import { z } from 'zod';
import { descriptionOf, formatPath, schemaAt, unwrap } from './schema-paths';
import { environmentConfigSchema } from './schema';
import { ClusterConfig, EnvironmentConfig, ResourceSpec } from './types';

/*
 * The policy and hardening defaults of a development, a staging and a production environment. An
 * environment starts from one of them and overrides what differs (`environment({ ... })`), so that every
 * environment of every estate gets the same hardening unless it says otherwise, and `spire-gitops
 * explain-defaults` can list what it got. Each value is documented here; what the field means is
 * documented in lib/config/schema.ts.
 */

export type PresetName = 'development' | 'staging' | 'production';
export const PRESET_NAMES: readonly PresetName[] = ['development', 'staging', 'production'];

/** What a preset fills in: everything but the environment's name, trust domain and clusters. */
export type Preset = Omit<EnvironmentConfig, 'name' | 'trustDomain' | 'clusters'>;

// Requests sized for a few hundred workloads per cluster; no CPU limits (throttling a CA or an agent
// serving SVIDs costs more than it saves), memory limits at twice the request.
const SMALL: ResourceSpec = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
const MEDIUM: ResourceSpec = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
const LARGE: ResourceSpec = { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } };
// The CSI driver only relays the agent's socket into pods.
const CSI_DRIVER: ResourceSpec = { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } };

/**
 * Kubernetes' own namespaces and SPIRE's agent namespace: no workload there gets an identity. The server
 * namespace is not ignored: the OIDC discovery provider there gets its identity from the manager.
 */
const IGNORED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'spire-system'];

const development: Preset = {
  // Development and staging are not held to production rules (the preset below is).
  production: false,
  server: {
    // One server on sqlite3: the simplest thing that works; nothing to share.
    replicas: 1,
    // Everything the server does is logged: this is where SPIRE is learnt and debugged.
    logLevel: 'DEBUG',
    // JSON: log pipelines parse it without patterns.
    logFormat: 'json',
    // A day: the CA rotates daily, so rotation problems show up in development first.
    caTtl: '24h',
    // P-256: what SPIRE defaults to and every SPIFFE library verifies.
    caKeyType: 'ec-p256',
    // SPIRE's own default subject (C=US, O=SPIFFE) with a name; estates set their organisation's.
    caSubject: { country: 'US', organization: 'SPIFFE', commonName: 'SPIRE CA' },
    // SPIRE's defaults: an hour for X509-SVIDs, five minutes for JWT-SVIDs (bearer tokens).
    defaultX509SvidTtl: '1h',
    defaultJwtSvidTtl: '5m',
    datastore: { type: 'sqlite3', storageSize: '1Gi' },
    // Keys on disk survive a restart: a memory key manager would rotate the CA on every pod restart.
    keyManager: { type: 'disk', storageSize: '1Gi' },
    resources: SMALL,
    controllerManagerResources: SMALL,
    controllerManagerLogLevel: 'info',
    ignoreNamespaces: IGNORED_NAMESPACES,
  },
  agent: {
    logLevel: 'DEBUG',
    logFormat: 'json',
    // The upstream chart's default: most kubelets serve self-signed certificates.
    kubeletVerification: 'skip',
    resources: SMALL,
    csiDriverResources: CSI_DRIVER,
  },
  identityPolicy: {
    // A sixth of the CA's 24h: SPIRE shortens SVIDs that would outlive its CA.
    maxTtl: '4h',
    maxJwtTtl: '1h',
    // No workload administers SPIRE; an admin SVID may create and delete any registration entry.
    admin: 'forbidden',
    // No federation and any path until the environment says otherwise.
    allowedFederation: [],
    allowedPathPrefixes: [],
  },
  identities: [],
  staticEntries: [],
  federation: [],
  // Off: development clusters often run CNIs without NetworkPolicy support, and debugging needs access.
  networkPolicies: false,
  // Tags are enough: development tries new images before their digests are recorded.
  requireImageDigests: false,
  // Ignore: a down webhook does not block development deployments (nothing is checked while it is down).
  webhookFailurePolicy: 'Ignore',
  gitops: {
    engines: ['argocd'],
    // Git is the truth: removed identities are pruned (revoked), hand edits undone.
    argoSync: { mode: 'automated', prune: true, selfHeal: true },
    syncWindows: [],
    operatorsMaySync: true,
    fluxSuspended: false,
    preSyncValidation: true,
    postSyncHealthCheck: true,
  },
  monitoring: {
    // Off: development clusters rarely run the Prometheus operator.
    enabled: false,
    // kube-prometheus-stack's Helm release label, which its Prometheus selects by.
    prometheusSelector: { release: 'kube-prometheus-stack' },
    dashboardNamespace: 'monitoring',
    prometheusNamespace: 'monitoring',
  },
};

const staging: Preset = {
  ...development,
  server: {
    ...development.server,
    logLevel: 'INFO',
    // Three days: rotations happen, but not so often that they are noise.
    caTtl: '72h',
    datastore: { type: 'sqlite3', storageSize: '2Gi' },
    resources: MEDIUM,
  },
  agent: { ...development.agent, logLevel: 'INFO', resources: MEDIUM },
  identityPolicy: {
    ...development.identityPolicy,
    // A sixth of the CA's 72h.
    maxTtl: '12h',
    // Workload IDs live under /ns/<namespace>/...: no identity impersonates SPIRE's own paths.
    allowedPathPrefixes: ['/ns/'],
  },
  // Staging rehearses production's network rules.
  networkPolicies: true,
  // Fail: no identity is registered unchecked while the webhook is down, as in production.
  webhookFailurePolicy: 'Fail',
  monitoring: { ...development.monitoring, enabled: true },
};

const production: Preset = {
  ...staging,
  // Production rules: manual syncs, digests, admin only for SPIRE's tooling, verified database TLS.
  production: true,
  server: {
    ...staging.server,
    // A week: at least 6 times the longest X509-SVID TTL the policy allows (24h).
    caTtl: '168h',
    resources: LARGE,
    controllerManagerResources: MEDIUM,
    // Replicas on different nodes where the cluster has them, so one node's loss leaves a server serving;
    // preferred, not required, so a cluster with fewer nodes than replicas still runs them all.
    pod: { spread: { over: 'nodes', required: false } },
  },
  identityPolicy: {
    ...staging.identityPolicy,
    maxTtl: '24h',
    // Every identity states admin, and only SPIRE's own tooling may be admin.
    admin: 'spire-tooling',
  },
  // Only images pinned by digest: what was reviewed is what runs.
  requireImageDigests: true,
  gitops: {
    ...staging.gitops,
    // Synced by hand only: a merge does not reach production until someone syncs it.
    argoSync: { mode: 'manual' },
    // Only the AppProject's admins sync production.
    operatorsMaySync: false,
    // Flux (if it deploys production) waits until the environment is promoted.
    fluxSuspended: true,
    // The health probe image has no verified digest in lib/config/versions.ts, and production refuses
    // undigested images: off until one is recorded there.
    postSyncHealthCheck: false,
  },
};

export const PRESETS: Readonly<Record<PresetName, Preset>> = { development, staging, production };

/** A value with every object field optional, all the way down; lists are given whole. */
export type Overrides<T> =
  T extends readonly unknown[] ? T
    : T extends object ? { readonly [Key in keyof T]?: Overrides<T[Key]> }
      : T;

/** What `environment()` takes: the environment's own facts, its preset, and whatever differs from the preset. */
export type EnvironmentOptions = Overrides<Preset> & {
  readonly name: string;
  readonly preset: PresetName;
  readonly trustDomain: string;
  readonly clusters: readonly ClusterConfig[];
};

/**
 * `override` over `base`, as the schema shapes them: objects merge key by key, a discriminated union
 * merges only within the same form (a `{ type: 'postgres', ... }` replaces a sqlite3 datastore whole),
 * lists and records are replaced.
 */
function merge(base: unknown, override: unknown, schema: z.core.$ZodType | undefined): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override) || !schema) return override;
  const def = innerDef(schema);
  if (def.type === 'union') {
    const key: string | undefined = def.discriminator;
    if (!key || (override[key] !== undefined && override[key] !== base[key])) return override;
    return mergeObject(base, override, (field) => schemaAt(schema, [field], base));
  }
  if (def.type !== 'object') return override;
  return mergeObject(base, override, (field) => def.shape[field]);
}

function mergeObject(base: Record<string, unknown>, override: Record<string, unknown>, fieldSchema: (field: string) => z.core.$ZodType | undefined) {
  const merged: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(override)) {
    if (value !== undefined) merged[field] = merge(base[field], value, fieldSchema(field));
  }
  return merged;
}

function innerDef(schema: z.core.$ZodType): any {
  return unwrap(schema)._zod.def;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An environment from a preset: `environment({ name, preset: 'production', trustDomain, clusters })`,
 * plus any field that differs from the preset, given as deep as it differs (`server: { replicas: 2 }`).
 */
export function environment(options: EnvironmentOptions): EnvironmentConfig {
  const { preset, name, trustDomain, clusters, ...overrides } = options;
  const merged = merge(PRESETS[preset], overrides, environmentConfigSchema) as Preset;
  return { name, trustDomain, clusters, ...merged } as EnvironmentConfig;
}

/** One field a preset or the schema fills in. */
export interface DefaultedField {
  /** Path in an environment, `server.caTtl`; `clusters[].clusterDomain` for a field of every cluster. */
  readonly path: string;
  /** The value each preset gives it. */
  readonly values: Readonly<Record<PresetName, unknown>>;
  /** The field's documentation from the schema. */
  readonly documentation: string;
}

/** The leaf paths of a preset: objects are walked, lists, records and the forms of a union are values. */
function leaves(value: unknown, schema: z.core.$ZodType | undefined, path: string[]): string[][] {
  const def = schema && innerDef(schema);
  if (!isPlainObject(value) || def?.type !== 'object') return [path];
  return Object.keys(def.shape).filter((key) => value[key] !== undefined)
    .flatMap((key) => leaves(value[key], def.shape[key], [...path, key]));
}

/** Fields of `schema` with a schema default (`.default()`), as paths; `[]` stands for every item of a list. */
function schemaDefaults(schema: z.core.$ZodType, path: (string | number)[]): { path: (string | number)[]; value: unknown }[] {
  const def = schema._zod.def as any;
  if (def.type === 'default') {
    return [{ path, value: typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue }];
  }
  const inner = innerDef(schema);
  if (inner.type === 'object') return Object.entries(inner.shape).flatMap(([key, field]) => schemaDefaults(field as z.core.$ZodType, [...path, key]));
  if (inner.type === 'array') return schemaDefaults(inner.element, [...path, 0]);
  return [];
}

/**
 * Every field an environment gets without stating it: the fields each preset sets (with each preset's
 * value) and the fields the schema defaults, sorted by path, each with its documentation.
 */
export function explainDefaults(): DefaultedField[] {
  const fields = new Map<string, DefaultedField>();
  const document = (path: (string | number)[], sample: unknown) => descriptionOf(schemaAt(environmentConfigSchema, path, sample)) ?? '';
  for (const name of PRESET_NAMES) {
    for (const path of leaves(PRESETS[name], environmentConfigSchema, [])) {
      const key = formatPath(path);
      if (fields.has(key)) continue;
      const values = Object.fromEntries(PRESET_NAMES.map((preset) => [preset, path.reduce<any>((value, field) => value?.[field], PRESETS[preset])])) as Record<PresetName, unknown>;
      fields.set(key, { path: key, values, documentation: document(path, PRESETS[name]) });
    }
  }
  const sample = { clusters: [{}] };
  for (const { path, value } of schemaDefaults(environmentConfigSchema, [])) {
    const key = formatPath(path).replace(/\[0\]/g, '[]');
    if (fields.has(key)) continue;
    fields.set(key, { path: key, values: { development: value, staging: value, production: value }, documentation: document(path, sample) });
  }
  return [...fields.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** explainDefaults() as text: one block per field, its value in each preset, its documentation. */
export function formatDefaults(fields: readonly DefaultedField[] = explainDefaults()): string {
  const show = (value: unknown) => (value === undefined ? '(not set)' : JSON.stringify(value));
  return fields.map((field) => {
    const values = PRESET_NAMES.map((preset) => `${preset}: ${show(field.values[preset])}`);
    const same = new Set(PRESET_NAMES.map((preset) => show(field.values[preset]))).size === 1;
    return [
      field.path,
      same ? `  every preset: ${show(field.values.development)}` : `  ${values.join('   ')}`,
      ...(field.documentation ? [`  ${field.documentation}`] : []),
    ].join('\n');
  }).join('\n\n') + '\n';
}
