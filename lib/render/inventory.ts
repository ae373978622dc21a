import { ApiObject } from 'cdk8s';
import { ClusterChart } from '../build/cluster-chart';
import { federationLockPath } from '../config/federation-locks';
import { teamFileOf } from '../config/team-identities';
import { pendingFederations, trustDomainsOf } from '../config/topology';
import { EnvironmentConfig, EstateConfig, LabelSelectorSpec } from '../config/types';
import { SPIRE_AGENT } from '../config/spire-facts';
import { ImageRef, catalogueImages } from '../config/versions';
import { samplePodFor } from '../identity/policy';
import { sortedByCodePoint } from './kustomization';
import { trustGraph } from './trust-graph';
import { ResolvedCertificate, ResolvedRoute } from '../resolve/model';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return `\`${cell(text)}\``;
}

function list(items: readonly string[]): string {
  return items.length > 0 ? cell(items.join('<br/>')) : '-';
}

function selectorText(selector: LabelSelectorSpec | undefined): string[] {
  if (!selector) return [];
  return [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(selector.matchExpressions ?? []).map((expression) => `${expression.key} ${expression.operator}${expression.values ? ` (${expression.values.join(', ')})` : ''}`),
  ];
}

/** A TTL as the identity states it, or the server's default that applies without one. */
function effectiveTtl(ttl: string | undefined, serverDefault: string): string {
  return ttl ?? `${serverDefault} (server default)`;
}

function byCodePoint<T>(items: readonly T[], key: (item: T) => string): T[] {
  const order = sortedByCodePoint(items.map(key));
  return [...items].sort((a, b) => order.indexOf(key(a)) - order.indexOf(key(b)));
}

/**
 * How a cluster's agents attest, read from the agent.conf the tree deploys (what SPIRE will run, not a
 * second account of it): node attestor with its k8s_psat cluster, workload attestor, kubelet verification.
 */
function attestationOf(chart: ClusterChart): { node: string; psatCluster: string; workload: string; kubelet: string } | undefined {
  const configMap = chart.node.findAll()
    .filter((construct): construct is ApiObject => construct instanceof ApiObject && construct.kind === 'ConfigMap')
    .map((object) => object.toJson())
    .find((manifest) => typeof manifest.data?.[SPIRE_AGENT.configFile] === 'string');
  const conf: string | undefined = configMap?.data[SPIRE_AGENT.configFile];
  if (!conf) return undefined;
  // A plugin's block runs from its `Type "name" {` to the next plugin's (or the end).
  const plugin = (type: string) => new RegExp(`${type}\\s+"([^"]+)"\\s*\\{([\\s\\S]*?)(?=\\b(?:NodeAttestor|KeyManager|WorkloadAttestor)\\s+"|$)`).exec(conf);
  const node = plugin('NodeAttestor');
  const workload = plugin('WorkloadAttestor');
  const skip = /skip_kubelet_verification\s*=\s*true/.test(workload?.[2] ?? '');
  const caPath = /kubelet_ca_path\s*=\s*"([^"]+)"/.exec(workload?.[2] ?? '')?.[1];
  return {
    node: node?.[1] ?? '-',
    psatCluster: /cluster\s*=\s*"([^"]+)"/.exec(node?.[2] ?? '')?.[1] ?? '-',
    workload: workload?.[1] ?? '-',
    kubelet: skip ? 'skipped (skip_kubelet_verification)' : caPath ? `verified against ${caPath}` : '-',
  };
}

