import { load } from 'js-yaml';
import { ENVOY_EXAMPLE, ISTIO, WORKLOAD_API } from '../lib/config/spire-facts';
import { EnvironmentConfig, Mesh } from '../lib/config/types';
import { snapshotOfEstate } from '../lib/plan/estates';
import { ClusterSnapshot } from '../lib/plan/model';
import { Workload, selectEntries } from '../lib/plan/select';
import { renderEstate } from '../lib/synth';
import { estate as meshExample } from '../examples/mesh/estate';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * The mesh presets. Istio: the agent's socket where and as Istio's proxy looks for it, the identity a
 * sidecar asks SDS for issued by the mesh ClusterSPIFFEID, the trust domains aligned. Envoy: a bootstrap
 * whose SDS names are the agent's.
 */

function withMesh(mesh: Mesh, change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env) {
  return estateWith('staging', (env) => change({ ...env, mesh }));
}

/**
 * The SPIFFE ID Istio's proxy presents and authorizes peers by, built as Istio builds it
 * (istio pkg/spiffe/spiffe.go Identity.String: "spiffe://" + trust domain + "/ns/" + ns + "/sa/" + sa),
 * not with this project's template helpers.
 */
function istioIdentity(trustDomain: string, namespace: string, serviceAccount: string): string {
  return 'spiffe://' + trustDomain + '/ns/' + namespace + '/sa/' + serviceAccount;
}

/** A pod the rendered `spire` injection template has marked. */
function meshPod(namespace: string, serviceAccountName: string, labels: Record<string, string> = {}): Workload {
  return { name: `${serviceAccountName}-0`, namespace, serviceAccountName, labels: { [ISTIO.managedIdentityLabel]: 'true', ...labels }, source: 'test' };
}

describe('istio: the example estate', () => {
  const files = renderEstate(meshExample);
  const tree = 'staging/mesh-a';
  const agentConf: string = find(files, `${tree}/spire-system/configmap-spire-agent.yaml`).data['agent.conf'];
  const values = load(find(files, `${tree}/spire-system/configmap-spire-istio-values.yaml`).data['istiod-values.yaml']) as any;
  const template = load(values.sidecarInjectorWebhook.templates.spire) as any;
  const csiDriver = find(files, `${tree}/csidriver-csi.spiffe.io.yaml`);

  test('the agent\'s Workload API socket has the file name Istio\'s proxy looks for', () => {
    const socketPath = /\n {2}socket_path = "([^"]+)"/.exec(agentConf)![1];
    expect(socketPath.split('/').pop()).toBe(ISTIO.workloadSocketFile);
  });

  test('the injection template mounts the SPIFFE CSI volume where Istio\'s proxy looks for its SDS socket', () => {
    const volume = template.spec.volumes.find((candidate: any) => candidate.name === ISTIO.workloadSocketVolume);
    expect(volume).toEqual({ name: ISTIO.workloadSocketVolume, csi: { driver: csiDriver.metadata.name, readOnly: true } });
    const proxy = template.spec.containers.find((container: any) => container.name === 'istio-proxy');
    expect(proxy.volumeMounts).toEqual([{ name: ISTIO.workloadSocketVolume, mountPath: ISTIO.workloadSocketDir, readOnly: true }]);
  });

  test('meshConfig.trustDomain is the SPIRE trust domain', () => {
    expect(values.meshConfig.trustDomain).toBe(/trust_domain = "([^"]+)"/.exec(agentConf)![1]);
  });

  test('the agent serves the SDS resources Istio\'s proxy asks for', () => {
    // Stated in the example; left out they are SPIRE's defaults, which are the same names.
    expect(agentConf).toContain(`default_svid_name = "${ISTIO.sdsCertificateResource}"`);
    expect(agentConf).toContain(`default_bundle_name = "${ISTIO.sdsRootResource}"`);
  });

  describe('the identity a sidecar asks SDS for is the one the mesh ClusterSPIFFEID issues', () => {
    const cluster: ClusterSnapshot = snapshotOfEstate(meshExample).clusters[0];
    test.each([
      ['shop', 'cart'],
      ['payments', 'ledger-writer'],
      ['istio-ingress', 'istio-ingressgateway'],
    ])('a marked pod in %s with service account %s', (namespace, serviceAccount) => {
      const selection = selectEntries(cluster, meshPod(namespace, serviceAccount));
      expect(selection.entries.map((entry) => [entry.spiffeId, entry.by])).toEqual([
        [istioIdentity(cluster.trustDomain, namespace, serviceAccount), ['istio-mesh']],
      ]);
    });

    test('an unmarked pod and a pod in SPIRE\'s namespaces get nothing from it', () => {
      expect(selectEntries(cluster, { ...meshPod('shop', 'cart'), labels: {} }).entries).toEqual([]);
      expect(selectEntries(cluster, meshPod('spire-system', 'spire-agent')).entries).toEqual([]);
      expect(selectEntries(cluster, meshPod('spire-server', 'spire-server')).entries).toEqual([]);
    });
  });
});

