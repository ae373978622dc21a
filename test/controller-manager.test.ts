import { parse } from 'yaml';
import { estate as staticExample } from '../examples/static-manifests/estate';
import { ControllerManagerSettings, EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { ControllerManagerConfigOptions, renderControllerManagerConfig } from '../lib/render/controller-manager-config';
import { renderEstate } from '../lib/synth';
import { defaultFiles, estateWith, manifests, problemsOf } from './helpers/estate';

/*
 * server.controllerManager: the keys it renders into spire-controller-manager v0.7.0's config
 * (api/v1alpha1/controllermanagerconfig_types.go), static manifest mode's objects, and what synth refuses,
 * as the manager (cmd/main.go parseConfig) or client-go's leader election would, or because the
 * environment needs what the option would switch off.
 */

const BASE: ControllerManagerConfigOptions = {
  trustDomain: 'td.example', clusterName: 'c1', clusterDomain: 'cluster.local', className: 'spire-c1', ignoreNamespaces: [],
  validatingWebhookConfigurationName: 'vwc', spireServerSocketPath: '/tmp/spire-server/private/api.sock', entryIDPrefix: 'c1',
  logLevel: 'info', metricsPort: 8082, healthPort: 8083, webhookPort: 9443, logEncoding: 'json', watchClassless: false,
  reconcile: { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: true },
};

function staticEstate(change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env): EstateConfig {
  return { ...staticExample, environments: staticExample.environments.map(change) };
}

function withManager(settings: ControllerManagerSettings, env: EnvironmentConfig): EnvironmentConfig {
  return { ...env, server: { ...env.server, controllerManager: settings } };
}

/** The staging environment of the default estate with these manager options. */
function staging(settings: ControllerManagerSettings, change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env): string[] {
  return problemsOf(estateWith('staging', (env) => change(withManager(settings, env))));
}

describe('renderControllerManagerConfig: options', () => {
  test('every option lands under its manager key; gcInterval as nanoseconds, cacheNamespaces as a map', () => {
    const config = parse(renderControllerManagerConfig({
      ...BASE,
      leaderElection: { resourceName: 'r', resourceNamespace: 'ns', leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '5s' },
      logEncoding: 'console',
      gcInterval: '1m30s',
      watchClassless: true,
      entryIDPrefixCleanup: '',
      reconcile: { clusterSPIFFEIDs: false, clusterFederatedTrustDomains: true, clusterStaticEntries: false },
      cacheNamespaces: ['apps', 'spire-server'],
      staticManifestPath: '/m',
    }));
    expect(config.leaderElection).toStrictEqual({
      leaderElect: true, resourceName: 'r', resourceNamespace: 'ns', leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '5s',
    });
    expect(config.logEncoding).toBe('console');
    expect(config.gcInterval).toBe(90_000_000_000);
    expect(config.watchClassless).toBe(true);
    expect(config.entryIDPrefixCleanup).toBe('');
    expect(config.reconcile).toStrictEqual({ clusterSPIFFEIDs: false, clusterFederatedTrustDomains: true, clusterStaticEntries: false });
    expect(config.cacheNamespaces).toStrictEqual({ apps: {}, 'spire-server': {} });
    expect(config.staticManifestPath).toBe('/m');
  });

  test('absent options add no key (the default estate\'s configs stay as they were)', () => {
    const config = parse(renderControllerManagerConfig(BASE));
    for (const key of ['gcInterval', 'entryIDPrefixCleanup', 'cacheNamespaces', 'staticManifestPath']) expect(config).not.toHaveProperty(key);
    const manager = parse(defaultFiles().get('staging/stg-euw1/spire-server/configmap-spire-controller-manager.yaml')!).data['controller-manager-config.yaml'];
    expect(parse(manager).leaderElection).toStrictEqual({ leaderElect: true, resourceName: 'spire-stg-euw1.spiffe.io', resourceNamespace: 'spire-server' });
  });
});

describe('server.controllerManager in a cluster tree', () => {
  test('probe timing (server.workload.controllerManagerProbes) and tuning reach the sidecar and its config', () => {
    const files = renderEstate(estateWith('staging', (env) => withManager({
      gcInterval: '30s', logEncoding: 'console', leaderElection: { leaseDuration: '40s' },
    }, {
      ...env,
      server: { ...env.server, workload: { controllerManagerProbes: { liveness: { periodSeconds: 20, timeoutSeconds: 4, failureThreshold: 6 }, readiness: { initialDelaySeconds: 1 } } } },
    })));
    const tree = 'staging/stg-euw1/spire-server';
    const config = parse(parse(files.get(`${tree}/configmap-spire-controller-manager.yaml`)!).data['controller-manager-config.yaml']);
    expect(config.gcInterval).toBe(30_000_000_000);
    expect(config.logEncoding).toBe('console');
    expect(config.leaderElection.leaseDuration).toBe('40s');
    const pod = parse(files.get(`${tree}/statefulset-spire-server.yaml`)!).spec.template.spec;
    const manager = pod.containers.find((c: any) => c.name === 'spire-controller-manager');
    expect(manager.livenessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 20, timeoutSeconds: 4, failureThreshold: 6 });
    expect(manager.readinessProbe).toMatchObject({ initialDelaySeconds: 1, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 });
  });
});