function environmentSection(estate: EstateConfig, env: EnvironmentConfig, allCharts: readonly ClusterChart[]): string[] {
  // A nested root's management cluster runs no agent and issues no workload identity: it is named, not tabled.
  const management = allCharts.find((candidate) => candidate.context.managementRoot !== undefined);
  const charts = allCharts.filter((candidate) => candidate !== management);
  const chart = charts[0];
  const lines = [
    `## ${env.name} (${trustDomainsOf(env).map((trustDomain) => `\`${trustDomain}\``).join(', ')})`,
    '',
    `Clusters: ${env.clusters.map((cluster) => `\`${cluster.name}\` (${cluster.region})`).join(', ')}`
      + `${management ? `; the nested root in management cluster \`${management.context.cluster.name}\` (${management.context.cluster.region})` : ''}. `
      + `Policy: TTL at most ${env.identityPolicy.maxTtl}, JWT TTL at most ${env.identityPolicy.maxJwtTtl}, admin ${env.identityPolicy.admin}, `
      + `federation ${env.identityPolicy.allowedFederation.length ? `only with ${env.identityPolicy.allowedFederation.join(', ')}` : 'forbidden'}. `
      + `Server defaults: X.509 TTL ${env.server.defaultX509SvidTtl}, JWT TTL ${env.server.defaultJwtSvidTtl}.`,
    '',
    '### Attestation',
    '',
    '| cluster | node attestor | k8s_psat cluster | workload attestor | kubelet verification |',
    '|---|---|---|---|---|',
  ];
  for (const clusterChart of charts) {
    const attestation = attestationOf(clusterChart);
    lines.push(`| ${clusterChart.context.cluster.name} | ${attestation?.node ?? '-'} | ${attestation?.psatCluster ?? '-'} | ${attestation?.workload ?? '-'} | ${attestation?.kubelet ?? '-'} |`);
  }
  lines.push(
    '',
    '### Identities',
    '',
    'Example pod: the namespace/service account and labels of a pod the identity selects, built from its own',
    `selectors; its example SPIFFE ID as rendered in \`${chart.context.cluster.name}\`.`,
    '',
    '| identity | from | selects | example pod | example SPIFFE ID | X.509 TTL | JWT TTL | DNS names | admin | federates with |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const name of sortedByCodePoint([...chart.identities.keys()])) {
    const identity = chart.identities.get(name)!;
    const spec = identity.identity;
    const pod = samplePodFor(spec);
    const preview = identity.preview(pod);
    const selects = [
      ...selectorText(spec.namespaceSelector).map((text) => `ns: ${text}`),
      ...selectorText(spec.podSelector).map((text) => `pod: ${text}`),
      ...preview.selectors.filter((selector) => !selector.startsWith('k8s:pod-uid:')),
      ...(spec.fallback ? ['fallback: pods no other identity selects'] : []),
    ];
    const labels = Object.entries(pod.labels ?? {}).map(([key, value]) => `${key}=${value}`);
    const examplePod = [`${pod.namespace}/${pod.serviceAccountName}`, ...labels];
    const source = teamFileOf(estate, env.name, spec) ?? 'lib/config/estate.ts';
    lines.push(`| ${cell(name)} | ${code(source)} | ${list(selects)} | ${list(examplePod)} | ${code(preview.spiffeId)} | `
      + `${effectiveTtl(spec.ttl, env.server.defaultX509SvidTtl)} | ${effectiveTtl(spec.jwtTtl, env.server.defaultJwtSvidTtl)} | `
      + `${list(preview.dnsNames)} | ${spec.admin ? '**yes**' : 'no'} | ${list(spec.federatesWith ?? [])} |`);
  }
  lines.push('', '### Static entries', '');
  if (env.staticEntries.length === 0) {
    lines.push('None.');
  } else {
    lines.push(
      '| entry | SPIFFE ID | parent | selectors | X.509 TTL | JWT TTL | DNS names | admin | federates with |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const entry of byCodePoint(env.staticEntries, (candidate) => candidate.name)) {
      lines.push(`| ${cell(entry.name)} | ${code(`spiffe://${env.trustDomain}${entry.spiffeIdPath}`)} | ${code(`spiffe://${env.trustDomain}${entry.parentIdPath}`)} | `
        + `${list(entry.selectors)} | ${effectiveTtl(entry.x509SvidTtl, env.server.defaultX509SvidTtl)} | ${effectiveTtl(entry.jwtSvidTtl, env.server.defaultJwtSvidTtl)} | `
        + `${list(entry.dnsNames ?? [])} | ${entry.admin ? '**yes**' : 'no'} | ${list(entry.federatesWith ?? [])} |`);
    }
  }
  lines.push('');
  return lines;
}

function routeText(route: ResolvedRoute, gatewayRoute: 'TLSRoute (TLS passed through)' | 'HTTPRoute'): string {
  if (route.via === 'gateway') return `${gatewayRoute} on Gateway ${route.gateway.namespace}/${route.gateway.name}${route.gateway.sectionName ? ` (listener ${route.gateway.sectionName})` : ''}`;
  if (route.via === 'ingress') return `Ingress (class ${route.className})`;
  return `LoadBalancer Service${route.sourceRanges?.length ? ` from ${route.sourceRanges.join(', ')}` : ''}`;
}

/**
 * What each cluster serves outside itself, at the URLs clients use: the bundle endpoint partners fetch
 * (the URL to hand them), the OIDC issuer, the server address for agents of other clusters.
 */
function exposureSection(clusters: readonly ClusterChart[]): string[] {
  const rows: string[] = [];
  for (const chart of clusters) {
    const { exposure, where } = chart.context;
    const certificate = (cert: ResolvedCertificate | undefined) => (cert ? `${cert.issuer.kind} ${cert.issuer.name} (Secret ${cert.secretName})` : '-');
    if (exposure.bundleEndpoint) {
      const bundle = exposure.bundleEndpoint;
      const profile = bundle.profile === 'https_spiffe' ? `https_spiffe (spiffe://${chart.context.trustDomain}/spire/server)` : 'https_web';
      rows.push(`| ${where} | bundle endpoint for partners | ${code(bundle.url)} | ${cell(profile)} | ${cell(routeText(bundle.route, 'TLSRoute (TLS passed through)'))} | ${cell(certificate(bundle.certificate))} |`);
    }
    if (exposure.oidcDiscovery) {
      const oidc = exposure.oidcDiscovery;
      rows.push(`| ${where} | OIDC discovery (issuer) | ${code(oidc.issuerUrl)} | HTTPS | ${cell(routeText(oidc.route, 'HTTPRoute'))} | ${cell(certificate(oidc.certificate))} |`);
    }
    if (exposure.serverGrpc) {
      const grpc = exposure.serverGrpc;
      rows.push(`| ${where} | server gRPC for agents of other clusters | ${code(`${grpc.hosts[0]}:${grpc.externalPort}`)} | SPIRE mTLS | ${cell(routeText(grpc.route, 'TLSRoute (TLS passed through)'))} | - |`);
    }
  }
  return [
    '',
    '## Reached from outside the clusters',
    '',
    'The external addresses each cluster serves; the bundle endpoint URL is the one to give federation partners.',
    '',
    '| cluster | what | address | authenticates with | route | certificate |',
    '|---|---|---|---|---|---|',
    ...(rows.length ? rows : ['| - | - | - | - | - | - |']),
  ];
}