describe('istio with the default estate\'s identities', () => {
  const cluster = snapshotOfEstate(withMesh({ type: 'istio' })).clusters[0];

  test('a mesh pod no identity selects gets exactly one entry, the Istio-shaped ID', () => {
    const selection = selectEntries(cluster, meshPod('shop', 'cart'));
    expect(selection.entries.map((entry) => entry.spiffeId)).toEqual([istioIdentity(cluster.trustDomain, 'shop', 'cart')]);
  });

  test('a mesh pod with an identity of its own keeps that one (the mesh identity is a fallback)', () => {
    const selection = selectEntries(cluster, meshPod('web', 'web-frontend', { 'app.kubernetes.io/name': 'web-frontend' }));
    expect(selection.entries.map((entry) => [entry.spiffeId, entry.by])).toEqual([
      [istioIdentity(cluster.trustDomain, 'web', 'web-frontend'), ['web-frontend']],
    ]);
  });
});

describe('istio: synth refuses', () => {
  test('fails when Istio\'s meshConfig.trustDomain differs from the SPIRE trust domain', () => {
    expect(problemsOf(withMesh({ type: 'istio', meshTrustDomain: 'cluster.local' }))).toEqual([
      'staging: mesh "istio" mesh.meshTrustDomain: differs from the environment\'s trust domain staging.spire.acme.example: Istio would refuse every peer\'s SPIFFE ID, got "cluster.local"; '
      + 'fix: set meshConfig.trustDomain to staging.spire.acme.example in Istio (and here), or leave meshTrustDomain out and apply the rendered istiod values',
    ]);
  });

  test('fails when the agent would serve the certificate or bundle under names Istio never asks for', () => {
    const problems = problemsOf(withMesh({ type: 'istio' }, (env) => ({ ...env, agent: { ...env.agent, sds: { defaultSvidName: 'svid', defaultBundleName: 'bundle' } } })));
    expect(problems).toEqual([
      expect.stringMatching(/mesh "istio" agent.sds.defaultSvidName: must be "default", the SDS resource Istio's proxy asks for, got "svid"/),
      expect.stringMatching(/mesh "istio" agent.sds.defaultBundleName: must be "ROOTCA", the SDS resource Istio's proxy asks for, got "bundle"/),
    ]);
  });

  test('fails when SPIFFE certificate validation is switched off under Istio', () => {
    expect(problemsOf(withMesh({ type: 'istio' }, (env) => ({ ...env, agent: { ...env.agent, sds: { disableSpiffeCertValidation: true } } }))))
      .toEqual([expect.stringMatching(/agent.sds.disableSpiffeCertValidation: would hand Istio plain CAs/)]);
  });
});

describe('envoy', () => {
  const files = renderEstate(withMesh({ type: 'envoy', namespace: 'shop' }, (env) => ({ ...env, agent: { ...env.agent, sds: { defaultSvidName: 'svid' } } })));
  const configMap = find(files, 'staging/stg-euw1/shop/configmap-spire-envoy-bootstrap.yaml');
  const bootstrap = load(configMap.data[ENVOY_EXAMPLE.bootstrapFile]) as any;
  const tls = bootstrap.static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context;
  const sdsCluster = bootstrap.static_resources.clusters.find((cluster: any) => cluster.name === ENVOY_EXAMPLE.sdsCluster);

  test('the bootstrap is rendered into the workloads\' namespace', () => {
    expect(configMap.metadata.namespace).toBe('shop');
  });

  test('asks SDS for the agent\'s resource names: its own for the SVID, SPIRE\'s default for the bundle', () => {
    expect(tls.tls_certificate_sds_secret_configs.map((config: any) => config.name)).toEqual(['svid']);
    expect(tls.validation_context_sds_secret_config.name).toBe('ROOTCA');
  });

  test('reaches SDS over the Workload API socket, as the CSI volume shows it, over HTTP/2', () => {
    const address = sdsCluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
    expect(address).toEqual({ pipe: { path: `${WORKLOAD_API.mountDir}/spire-agent.sock` } });
    expect(sdsCluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toEqual({ http2_protocol_options: {} });
    for (const config of [...tls.tls_certificate_sds_secret_configs, tls.validation_context_sds_secret_config]) {
      expect(config.sds_config.api_config_source.grpc_services).toEqual([{ envoy_grpc: { cluster_name: ENVOY_EXAMPLE.sdsCluster } }]);
    }
  });

  test('fails when the namespace is not a namespace name', () => {
    expect(problemsOf(withMesh({ type: 'envoy', namespace: 'Shop_1' }))).toEqual([expect.stringMatching(/mesh "envoy" mesh.namespace: is not a namespace name, got "Shop_1"/)]);
  });
});
