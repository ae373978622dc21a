import { ViolationDetails } from './violation';
import { EnvironmentConfig, EstateConfig, LabelSelectorSpec, ReplicatedPodOptions, ResourceSpec } from './types';
import { IMAGE_NAMES, ImageRef } from './versions';
import { datastoresOf, serverOverridesOf } from './topology';
import { PROJECT_LABEL_KEYS } from '../resolve/labels';
import { DEFAULT_CONTAINER_ANNOTATION, PROJECT_ANNOTATION_PREFIX } from '../resolve/pods';
import { WORKLOADS } from '../resolve/resolve';

/*
 * Field-level checks of the estate: every Kubernetes name, label and quantity is one the API server
 * accepts, every image is pinned to a real tag. They run on an estate the schema (lib/config/schema.ts)
 * has accepted, so types, required keys and enumerated values are settled; what is left is what a value
 * must satisfy beyond its type. Each returns violations; none throws.
 */

type Report = (details: ViolationDetails) => void;

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** A ConfigMap or Secret key. */
export const CONFIG_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** A Kubernetes resource quantity in canonical units (apimachinery resource.ParseQuantity accepts these). */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE]\d+)?$/;
const MULTIPLIER: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
/** An image repository: optional registry host[:port], then lowercase path components (distribution reference grammar). */
const REPOSITORY = /^([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/*
 * A label (or annotation) key is a Kubernetes qualified name: an optional DNS subdomain prefix of at most
 * 253 characters and `/`, then a name of at most 63 characters of A-Z a-z 0-9 - _ . that begins and ends
 * alphanumeric (apimachinery pkg/util/validation/validation.go, IsQualifiedName; IsValidLabelValue for
 * values, which may also be empty).
 */
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Why `key` is not a qualified name, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'has more than one /';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a lowercase DNS subdomain of at most 253 characters';
  if (name.length === 0 || name.length > 63) return `has a name part of ${name.length} characters (1 to 63 allowed)`;
  if (!QUALIFIED_NAME_PART.test(name)) return 'has a name part that is not A-Z a-z 0-9 - _ . beginning and ending alphanumeric';
  return undefined;
}

/** Whether `value` is a valid label value: at most 63 characters of A-Z a-z 0-9 - _ ., alphanumeric at both ends, or empty. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && LABEL_VALUE.test(value);
}

/** `host:port` with a DNS name or IPv4 address and a port of 1 to 65535, as a UDP sink address is dialled. */
function hostPort(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^([a-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 && DNS_SUBDOMAIN.test(match[1]);
}

export function quantityValue(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[3] ?? '';
  const multiplier = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIER[suffix];
  return Number(match[1]) * multiplier;
}

function name(report: Report, resource: string, field: string, value: unknown, kind: 'label' | 'subdomain', what: string): void {
  const ok = typeof value === 'string' && (kind === 'label' ? DNS_LABEL.test(value) && value.length <= 63 : DNS_SUBDOMAIN.test(value) && value.length <= 253);
  if (!ok) {
    report({
      resource, field, value,
      rule: `is not a valid ${what} (a lowercase RFC 1123 ${kind === 'label' ? 'label of at most 63' : 'subdomain of at most 253'} characters)`,
      fix: 'use lowercase letters, digits and -',
    });
  }
}

function text(report: Report, resource: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '' || CONTROL.test(value) || value.includes('${')) {
    report({ resource, field, value, rule: 'must be non-empty text without control characters or ${', fix: 'write plain text' });
  }
}

/** Checks one container image of the catalogue: a real repository, a pinned tag (never latest), a well-formed digest. */
export function checkImage(report: Report, key: string, image: ImageRef | undefined): void {
  const resource = `image "${key}"`;
  if (!image) return;
  if (typeof image.repository !== 'string' || !REPOSITORY.test(image.repository)) {
    report({ resource, field: 'repository', value: image.repository, rule: 'is not an image repository', fix: 'write it like ghcr.io/spiffe/spire-server' });
  }
  if (typeof image.tag !== 'string' || image.tag === '' || image.tag === 'latest' || !TAG.test(image.tag)) {
    report({
      resource, field: 'tag', value: image.tag,
      rule: image.tag === 'latest' ? 'latest moves under you: a sync could run another version than the one reviewed' : image.tag ? 'is not an image tag' : 'is missing: an untagged image means latest',
      fix: 'pin the release tag (e.g. 1.15.2) and its digest',
    });
  }
  if (image.digest !== undefined && (typeof image.digest !== 'string' || !DIGEST.test(image.digest))) {
    report({ resource, field: 'digest', value: image.digest, rule: 'is not a sha256 digest', fix: 'use crane digest IMAGE:TAG, which prints sha256:<64 hex digits>' });
  }
  for (const field of ['entrypoint', 'cmd'] as const) {
    if (image[field].some((part) => part === '')) {
      report({ resource, field, value: image[field], rule: 'must list the image\'s ' + (field === 'entrypoint' ? 'ENTRYPOINT' : 'CMD') + ' as non-empty strings', fix: 'copy it from the image\'s Dockerfile ([] when it has none)' });
    }
  }
  if (image.entrypoint.length === 0 && image.cmd.length === 0) {
    report({ resource, field: 'entrypoint', value: [], rule: 'and cmd are both empty: the image would run nothing', fix: 'copy ENTRYPOINT and CMD from the image\'s Dockerfile' });
  }
}

function resourceSpec(report: Report, resource: string, field: string, spec: ResourceSpec): void {
  const quantities: [string, unknown, boolean][] = [
    [`${field}.requests.cpu`, spec.requests.cpu, true],
    [`${field}.requests.memory`, spec.requests.memory, true],
    [`${field}.limits.cpu`, spec.limits.cpu, false],
    [`${field}.limits.memory`, spec.limits.memory, true],
  ];
  for (const [path, value, required] of quantities) {
    if (value === undefined && !required) continue;
    if (quantityValue(value as string) === undefined) {
      report({ resource, field: path, value, rule: 'is not a Kubernetes quantity', fix: path.endsWith('cpu') ? 'write cpu like 100m or 1' : 'write memory like 128Mi or 1Gi' });
    }
  }
  for (const kind of ['cpu', 'memory'] as const) {
    const request = quantityValue(spec.requests[kind] as string);
    const limit = quantityValue(spec.limits[kind] as string);
    if (request !== undefined && limit !== undefined && limit < request) {
      report({ resource, field: `${field}.limits.${kind}`, value: spec.limits[kind], rule: `is below the request (${spec.requests[kind]}); the API server refuses a limit lower than its request`, fix: `raise the limit to ${spec.requests[kind]} or more, or lower the request` });
    }
  }
}

function selector(report: Report, resource: string, field: string, spec: LabelSelectorSpec | undefined): void {
  for (const [index, expression] of (spec?.matchExpressions ?? []).entries()) {
    for (const value of Array.isArray(expression?.values) ? expression.values : []) {
      if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
        report({ resource, field: `${field}.matchExpressions[${index}].values`, value, rule: 'is not a valid label value', fix: 'use at most 63 characters of A-Z a-z 0-9 - _ .' });
      }
    }
  }
}

/**
 * A component's pod options (lib/config/schema.ts podOptionsSchema): tolerations as the API server
 * validates them (core/validation ValidateTolerations), label keys and values, a PriorityClass name, and
 * no extra label or annotation over one the project sets (a label over the selector's would leave the
 * workload's pods unselected, or select another's).
 */
function podOptions(report: Report, resource: string, field: string, options: ReplicatedPodOptions | undefined): void {
  if (!options) return;
  for (const [index, toleration] of (options.tolerations ?? []).entries()) {
    const at = `${field}.tolerations[${index}]`;
    if (toleration.key !== undefined) {
      const problem = labelKeyProblem(toleration.key);
      if (problem) report({ resource, field: `${at}.key`, value: toleration.key, rule: `is not a valid taint key: it ${problem}`, fix: 'use the key of the node taint, e.g. dedicated or node-role.kubernetes.io/infra' });
    }
    if (toleration.operator === 'Equal' && !toleration.key) {
      report({ resource, field: `${at}.key`, value: toleration.key, rule: 'is required with operator Equal (only Exists may match every key)', fix: 'give the key of the taint, or use operator Exists' });
    }
    if (toleration.operator === 'Exists' && toleration.value !== undefined && toleration.value !== '') {
      report({ resource, field: `${at}.value`, value: toleration.value, rule: 'must be empty with operator Exists', fix: 'remove value, or use operator Equal' });
    }
    if (toleration.value !== undefined && !isLabelValue(toleration.value)) {
      report({ resource, field: `${at}.value`, value: toleration.value, rule: 'is not a valid taint value', fix: 'use at most 63 characters of A-Z a-z 0-9 - _ .' });
    }
    if (toleration.tolerationSeconds !== undefined && (toleration.effect !== 'NoExecute' || !Number.isInteger(toleration.tolerationSeconds))) {
      report({
        resource, field: `${at}.tolerationSeconds`, value: toleration.tolerationSeconds,
        rule: toleration.effect !== 'NoExecute' ? 'applies only with effect NoExecute' : 'must be a whole number of seconds',
        fix: toleration.effect !== 'NoExecute' ? 'set effect to NoExecute, or remove tolerationSeconds' : 'write whole seconds, e.g. 300',
      });
    }
  }
  const labels: [string, Record<string, string> | undefined][] = [['nodeSelector', options.nodeSelector], ['labels', options.labels]];
  for (const [kind, record] of labels) {
    for (const [key, value] of Object.entries(record ?? {})) {
      const at = `${field}.${kind}["${key}"]`;
      const problem = labelKeyProblem(key);
      if (problem) report({ resource, field: at, value: key, rule: `is not a valid label key: it ${problem}`, fix: 'use a key like team or example.com/team' });
      if (!isLabelValue(value)) report({ resource, field: at, value, rule: 'is not a valid label value', fix: 'use at most 63 characters of A-Z a-z 0-9 - _ ., beginning and ending alphanumeric' });
      if (kind === 'labels' && PROJECT_LABEL_KEYS.includes(key)) {
        report({
          resource, field: at, value,
          rule: `is a label the project sets (${PROJECT_LABEL_KEYS.join(', ')}); overriding it would change or break the workload's selector`,
          fix: 'choose another key, e.g. example.com/' + key.split('/')[1],
        });
      }
    }
  }
  for (const key of Object.keys(options.annotations ?? {})) {
    const at = `${field}.annotations["${key}"]`;
    const problem = labelKeyProblem(key.toLowerCase());
    if (problem) report({ resource, field: at, value: key, rule: `is not a valid annotation key: it ${problem}`, fix: 'use a key like example.com/owner' });
    if (key.startsWith(PROJECT_ANNOTATION_PREFIX) || key === DEFAULT_CONTAINER_ANNOTATION) {
      report({ resource, field: at, value: key, rule: `is an annotation the project sets (${PROJECT_ANNOTATION_PREFIX}*, ${DEFAULT_CONTAINER_ANNOTATION})`, fix: 'choose another key' });
    }
  }
  const priorityClassName = options.priorityClassName;
  if (priorityClassName !== undefined && priorityClassName !== null) {
    if (!DNS_SUBDOMAIN.test(priorityClassName) || priorityClassName.length > 253) {
      report({ resource, field: `${field}.priorityClassName`, value: priorityClassName, rule: 'is not a valid PriorityClass name (a lowercase RFC 1123 subdomain of at most 253 characters)', fix: 'use lowercase letters, digits, - and ., or null for none' });
    } else if (priorityClassName.startsWith('system-') && !['system-node-critical', 'system-cluster-critical'].includes(priorityClassName)) {
      // The API server reserves the system- prefix for its two built-in classes (scheduling/validation ValidatePriorityClass).
      report({ resource, field: `${field}.priorityClassName`, value: priorityClassName, rule: 'uses the system- prefix, which Kubernetes reserves for system-node-critical and system-cluster-critical', fix: 'name one of those two, or a PriorityClass of your own' });
    }
  }
}

/** Estate-wide fields that are not an environment's. */
export function checkEstateFields(estate: EstateConfig, report: Report): void {
  const images = (estate.images ?? {}) as unknown as Record<string, ImageRef>;
  for (const key of IMAGE_NAMES) {
    checkImage(report, key, images[key]);
  }
  name(report, 'Argo CD settings', 'argocd.namespace', estate.argocd?.namespace, 'label', 'namespace name');
  name(report, 'Argo CD settings', 'argocd.project', estate.argocd?.project, 'subdomain', 'AppProject name');
  name(report, 'Flux settings', 'flux.namespace', estate.flux?.namespace, 'label', 'namespace name');
}

/** One environment's enumerations, names, quantities and numbers. */
export function checkEnvironmentFields(env: EnvironmentConfig, report: Report): void {
  const resource = `environment "${env.name}"`;
  const server = env.server ?? ({} as EnvironmentConfig['server']);
  const agent = env.agent ?? ({} as EnvironmentConfig['agent']);
  if (server.keyManager?.type === 'disk' && quantityValue(server.keyManager.storageSize) === undefined) {
    report({ resource, field: 'server.keyManager.storageSize', value: server.keyManager.storageSize, rule: 'is not a Kubernetes quantity', fix: 'write it like 1Gi' });
  }
  if (server.keyManager?.type === 'disk' && server.keyManager.storageClass !== undefined) {
    name(report, resource, 'server.keyManager.storageClass', server.keyManager.storageClass, 'subdomain', 'StorageClass name');
  }
  const datastores = datastoresOf(env);
  for (const { field, datastore } of datastores) {
    if (datastore?.type === 'sqlite3') {
      if (quantityValue(datastore.storageSize) === undefined) report({ resource, field: `${field}.storageSize`, value: datastore.storageSize, rule: 'is not a Kubernetes quantity', fix: 'write it like 1Gi' });
      if (datastore.storageClass !== undefined) name(report, resource, `${field}.storageClass`, datastore.storageClass, 'subdomain', 'StorageClass name');
    } else if (datastore?.type === 'postgres' || datastore?.type === 'mysql') {
      // Whether a password or IAM authentication is given at all is lib/config/validate-aws.ts's concern.
      if (datastore.passwordSecret !== undefined) {
        name(report, resource, `${field}.passwordSecret.name`, datastore.passwordSecret?.name, 'subdomain', 'Secret name');
        if (typeof datastore.passwordSecret?.key !== 'string' || !CONFIG_KEY.test(datastore.passwordSecret.key)) {
          report({ resource, field: `${field}.passwordSecret.key`, value: datastore.passwordSecret?.key, rule: 'is not a valid Secret key', fix: 'use letters, digits, -, _ and .' });
        }
      }
      if (datastore.caConfigMap !== undefined) name(report, resource, `${field}.caConfigMap`, datastore.caConfigMap, 'subdomain', 'ConfigMap name');
      if (datastore.caSecret !== undefined) name(report, resource, `${field}.caSecret`, datastore.caSecret, 'subdomain', 'Secret name');
      if (datastore.clientCertificateSecret !== undefined) name(report, resource, `${field}.clientCertificateSecret`, datastore.clientCertificateSecret, 'subdomain', 'Secret name');
    }
  }
  const replicas: [string, unknown][] = [
    ['server.replicas', server.replicas],
    ...serverOverridesOf(env).filter(({ overrides }) => overrides.replicas !== undefined)
      .map(({ field, overrides }): [string, unknown] => [`${field}.replicas`, overrides.replicas]),
  ];
  for (const [field, value] of replicas) {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 100) {
      report({ resource, field, value, rule: 'must be a whole number from 1 to 100', fix: 'set it to 1 (sqlite3) or 2 or more (external database)' });
    }
  }
  text(report, resource, 'server.caSubject.organization', server.caSubject?.organization);
  text(report, resource, 'server.caSubject.commonName', server.caSubject?.commonName);
  if (typeof server.caSubject?.country !== 'string' || !/^[A-Z]{2}$/.test(server.caSubject.country)) {
    report({ resource, field: 'server.caSubject.country', value: server.caSubject?.country, rule: 'must be a two-letter ISO 3166 country code', fix: 'write it like DE or US' });
  }
  for (const [index, namespace] of (Array.isArray(server.ignoreNamespaces) ? server.ignoreNamespaces : []).entries()) {
    name(report, resource, `server.ignoreNamespaces[${index}]`, namespace, 'label', 'namespace name');
  }
  resourceSpec(report, resource, 'server.resources', server.resources);
  resourceSpec(report, resource, 'server.controllerManagerResources', server.controllerManagerResources);
  resourceSpec(report, resource, 'agent.resources', agent.resources);
  resourceSpec(report, resource, 'agent.csiDriverResources', agent.csiDriverResources);
  // The driver's hostPath volumes and its registration path are built under it: an absolute, normalized directory.
  const kubeletRootDir = agent.kubeletRootDir;
  if (kubeletRootDir !== undefined && (!/^(\/[A-Za-z0-9._-]+)+$/.test(kubeletRootDir) || /(^|\/)\.\.?(\/|$)/.test(kubeletRootDir))) {
    report({ resource: 'DaemonSet "spiffe-csi-driver"', field: 'agent.kubeletRootDir', value: agent.kubeletRootDir, rule: 'must be an absolute, normalized directory without a trailing slash', fix: 'write the kubelet\'s --root-dir, like /var/lib/k0s/kubelet' });
  }
  if (env.oidcDiscovery) resourceSpec(report, resource, 'oidcDiscovery.resources', env.oidcDiscovery.resources);
  const workload = (part: keyof typeof WORKLOADS) => `${WORKLOADS[part].kind} "${WORKLOADS[part].name}"`;
  podOptions(report, workload('server'), 'server.pod', server.pod);
  podOptions(report, workload('agent'), 'agent.pod', agent.pod);
  podOptions(report, workload('csiDriver'), 'agent.csiDriverPod', agent.csiDriverPod);
  if (env.oidcDiscovery) {
    podOptions(report, workload('oidcDiscoveryProvider'), 'oidcDiscovery.pod', env.oidcDiscovery.pod);
    const oidcReplicas = env.oidcDiscovery.replicas;
    if (oidcReplicas !== undefined && (!Number.isInteger(oidcReplicas) || oidcReplicas < 1 || oidcReplicas > 100)) {
      report({ resource: workload('oidcDiscoveryProvider'), field: 'oidcDiscovery.replicas', value: oidcReplicas, rule: 'must be a whole number from 1 to 100', fix: 'set it to 1, or 2 or more for a provider that survives a node drain' });
    }
  }
  const upstream = server.upstreamAuthority;
  if (upstream?.type === 'cert-manager') {
    name(report, resource, 'server.upstreamAuthority.issuerName', upstream.issuerName, 'subdomain', 'issuer name');
    name(report, resource, 'server.upstreamAuthority.issuerGroup', upstream.issuerGroup, 'subdomain', 'API group');
    name(report, resource, 'server.upstreamAuthority.namespace', upstream.namespace, 'label', 'namespace name');
  }
  const monitoring = env.monitoring;
  if (monitoring) {
    name(report, resource, 'monitoring.dashboardNamespace', monitoring.dashboardNamespace, 'label', 'namespace name');
    name(report, resource, 'monitoring.prometheusNamespace', monitoring.prometheusNamespace, 'label', 'namespace name');
    for (const [index, sink] of (monitoring.dogStatsd ?? []).entries()) {
      if (!hostPort(sink?.address)) {
        report({ resource, field: `monitoring.dogStatsd[${index}].address`, value: sink?.address, rule: 'must be host:port (a DNS name or IPv4 address, and a port from 1 to 65535), no scheme', fix: 'write it like datadog.kube-system.svc:8125' });
      }
    }
    for (const [key, value] of Object.entries(monitoring.prometheusSelector ?? {})) {
      if (!LABEL_KEY.test(key) || typeof value !== 'string' || !LABEL_VALUE.test(value)) {
        report({ resource, field: `monitoring.prometheusSelector["${key}"]`, value, rule: 'is not a valid label', fix: 'use a label key like release and a value of at most 63 characters of A-Z a-z 0-9 - _ .' });
      }
    }
  }
  for (const [index, identity] of (Array.isArray(env.identities) ? env.identities : []).entries()) {
    const where = `ClusterSPIFFEID "${identity?.name}"`;
    selector(report, where, `identities[${index}].podSelector`, identity?.podSelector);
    selector(report, where, `identities[${index}].namespaceSelector`, identity?.namespaceSelector);
  }
  for (const [index, entry] of (Array.isArray(env.staticEntries) ? env.staticEntries : []).entries()) {
    name(report, `ClusterStaticEntry "${entry?.name}"`, `staticEntries[${index}].name`, entry?.name, 'subdomain', 'object name');
  }
}