describe('static manifest mode (examples/static-manifests)', () => {
  const files = renderEstate(staticExample);
  const tree = 'edge/edge-1';
  const objects = manifests(files).filter((m) => m.path.startsWith(`${tree}/`)).map((m) => m.object);

  test('the entries and federation relationships are files of one ConfigMap, one manifest a file, not resources', () => {
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'spire-controller-manager-manifests');
    expect(Object.keys(configMap.data)).toStrictEqual(['entry-checkout.yaml', 'entry-edge-1-nodes.yaml', 'entry-payments.yaml', 'federation-partner-example-net.yaml']);
    const checkout = parse(configMap.data['entry-checkout.yaml']);
    expect(checkout).toMatchObject({
      apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry',
      spec: { className: 'spire-edge-1', spiffeID: 'spiffe://edge.example.org/ns/checkout/sa/checkout', parentID: 'spiffe://edge.example.org/cluster/edge-1/nodes', x509SVIDTTL: '1h' },
    });
    expect(parse(configMap.data['federation-partner-example-net.yaml'])).toMatchObject({ kind: 'ClusterFederatedTrustDomain', spec: { trustDomain: 'partner.example.net' } });
    const kinds = objects.map((o) => o.kind);
    for (const kind of ['ClusterStaticEntry', 'ClusterFederatedTrustDomain', 'ClusterSPIFFEID', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) {
      expect(kinds).not.toContain(kind);
    }
    // No manager RBAC: it reads nothing from the Kubernetes API in this mode; k8s_psat's pod reads are then narrowed
    // to the agents' namespace, since no manager rule lists every pod anyway.
    expect(objects.filter((o) => /controller-manager/.test(o.metadata.name) && /Role/.test(o.kind))).toStrictEqual([]);
    const serverRole = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'spire-server-spire-server');
    expect(serverRole.rules).toContainEqual({ apiGroups: [''], resources: ['nodes'], verbs: ['get'] });
    expect(serverRole.rules.flatMap((rule: any) => rule.resources)).not.toContain('pods');
    const podsRole = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'spire-server-agent-pods');
    expect(podsRole.metadata.namespace).toBe('spire-system');
    expect(podsRole.rules).toStrictEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  });

  test('the manager reads the mounted directory, elects no leader, reconciles no ClusterSPIFFEIDs, has no probes or ports', () => {
    const config = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'spire-controller-manager').data['controller-manager-config.yaml']);
    expect(config.staticManifestPath).toBe('/run/spire/controller-manager-manifests');
    expect(config.leaderElection).toStrictEqual({ leaderElect: false });
    expect(config.reconcile).toStrictEqual({ clusterSPIFFEIDs: false, clusterFederatedTrustDomains: true, clusterStaticEntries: true });
    expect(config.gcInterval).toBe(5_000_000_000);
    const pod = objects.find((o) => o.kind === 'StatefulSet').spec.template.spec;
    const manager = pod.containers.find((c: any) => c.name === 'spire-controller-manager');
    expect(manager.volumeMounts).toContainEqual({ name: 'controller-manager-manifests', mountPath: '/run/spire/controller-manager-manifests', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'controller-manager-manifests', configMap: { name: 'spire-controller-manager-manifests' } });
    expect(manager.env).toStrictEqual([{ name: 'ENABLE_WEBHOOKS', value: 'false' }]);
    expect(manager.livenessProbe).toBeUndefined();
    expect(manager.readinessProbe).toBeUndefined();
    expect(manager.ports).toBeUndefined();
    const podMonitor = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'spire-server');
    expect(podMonitor.spec.podMetricsEndpoints.map((e: any) => e.port)).toStrictEqual(['metrics']);
  });

  test('the synth-time identity policy still judges the manifests', () => {
    const problems = problemsOf(staticEstate((env) => ({ ...env, identityPolicy: { ...env.identityPolicy, allowedFederation: [] } })));
    expect(problems).toContainEqual(expect.stringMatching(/^edge\/edge-1: ClusterFederatedTrustDomain "partner.example.net" spec.trustDomain: federation is forbidden in edge/));
  });
});

