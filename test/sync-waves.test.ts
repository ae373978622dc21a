import { syncWaveFor } from '../lib/build/sync-waves';
import { defaultFiles, manifests } from './helpers/estate';

/*
 * Walks the waves of every cluster tree. Argo CD applies one wave, waits until all of it is healthy and
 * only then applies the next, so an object whose readiness needs an object of a later wave never becomes
 * ready and the sync never finishes. The dependencies are read from the objects themselves (volumes,
 * service accounts, the config files the containers read, the webhook configuration, label selectors).
 */

const WAVE = 'argocd.argoproj.io/sync-wave';

interface Node { readonly key: string; readonly object: any; readonly wave: number }
/** `before`: must be healthy in an earlier wave (creation goes through it); `ready`: same wave or earlier. */
interface Need { readonly from: string; readonly to: string; readonly strict: boolean; readonly why: string }

const keyOf = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

function labelsMatch(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = expression.key in labels;
    const value = labels[expression.key];
    const ok = expression.operator === 'In' ? has && expression.values.includes(value)
      : expression.operator === 'NotIn' ? !has || !expression.values.includes(value)
        : expression.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

/** Every readiness and creation dependency of the objects of one tree. */
export function needsOf(objects: readonly any[]): { nodes: Map<string, Node>; needs: Need[] } {
  const nodes = new Map<string, Node>();
  for (const object of objects) {
    const annotations = object.metadata.annotations ?? {};
    if (annotations['argocd.argoproj.io/hook']) continue; // hooks run before or after all waves
    const key = keyOf(object.kind, object.metadata.namespace, object.metadata.name);
    nodes.set(key, { key, object, wave: Number(annotations[WAVE] ?? 0) });
  }
  const all = [...nodes.values()];
  const byKind = (kind: string) => all.filter((node) => node.object.kind === kind);
  const needs: Need[] = [];
  const need = (from: Node, to: string | undefined, strict: boolean, why: string) => {
    if (to === undefined) needs.push({ from: from.key, to: '(missing)', strict, why });
    else if (nodes.has(to)) needs.push({ from: from.key, to, strict, why });
  };
  const workloads = all.filter((node) => ['StatefulSet', 'DaemonSet', 'Deployment'].includes(node.object.kind));
  const workloadSelecting = (namespace: string, labels: Record<string, string>) => workloads.find((node) => node.object.metadata.namespace === namespace
    && labelsMatch(node.object.spec.selector, labels))?.key;
  const configMapData = (namespace: string, name: string) => nodes.get(keyOf('ConfigMap', namespace, name))?.object.data ?? {};

  // Where the server publishes the trust bundle (BundlePublisher k8s_configmap in server.conf).
  const bundles = new Map<string, string>();
  for (const server of byKind('StatefulSet')) {
    for (const volume of server.object.spec.template.spec.volumes ?? []) {
      const conf = volume.configMap ? configMapData(server.object.metadata.namespace, volume.configMap.name)['server.conf'] : undefined;
      const match = conf && /configmap_name = "([^"]+)"[\s\S]*?namespace = "([^"]+)"/.exec(conf);
      if (match) bundles.set(keyOf('ConfigMap', match[2], match[1]), server.key);
    }
  }
  // Which DaemonSet registers which CSI driver, and whose socket directory it serves.
  const csiDrivers = new Map<string, Node>();
  for (const daemonSet of byKind('DaemonSet')) {
    for (const container of daemonSet.object.spec.template.spec.containers) {
      const args: string[] = [...(container.command ?? []), ...(container.args ?? [])];
      const plugin = args.indexOf('-plugin-name');
      if (plugin >= 0) csiDrivers.set(args[plugin + 1], daemonSet);
    }
  }
  const hostPathOwner = (path: string, except: Node) => byKind('DaemonSet').find((node) => node !== except
    && !node.object.spec.template.spec.containers.some((container: any) => [...(container.args ?? [])].includes('-plugin-name'))
    && (node.object.spec.template.spec.volumes ?? []).some((volume: any) => volume.hostPath?.path === path));

  for (const node of all) {
    const { object } = node;
    const namespace = object.metadata.namespace;
    if (namespace) need(node, keyOf('Namespace', undefined, namespace), false, 'lives in it');
    if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
      need(node, keyOf(object.roleRef.kind, object.roleRef.kind === 'Role' ? namespace : undefined, object.roleRef.name), false, 'binds it');
    }
    const pod = object.spec?.template?.spec;
    if (!pod || !['StatefulSet', 'DaemonSet', 'Deployment'].includes(object.kind)) continue;
    if (pod.serviceAccountName) need(node, keyOf('ServiceAccount', namespace, pod.serviceAccountName), false, 'runs as it');
    let mountsWorkloadApi = false;
    for (const volume of pod.volumes ?? []) {
      if (volume.configMap) {
        const configMap = keyOf('ConfigMap', namespace, volume.configMap.name);
        if (nodes.has(configMap)) need(node, configMap, false, `mounts ConfigMap ${volume.configMap.name}`);
        else if (bundles.has(configMap)) need(node, bundles.get(configMap), false, `mounts the trust bundle ConfigMap ${volume.configMap.name}, which the server publishes`);
        const data = configMapData(namespace, volume.configMap.name);
        for (const text of Object.values<string>(data)) {
          // The controller manager exits unless the webhook configuration its config names exists.
          const webhook = /validatingWebhookConfigurationName: (\S+)/.exec(text)?.[1];
          if (webhook) need(node, keyOf('ValidatingWebhookConfiguration', undefined, webhook), false, 'its controller manager reads the webhook configuration at start');
          // An agent attests to the server it names before it reports ready.
          const server = /server_address = "([^".]+)\.([^".]+)\.svc"/.exec(text);
          if (server) {
            const service = nodes.get(keyOf('Service', server[2], server[1]));
            need(node, service?.key, false, `agent attests to ${server[1]}.${server[2]}`);
            if (service) need(node, workloadSelecting(server[2], service.object.spec.selector), false, `agent attests to the server behind Service ${server[1]}`);
          }
        }
      }
      if (volume.csi) {
        mountsWorkloadApi = true;
        const driver = csiDrivers.get(volume.csi.driver);
        need(node, keyOf('CSIDriver', undefined, volume.csi.driver), false, `mounts a ${volume.csi.driver} volume`);
        need(node, driver?.key, false, `mounts a ${volume.csi.driver} volume, served by its DaemonSet`);
        const socketDir = driver?.object.spec.template.spec.volumes.find((candidate: any) => candidate.name === 'spire-agent-socket-dir')?.hostPath?.path;
        if (driver && socketDir) need(node, hostPathOwner(socketDir, driver)?.key, false, 'reads the Workload API of the agent the CSI driver serves');
      }
    }
    if (mountsWorkloadApi) {
      // It gets an SVID only once an identity selects it (fallback identities only when no other does).
      const namespaceLabels = { 'kubernetes.io/metadata.name': namespace, ...nodes.get(keyOf('Namespace', undefined, namespace))?.object.metadata.labels };
      const podLabels = object.spec.template.metadata?.labels ?? {};
      const selecting = byKind('ClusterSPIFFEID').filter((identity) => labelsMatch(identity.object.spec.namespaceSelector, namespaceLabels)
        && labelsMatch(identity.object.spec.podSelector, podLabels));
      const specific = selecting.filter((identity) => !identity.object.spec.fallback);
      const used = specific.length > 0 ? specific : selecting;
      if (used.length === 0) need(node, undefined, false, 'needs an SVID but no ClusterSPIFFEID selects its pods');
      for (const identity of used) need(node, identity.key, false, `needs the SVID of ClusterSPIFFEID ${identity.object.metadata.name}`);
    }
  }

  // Objects the manager's webhooks validate can be created only once the webhook's server runs.
  for (const configuration of byKind('ValidatingWebhookConfiguration')) {
    for (const webhook of configuration.object.webhooks) {
      const service = nodes.get(keyOf('Service', webhook.clientConfig.service.namespace, webhook.clientConfig.service.name));
      const server = service && workloadSelecting(service.object.metadata.namespace, service.object.spec.selector);
      for (const resource of webhook.rules.flatMap((rule: any) => rule.resources)) {
        for (const object of all.filter((candidate) => `${candidate.object.kind.toLowerCase()}s` === resource)) {
          need(object, server, true, `its creation is validated by webhook ${webhook.name}, served by the server pod`);
          need(object, configuration.key, false, `its creation is validated by webhook ${webhook.name}`);
        }
      }
    }
  }
  return { nodes, needs };
}

