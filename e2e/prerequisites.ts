/**
 * What an operator provides beside dist/: the Secrets the trees reference (dist/ never holds secret
 * material) and the ConfigMaps the README lists as prerequisites. Anything else a pod references and the
 * tree does not ship is a fault of the tree, and the e2e reports it.
 */
import { SPIRE_SERVER } from '../lib/config/spire-facts';
import { ClusterTree, K8sObject, objectsOf, podTemplate } from './trees';

/** A value shaped like the client secrets Azure generates for an app registration. */
const AZURE_CLIENT_SECRET = 'e2e8Q~Azure.client_secret-0123456789abcdefgh';

/** ConfigMaps the README names as prerequisites of a cluster tree (key → what it holds). */
const PREREQUISITE_CONFIGMAPS: Record<string, string[]> = {
  'spire-server-db-ca': ['ca.crt'],
};

/**
 * Volumes whose ConfigMap the estate names (so its name is the user's) and the README lists as a
 * prerequisite holding a PEM CA bundle: the x509pop NodeAttestor's. `spire-server validate` loads that
 * bundle (x509pop.go buildConfig, util.LoadCertificates), so each key gets a real CA.
 */
const PREREQUISITE_CA_BUNDLE_VOLUMES = new Set(['x509pop-ca']);

/** Namespaces the README names as prerequisites (the monitoring stack's). */
export const PREREQUISITE_NAMESPACES = ['monitoring'];

export interface PrerequisiteValues {
  /** The database password every referenced password key gets. */
  readonly dbPassword: string;
  /** PEM of the CA that signed the e2e's PostgreSQL certificate. */
  readonly dbCaPem: string;
  /**
   * A serving certificate and key (PEM) for these DNS names, from a test CA standing in for the ACME
   * issuer: what cert-manager writes to a Certificate's Secret.
   */
  readonly servingCertificate: (name: string, dnsNames: readonly string[]) => { readonly cert: string; readonly key: string };
  /** PEM of a CA standing for the one that issues node certificates (x509pop CA bundles). */
  readonly nodeCaPem: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The Secrets and prerequisite ConfigMaps the tree's pods reference, with e2e values. */
export function prerequisites(tree: ClusterTree, values: PrerequisiteValues): K8sObject[] {
  const shipped = new Set(objectsOf(tree).map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  const secrets = new Map<string, Set<string>>();
  const configMaps = new Map<string, Set<string>>();
  const caBundles = new Map<string, Set<string>>();
  // Azure client secrets are generated from A-Z a-z 0-9 ~ . _ -, which `-expandEnv` puts into the HCL string
  // as it is; the database password's quote and backslash would end that string (README, cloud plugins).
  const azureSecretKeys = new Set<string>();
  // The read replica's own password likewise lands in the HCL string, inside single quotes for lib/pq: the README
  // forbids " \ and ' in it; spaces, $ and = it takes, so the e2e's value keeps those.
  const replicaPasswordKeys = new Set<string>();
  const note = (map: Map<string, Set<string>>, ns: string, name: string, key?: string) => {
    const id = `${ns}/${name}`;
    if (!map.has(id)) map.set(id, new Set());
    if (key) map.get(id)!.add(key);
  };
  for (const o of objectsOf(tree)) {
    const template = podTemplate(o);
    if (!template) continue;
    const ns = o.metadata.namespace ?? 'default';
    const spec = template.spec;
    for (const volume of spec.volumes ?? []) {
      if (volume.secret) {
        note(secrets, ns, volume.secret.secretName);
        // A Secret mounted by items (a datastore CA, a client certificate and key) needs those keys.
        for (const item of volume.secret.items ?? []) note(secrets, ns, volume.secret.secretName, item.key);
      }
      if (volume.configMap) note(configMaps, ns, volume.configMap.name);
      if (volume.configMap && PREREQUISITE_CA_BUNDLE_VOLUMES.has(volume.name)) {
        for (const item of volume.configMap.items ?? []) note(caBundles, ns, volume.configMap.name, item.key);
      }
      for (const source of volume.projected?.sources ?? []) {
        if (source.secret) note(secrets, ns, source.secret.name);
        if (source.configMap && source.configMap.name !== 'kube-root-ca.crt') note(configMaps, ns, source.configMap.name);
      }
    }
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const variable of container.env ?? []) {
        const secretRef = variable.valueFrom?.secretKeyRef;
        if (secretRef) note(secrets, ns, secretRef.name, secretRef.key);
        if (secretRef && /^AZURE_/.test(variable.name)) azureSecretKeys.add(`${ns}/${secretRef.name}/${secretRef.key}`);
        if (secretRef && variable.name === SPIRE_SERVER.env.readOnlyDatabasePassword) replicaPasswordKeys.add(`${ns}/${secretRef.name}/${secretRef.key}`);
      }
    }
  }
  const objects: K8sObject[] = [];
  // What cert-manager writes for a Certificate of the tree: a kubernetes.io/tls Secret (tls.crt, tls.key).
  const certificates = objectsOf(tree).filter((o) => o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/'));
  for (const [id, keys] of secrets) {
    const [ns, name] = id.split('/');
    if (shipped.has(`Secret/${ns}/${name}`)) continue;
    const certificate = certificates.find((c) => c.metadata.namespace === ns && c.spec.secretName === name);
    if (certificate) {
      const pair = values.servingCertificate(`${ns}-${name}`, certificate.spec.dnsNames ?? []);
      objects.push({
        apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
      });
      continue;
    }
    const data: Record<string, string> = {};
    for (const key of keys.size ? keys : new Set(['password'])) {
      const value = azureSecretKeys.has(`${id}/${key}`) ? AZURE_CLIENT_SECRET
        : replicaPasswordKeys.has(`${id}/${key}`) ? values.dbPassword.replace(/["\\']/g, '') : values.dbPassword;
      data[key] = Buffer.from(value).toString('base64');
    }
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data });
  }
  for (const [id] of configMaps) {
    const [ns, name] = id.split('/');
    if (shipped.has(`ConfigMap/${ns}/${name}`) || !(name in PREREQUISITE_CONFIGMAPS)) continue;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: Object.fromEntries(PREREQUISITE_CONFIGMAPS[name].map((key) => [key, values.dbCaPem])) });
  }
  for (const [id, keys] of caBundles) {
    const [ns, name] = id.split('/');
    if (shipped.has(`ConfigMap/${ns}/${name}`) || name in PREREQUISITE_CONFIGMAPS) continue;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: Object.fromEntries([...keys].map((key) => [key, values.nodeCaPem])) });
  }
  return objects;
}

/** ConfigMaps a pod of the tree mounts that neither the tree nor the prerequisites provide. */
export function missingConfigMaps(tree: ClusterTree, provided: K8sObject[]): string[] {
  const have = new Set([...objectsOf(tree), ...provided].filter((o) => o.kind === 'ConfigMap').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const missing: string[] = [];
  for (const o of objectsOf(tree)) {
    const template = podTemplate(o);
    for (const volume of (template?.spec.volumes ?? []) as Json[]) {
      const name = volume.configMap?.name;
      const id = `${o.metadata.namespace}/${name}`;
      if (name && !have.has(id) && !missing.includes(id)) missing.push(id);
    }
  }
  return missing;
}