describe('fails: what the manager or client-go would refuse', () => {
  test.each([
    ['gcInterval of zero', { gcInterval: '0s' }, /server\.controllerManager\.gcInterval: must be a Go duration above zero, got "0s"/],
    ['gcInterval not a duration', { gcInterval: '5 seconds' }, /server\.controllerManager\.gcInterval: must be a Go duration above zero, got "5 seconds"/],
    ['renewDeadline not below leaseDuration', { leaderElection: { leaseDuration: '10s' } },
      /server\.controllerManager\.leaderElection\.renewDeadline: must be shorter than leaseDuration \(10s\), or client-go refuses to elect and the manager exits, got "10s"/],
    ['retryPeriod too close to renewDeadline', { leaderElection: { retryPeriod: '9s' } },
      /server\.controllerManager\.leaderElection\.retryPeriod: must be shorter than renewDeadline \(10s\) divided by 1\.2, .*got "9s"/],
    ['entryIDPrefixCleanup of the cluster\'s own prefix', { entryIDPrefixCleanup: 'stg-euw1.' },
      /server\.controllerManager\.entryIDPrefixCleanup: is the entry ID prefix of cluster "stg-euw1" of this environment/],
  ])('fails: %s', (_name, settings, message) => {
    expect(staging(settings as ControllerManagerSettings)).toContainEqual(expect.stringMatching(message));
  });

  test('fails: a reconcile toggle off while the environment needs that kind', () => {
    const problems = staging({ reconcile: { clusterSPIFFEIDs: false, clusterStaticEntries: false, clusterFederatedTrustDomains: false } },
      (env) => ({ ...env, staticEntries: staticExample.environments[0].staticEntries.slice(0, 1), federation: staticExample.environments[0].federation, identityPolicy: { ...env.identityPolicy, allowedFederation: ['partner.example.net'] } }));
    expect(problems).toContainEqual(expect.stringMatching(/reconcile\.clusterSPIFFEIDs: leaves identity "[^"]+".* unregistered, got false/));
    expect(problems).toContainEqual(expect.stringMatching(/reconcile\.clusterStaticEntries: leaves static entry "edge-1-nodes" unregistered, got false/));
    expect(problems).toContainEqual(expect.stringMatching(/reconcile\.clusterFederatedTrustDomains: leaves federation with "[^"]+".* unregistered, got false/));
  });

  test('fails: cacheNamespaces that leave out an identity\'s namespace, or are not namespace names', () => {
    const problems = staging({ cacheNamespaces: ['Apps'] });
    expect(problems).toContainEqual(expect.stringMatching(/cacheNamespaces: is not a namespace name, got "Apps"/));
    expect(problems).toContainEqual(expect.stringMatching(/cacheNamespaces: leaves out namespace "[a-z-]+" of identity "[^"]+", whose pods would get no entries/));
    expect(staging({ cacheNamespaces: [] })).toContainEqual(expect.stringMatching(/cacheNamespaces: is empty/));
  });

  test('fails: the chart\'s external static manifest mode (its manifests would bypass the synth-time policy)', () => {
    expect(staging({ staticManifestMode: 'external' } as unknown as ControllerManagerSettings))
      .toContainEqual(expect.stringMatching(/server\.controllerManager\.staticManifestMode/));
  });
});

describe('fails: static manifest mode combinations that cannot work', () => {
  const example = staticExample.environments[0];
  test.each([
    ['ClusterSPIFFEIDs (identities)', (env: EnvironmentConfig) => ({ ...env, identities: [{ name: 'web', spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }] }),
      /^edge: environment "edge" identities: with server.controllerManager.staticManifestMode internal no ClusterSPIFFEID can be registered .*identity "web"/],
    ['the OIDC provider\'s identity', (env: EnvironmentConfig) => ({ ...env, oidcDiscovery: { domains: ['oidc.edge.example.org'], resources: env.server.resources } }),
      /environment "edge" oidcDiscovery: with server.controllerManager.staticManifestMode internal no ClusterSPIFFEID can be registered/],
    ['two server replicas', (env: EnvironmentConfig) => ({ ...env, server: { ...env.server, replicas: 2, datastore: { type: 'postgres', host: 'db.example.org', port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'db', key: 'password' }, sslMode: 'verify-full', caConfigMap: 'db-ca', maxOpenConns: 10, maxIdleConns: 5 } } } as EnvironmentConfig),
      /environment "edge" server.replicas: with server.controllerManager.staticManifestMode internal there is no leader election .*got 2/],
    ['reconcile.clusterSPIFFEIDs on', (env: EnvironmentConfig) => withManager({ ...env.server.controllerManager, reconcile: { clusterSPIFFEIDs: true } }, env),
      /server.controllerManager.reconcile.clusterSPIFFEIDs: with server.controllerManager.staticManifestMode internal the manager refuses to start with it, got true/],
    ['leader election timing', (env: EnvironmentConfig) => withManager({ ...env.server.controllerManager, leaderElection: { leaseDuration: '20s' } }, env),
      /server.controllerManager.leaderElection: with server.controllerManager.staticManifestMode internal has nothing to act on/],
    ['probe timing', (env: EnvironmentConfig) => ({ ...env, server: { ...env.server, workload: { controllerManagerProbes: { readiness: { periodSeconds: 3 } } } } }),
      /server.workload.controllerManagerProbes: with server.controllerManager.staticManifestMode internal has nothing to act on/],
    ['cacheNamespaces', (env: EnvironmentConfig) => withManager({ ...env.server.controllerManager, cacheNamespaces: ['checkout'] }, env),
      /server.controllerManager.cacheNamespaces: with server.controllerManager.staticManifestMode internal has nothing to act on/],
  ])('fails: %s', (_name, change, message) => {
    expect(problemsOf(staticEstate(change))).toContainEqual(expect.stringMatching(message));
  });

  test('fails: a nested environment', () => {
    const problems = problemsOf(estateWith('production', (env) => withManager({ staticManifestMode: 'internal' }, { ...env, topology: { type: 'nested', root: { cluster: env.clusters[0].name } } } as EnvironmentConfig)));
    expect(problems).toContainEqual(expect.stringMatching(/topology: with server.controllerManager.staticManifestMode internal is not offered for nested environments/));
  });

  test('the example itself synthesizes', () => {
    expect(problemsOf(staticEstate())).toStrictEqual([]);
    expect(example.server.controllerManager?.staticManifestMode).toBe('internal');
  });
});