/** Every dependency an object of an earlier wave has on one of a later wave (or on one that does not exist). */
export function waveViolations(objects: readonly any[]): string[] {
  const { nodes, needs } = needsOf(objects);
  const violations: string[] = [];
  for (const { from, to, strict, why } of needs) {
    if (to === '(missing)') {
      violations.push(`${from}: ${why}`);
      continue;
    }
    const a = nodes.get(from)!.wave;
    const b = nodes.get(to)!.wave;
    if (strict ? b >= a : b > a) violations.push(`${from} (wave ${a}) ${why}: needs ${to} (wave ${b}) ${strict ? 'in an earlier wave' : 'no later'}`);
  }
  return violations;
}

const files = defaultFiles();
const trees = [...new Set([...files.keys()].filter((path) => /^[^/]+\/[^/]+\/kustomization\.yaml$/.test(path) && !path.startsWith('flux/') && !path.startsWith('argocd'))
  .map((path) => path.slice(0, -'/kustomization.yaml'.length)))];

describe('sync waves', () => {
  test('there are cluster trees to walk', () => {
    expect(trees).toEqual(expect.arrayContaining(['development/dev-euw1', 'staging/stg-euw1', 'production/prod-euw1', 'production/prod-use1']));
  });

  test.each(trees)('no object of %s needs an object of a later wave to become ready', (tree) => {
    const objects = manifests(files).filter(({ path }) => path.startsWith(`${tree}/`)).map(({ object }) => object);
    const { needs } = needsOf(objects);
    expect(needs.length).toBeGreaterThan(20); // the walk found the dependencies
    expect(waveViolations(objects)).toEqual([]);
  });

  test('staging\'s OIDC discovery provider gets its identity no later than its own wave (its first sync used to never finish)', () => {
    const objects = manifests(files).filter(({ path }) => path.startsWith('staging/stg-euw1/')).map(({ object }) => object);
    const { needs } = needsOf(objects);
    expect(needs).toContainEqual(expect.objectContaining({
      from: 'Deployment/spire-server/spire-oidc-discovery-provider', to: 'ClusterSPIFFEID//spire-oidc-discovery-provider',
    }));
    // The order that deadlocked: the provider (wave 2) waiting for an identity of wave 3.
    const deadlocked = objects.map((object) => (object.kind === 'ClusterSPIFFEID'
      ? { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [WAVE]: '3' } } }
      : object));
    expect(waveViolations(deadlocked)).toContainEqual(expect.stringMatching(/^Deployment\/spire-server\/spire-oidc-discovery-provider \(wave 2\) needs the SVID of ClusterSPIFFEID spire-oidc-discovery-provider: needs ClusterSPIFFEID\/\/spire-oidc-discovery-provider \(wave 3\)/));
  });

  test('identities come after the server they are validated by, and the webhook configuration before the server', () => {
    expect(syncWaveFor('ClusterSPIFFEID').wave).toBeGreaterThan(syncWaveFor('StatefulSet').wave);
    expect(syncWaveFor('ClusterSPIFFEID').wave).toBeLessThan(syncWaveFor('Deployment').wave);
    expect(syncWaveFor('ValidatingWebhookConfiguration').wave).toBeLessThan(syncWaveFor('StatefulSet').wave);
    const objects = manifests(files).filter(({ path }) => path.startsWith('production/prod-euw1/')).map(({ object }) => object);
    const sameWave = objects.map((object) => (object.kind === 'ClusterFederatedTrustDomain'
      ? { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [WAVE]: '0' } } }
      : object));
    expect(waveViolations(sameWave)).toContainEqual(expect.stringMatching(/^ClusterFederatedTrustDomain\/\/.* validated by webhook vclusterfederatedtrustdomain\.kb\.io, served by the server pod: needs StatefulSet\/spire-server\/spire-server \(wave 0\) in an earlier wave$/));
  });

  test('fails on a workload that mounts the Workload API with no identity selecting it', () => {
    const objects = manifests(files).filter(({ path }) => path.startsWith('staging/stg-euw1/')).map(({ object }) => object)
      .filter((object) => !(object.kind === 'ClusterSPIFFEID' && object.metadata.name === 'spire-oidc-discovery-provider'));
    expect(waveViolations(objects)).toContainEqual('Deployment/spire-server/spire-oidc-discovery-provider: needs an SVID but no ClusterSPIFFEID selects its pods');
  });
});