/**
 * `dist/README.md`: for people who would rather read than diff YAML. Trust domains with their federation
 * (a diagram and the partners' bundle endpoints), the images, and per environment the agents'
 * attestation per cluster, every identity (where it came from, which pods it selects, effective TTLs,
 * DNS names, admin, federation) and the static entries. Rows are ordered by name (code point).
 */
/**
 * The registry Secrets every pod names (images.pullSecrets) and the namespaces they must exist in: the
 * kubelet reads a pod's imagePullSecrets from the pod's own namespace, and the trees never carry them.
 */
function pullSecretsSection(estate: EstateConfig, clusters: readonly ClusterChart[]): string[] {
  const secrets = estate.images.pullSecrets ?? [];
  if (secrets.length === 0) return [];
  const lines = [
    `Every pod pulls its images with the Secrets ${secrets.map(code).join(', ')} (kubernetes.io/dockerconfigjson, created out of band), `
    + 'which must exist in each of these namespaces:',
    '',
    '| cluster | namespaces |',
    '|---|---|',
  ];
  for (const chart of clusters) {
    const namespaces = new Set(chart.node.findAll()
      .filter((construct): construct is ApiObject => construct instanceof ApiObject)
      .map((object) => object.toJson())
      .filter((manifest) => manifest.spec?.template?.spec?.imagePullSecrets !== undefined)
      .map((manifest) => manifest.metadata.namespace as string));
    lines.push(`| ${chart.context.where} | ${sortedByCodePoint([...namespaces]).map(code).join(', ')} |`);
  }
  lines.push('');
  return lines;
}

export function renderInventory(estate: EstateConfig, clusters: readonly ClusterChart[]): string {
  const lines = [
    '# SPIRE estate inventory',
    '',
    'Generated by `npm run synth` from `lib/config/estate.ts` and the teams\' `identities/<environment>/<team>.yaml`;',
    'do not edit.',
    '',
    '## Trust domains and federation',
    '',
    'Boxes are trust domains with the servers (environment/cluster) that issue them; a datastore two servers',
    'share makes them one CA (ha); `signs` is a root signing a downstream server (nested); a double-headed',
    'edge is a federation between two of this estate\'s trust domains, a single-headed one a partner outside',
    'it, and a dotted `pending` one an internal federation whose first bundle is not committed yet.',
    '',
    '```mermaid',
    ...trustGraph(estate),
  ];
  lines.push('```', '');

  const federations = estate.environments.flatMap((env) => env.federation.map((federation) => ({ env, federation })));
  lines.push('| environment | partner trust domain | bundle endpoint URL | profile | initial bundle |', '|---|---|---|---|---|');
  if (federations.length === 0 && pendingFederations(estate).length === 0) lines.push('| - | - | - | - | - |');
  for (const { env, federation } of byCodePoint(federations, ({ env: e, federation: f }) => `${e.name} ${f.trustDomain}`)) {
    const profile = federation.profile.type === 'https_spiffe' ? `https_spiffe (${federation.profile.endpointSPIFFEID})` : 'https_web';
    lines.push(`| ${env.name} | ${federation.trustDomain} | ${code(federation.bundleEndpointURL)} | ${cell(profile)} | ${federation.trustDomainBundle !== undefined ? 'committed' : 'fetched from the endpoint'} |`);
  }
  for (const pending of pendingFederations(estate)) {
    lines.push(`| ${pending.environment} | ${pending.trustDomain} | - | https_spiffe | pending (${cell(pending.because)}): commit ${code(federationLockPath(pending.trustDomain))} (spire-gitops federation fetch-bundle ${pending.trustDomain} --write) |`);
  }
  lines.push(...exposureSection(clusters));
  lines.push('', '## Images', '', '| image | repository | tag | digest |', '|---|---|---|---|');
  const images = new Map<string, ImageRef>(catalogueImages(estate.images));
  for (const name of sortedByCodePoint([...images.keys()])) {
    const image = images.get(name)!;
    lines.push(`| ${name} | ${image.repository} | ${image.tag} | ${image.digest ? code(image.digest) : 'none recorded'} |`);
  }
  lines.push('', ...pullSecretsSection(estate, clusters));

  for (const env of estate.environments) {
    const charts = clusters.filter((candidate) => candidate.context.environment.name === env.name);
    if (charts.length === 0) continue;
    lines.push(...environmentSection(estate, env, charts));
  }
  return lines.join('\n');
}
