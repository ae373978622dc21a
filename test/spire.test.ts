import { Testing } from 'cdk8s';
import { ClusterChart } from '../lib/build/cluster-chart';
import { resolveCluster } from '../lib/resolve/resolve';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { defaultFiles, environment, estateWith, find, problemsOf } from './helpers/estate';

const files = defaultFiles();
const clusters = DEFAULT_ESTATE.environments.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, dir: `${env.name}/${cluster.name}` })));

function conf(dir: string, path: string, key: string): string {
  return find(files, `${dir}/${path}`).data[key];
}
function containers(workload: any): any[] {
  return workload.spec.template.spec.containers;
}
describe.each(clusters)('$dir: cross-component facts', ({ env, cluster, dir }) => {
  const serverConf = conf(dir, 'spire-server/configmap-spire-server.yaml', 'server.conf');
  const agentConf = conf(dir, 'spire-system/configmap-spire-agent.yaml', 'agent.conf');
  const manager = find(files, `${dir}/spire-server/configmap-spire-controller-manager.yaml`).data['controller-manager-config.yaml'];
  const statefulSet = find(files, `${dir}/spire-server/statefulset-spire-server.yaml`);
  const agent = find(files, `${dir}/spire-system/daemonset-spire-agent.yaml`);
  const csi = find(files, `${dir}/spire-system/daemonset-spiffe-csi-driver.yaml`);
  const service = find(files, `${dir}/spire-server/service-spire-server.yaml`);
  const webhooks = find(files, `${dir}/validatingwebhookconfiguration-spire-controller-manager-webhook.yaml`);

  test('one trust domain: server, agent, controller manager', () => {
    expect(serverConf).toContain(`trust_domain = "${env.trustDomain}"`);
    expect(agentConf).toContain(`trust_domain = "${env.trustDomain}"`);
    expect(manager).toContain(`trustDomain: ${env.trustDomain}`);
  });

  test('one cluster name: agent psat, server psat key, manager clusterName and entryIDPrefix', () => {
    expect(agentConf).toContain(`cluster = "${cluster.name}"`);
    expect(serverConf).toMatch(new RegExp(`NodeAttestor "k8s_psat" \\{\\s+plugin_data \\{\\s+clusters = \\{\\s+"${cluster.name}" = \\{`));
    expect(manager).toContain(`clusterName: ${cluster.name}`);
    expect(manager).toContain(`entryIDPrefix: ${cluster.name}`);
  });

  test('the agent token audience is one the server accepts, and its service account is allowed', () => {
    const projected = agent.spec.template.spec.volumes.find((volume: any) => volume.name === 'agent-token').projected.sources[0].serviceAccountToken;
    expect(serverConf).toContain(`"audience" = ["${projected.audience}"]`);
    expect(serverConf).toContain(`"service_account_allow_list" = ["spire-system:${agent.spec.template.spec.serviceAccountName}"]`);
    expect(agentConf).toContain(`token_path = "/var/run/secrets/tokens/${projected.path}"`);
  });

  test('the agent reaches the server Service on its gRPC port', () => {
    const grpc = service.spec.ports.find((port: any) => port.name === 'grpc');
    expect(agentConf).toContain(`server_address = "${service.metadata.name}.${service.metadata.namespace}.svc"`);
    expect(agentConf).toContain(`server_port = "${grpc.port}"`);
    expect(grpc.targetPort).toBe('grpc');
    expect(containers(statefulSet)[0].ports.find((port: any) => port.name === 'grpc').containerPort).toBe(8081);
    expect(serverConf).toContain('bind_port = "8081"');
    expect(agent.spec.template.spec.dnsPolicy).toBe('ClusterFirstWithHostNet');
  });

  test('the bundle the server publishes is the one the agent reads', () => {
    const volume = agent.spec.template.spec.volumes.find((candidate: any) => candidate.name === 'trust-bundle');
    const mount = containers(agent)[0].volumeMounts.find((candidate: any) => candidate.name === 'trust-bundle');
    expect(serverConf).toContain(`"configmap_name" = "${volume.configMap.name}"`);
    expect(serverConf).toContain('"namespace" = "spire-system"');
    expect(serverConf).toContain('"configmap_key" = "bundle.spiffe"');
    expect(serverConf).toContain('"format" = "spiffe"');
    expect(agentConf).toContain(`trust_bundle_path = "${mount.mountPath}/bundle.spiffe"`);
    expect(agentConf).toContain('trust_bundle_format = "spiffe"');
    const role = find(files, `${dir}/spire-system/role-spire-server-bundle.yaml`);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['spire-bundle'], verbs: ['patch', 'create'] }]);
  });

  test('the server admin socket is the one the manager dials, on a shared emptyDir', () => {
    expect(serverConf).toContain('socket_path = "/tmp/spire-server/private/api.sock"');
    expect(manager).toContain('spireServerSocketPath: /tmp/spire-server/private/api.sock');
    const [server, sidecar] = containers(statefulSet);
    expect(server.volumeMounts).toContainEqual({ name: 'server-socket', mountPath: '/tmp/spire-server/private' });
    expect(sidecar.volumeMounts).toContainEqual({ name: 'server-socket', mountPath: '/tmp/spire-server/private', readOnly: true });
    expect(statefulSet.spec.template.spec.volumes).toContainEqual({ name: 'server-socket', emptyDir: {} });
  });

  test('the CSI driver serves the agent socket directory', () => {
    const agentDir = agent.spec.template.spec.volumes.find((volume: any) => volume.name === 'agent-socket-dir').hostPath.path;
    const csiDir = csi.spec.template.spec.volumes.find((volume: any) => volume.name === 'spire-agent-socket-dir').hostPath.path;
    expect(csiDir).toBe(agentDir);
    expect(containers(agent)[0].volumeMounts).toContainEqual({ name: 'agent-socket-dir', mountPath: '/tmp/spire-agent/public' });
    expect(agentConf).toContain('socket_path = "/tmp/spire-agent/public/spire-agent.sock"');
    expect(find(files, `${dir}/csidriver-csi.spiffe.io.yaml`).spec).toEqual({
      attachRequired: false, fsGroupPolicy: 'None', podInfoOnMount: true, volumeLifecycleModes: ['Ephemeral'],
    });
  });

  test('webhooks: manager names this configuration, upstream order, Service 443 -> 9443, no caBundle', () => {
    expect(manager).toContain(`validatingWebhookConfigurationName: ${webhooks.metadata.name}`);
    expect(webhooks.webhooks.map((webhook: any) => webhook.name)).toEqual(['vclusterfederatedtrustdomain.kb.io', 'vclusterspiffeid.kb.io']);
    expect(webhooks.webhooks.every((webhook: any) => webhook.failurePolicy === env.webhookFailurePolicy)).toBe(true);
    expect(JSON.stringify(webhooks)).not.toContain('caBundle');
    const webhookService = find(files, `${dir}/spire-server/service-spire-controller-manager-webhook.yaml`);
    expect(webhookService.spec.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }]);
    expect(webhookService.spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
    expect(containers(statefulSet)[1].ports).toContainEqual({ name: 'https', containerPort: 9443, protocol: 'TCP' });
  });

  test('every ClusterSPIFFEID carries the manager className', () => {
    const className = /className: (\S+)/.exec(manager)![1];
    const identities = [...files.keys()].filter((path) => path.startsWith(`${dir}/clusterspiffeid-`));
    expect(identities.length).toBeGreaterThan(0);
    for (const path of identities) expect(find(files, path).spec.className).toBe(className);
  });

  test('the OIDC discovery provider, where on, serves the issuer the server signs JWT-SVIDs with', () => {
    const path = `${dir}/spire-server/configmap-spire-oidc-discovery-provider.yaml`;
    if (!env.oidcDiscovery) {
      expect(files.has(path)).toBe(false);
      return;
    }
    const oidcConf = find(files, path).data['oidc-discovery-provider.conf'];
    const issuer = /jwt_issuer = "([^"]+)"/.exec(serverConf)![1];
    expect(oidcConf).toContain(`jwt_issuer = "${issuer}"`);
    expect(oidcConf).toContain(`trust_domain = "${env.trustDomain}"`);
    expect(issuer).toBe(`https://${env.oidcDiscovery.domains[0]}`);
  });

  test('the server namespace is restricted, and every pod in a restricted namespace passes restricted', () => {
    expect(find(files, `${dir}/namespace-spire-server.yaml`).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(files, `${dir}/namespace-spire-system.yaml`).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    const restricted = [...files.keys()]
      .filter((path) => path.startsWith(`${dir}/namespace-`))
      .map((path) => find(files, path))
      .filter((namespace) => namespace.metadata.labels['pod-security.kubernetes.io/enforce'] === 'restricted')
      .map((namespace) => namespace.metadata.name);
    const workloads = [...files.keys()].filter((path) => restricted.some((namespace) => path.startsWith(`${dir}/${namespace}/`)) && /\/(statefulset|deployment|job)-/.test(path));
    expect(workloads.length).toBeGreaterThan(0);
    for (const path of workloads) {
      const pod = find(files, path).spec.template.spec;
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
      expect((pod.volumes ?? []).filter((volume: any) => volume.hostPath)).toEqual([]);
      const podSeccomp = pod.securityContext?.seccompProfile?.type;
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const context = container.securityContext ?? {};
        expect({ path, container: container.name, checks: {
          allowPrivilegeEscalation: context.allowPrivilegeEscalation,
          dropsAll: (context.capabilities?.drop ?? []).includes('ALL'),
          adds: context.capabilities?.add ?? [],
          runAsNonRoot: context.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
          seccomp: context.seccompProfile?.type ?? podSeccomp,
          privileged: context.privileged ?? false,
          readOnlyRootFilesystem: context.readOnlyRootFilesystem,
        } }).toEqual({ path, container: container.name, checks: {
          allowPrivilegeEscalation: false, dropsAll: true, adds: [], runAsNonRoot: true, seccomp: 'RuntimeDefault', privileged: false, readOnlyRootFilesystem: true,
        } });
      }
    }
  });

  test('every long-running container has probes, requests and limits', () => {
    const workloads = [...files.keys()].filter((path) => path.startsWith(`${dir}/`) && /\/(statefulset|daemonset|deployment)-/.test(path));
    for (const path of workloads) {
      for (const container of containers(find(files, path))) {
        // The CSI driver serves no health endpoint; the registrar beside it probes the driver's socket.
        const probed = container.name !== 'spiffe-csi-driver';
        expect({ path, name: container.name, liveness: !!container.livenessProbe, readiness: !!container.readinessProbe, requests: !!container.resources?.requests, limits: !!container.resources?.limits?.memory })
          .toEqual({ path, name: container.name, liveness: probed, readiness: probed, requests: true, limits: true });
      }
    }
  });

  test('no probe of one container targets a port another container of the pod declares', () => {
    const workloads = [...files.keys()].filter((path) => path.startsWith(`${dir}/`) && /\/(statefulset|daemonset|deployment)-/.test(path));
    for (const path of workloads) {
      const all = containers(find(files, path));
      for (const container of all) {
        const own = new Set((container.ports ?? []).flatMap((port: any) => [port.name, port.containerPort]));
        const others = new Set(all.filter((other: any) => other !== container).flatMap((other: any) => (other.ports ?? []).flatMap((port: any) => [port.name, port.containerPort])));
        for (const probe of [container.livenessProbe, container.readinessProbe].filter(Boolean)) {
          const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
          if (port === undefined) continue;
          expect({ path, container: container.name, port, own: own.has(port), other: others.has(port) && !own.has(port) })
            .toEqual({ path, container: container.name, port, own: true, other: false });
        }
      }
    }
  });

  test('the StatefulSet is governed by a headless Service selecting its pods', () => {
    const statefulSet = find(files, `${dir}/spire-server/statefulset-spire-server.yaml`);
    const service = find(files, `${dir}/spire-server/service-${statefulSet.spec.serviceName}.yaml`);
    expect(service.spec.clusterIP).toBe('None');
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });

  test('RBAC: server may review tokens and read pods and nodes; agent may get pods, nodes and nodes/proxy', () => {
    expect(find(files, `${dir}/clusterrole-spire-server-spire-server.yaml`).rules).toEqual([
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
    ]);
    expect(find(files, `${dir}/clusterrole-spire-system-spire-agent.yaml`).rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] },
    ]);
  });

});

describe('guarded mistakes', () => {
  test('fails when sqlite3 runs with 2 replicas', () => {
    const problems = problemsOf(estateWith('development', (env) => ({ ...env, server: { ...env.server, replicas: 2 } })));
    expect(problems).toContainEqual(expect.stringMatching(/^development\/dev-euw1: SpireServer "spire-server" server\.replicas: sqlite3 supports exactly one server replica, got 2; fix: set server\.replicas to 1 in development, or use a postgres datastore/));
  });

  test('fails when a production image has no digest', () => {
    const estate = estateWith('production', (env) => env);
    const problems = problemsOf({ ...estate, images: { ...estate.images, spireAgent: { ...estate.images.spireAgent, digest: undefined } } });
    expect(problems).toContainEqual(expect.stringMatching(/^production\/prod-euw1: DaemonSet "spire-agent" container spire-agent image: must be pinned by digest in this environment \(requireImageDigests\), got "ghcr\.io\/spiffe\/spire-agent:1\.15\.2"/));
  });

  test('fails when production turns on the OIDC provider whose image has no digest yet', () => {
    const problems = problemsOf(estateWith('production', (env) => ({ ...env, oidcDiscovery: environment('staging').oidcDiscovery })));
    expect(problems).toContainEqual(expect.stringMatching(/Deployment "spire-oidc-discovery-provider" container spiffe-oidc-discovery-provider image: must be pinned by digest/));
  });

  test('fails when production turns on the PostSync health check whose image has no digest yet', () => {
    const problems = problemsOf(estateWith('production', (env) => ({ ...env, gitops: { ...env.gitops, postSyncHealthCheck: true } })));
    expect(problems).toContainEqual(expect.stringMatching(/^production\/prod-euw1: Job "spire-server-health-check" container check image: must be pinned by digest in this environment \(requireImageDigests\), got "docker\.io\/library\/busybox:1\.37\.0-uclibc"/));
  });

  test('fails when ca_ttl is shorter than 6 times the default X509-SVID TTL', () => {
    const problems = problemsOf(estateWith('staging', (env) => ({ ...env, server: { ...env.server, caTtl: '3h' } })));
    expect(problems).toContainEqual(expect.stringMatching(/server\.caTtl: must be at least 6 times the longest X509-SVID TTL/));
  });
});

describe('server placement', () => {
  test.each(clusters)('$dir: the servers prefer different nodes exactly where there are several (production\'s preset)', ({ env, dir }) => {
    const statefulSet = find(files, `${dir}/spire-server/statefulset-spire-server.yaml`);
    const constraints = statefulSet.spec.template.spec.topologySpreadConstraints;
    if (env.production) {
      expect(constraints).toEqual([{
        labelSelector: { matchLabels: statefulSet.spec.selector.matchLabels },
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
      }]);
    } else {
      expect(constraints).toBeUndefined();
    }
  });
});

describe('external databases', () => {
  test('mysql with two replicas: password from the existing Secret through ${DBPW}, never rendered', () => {
    const mysql = estateWith('staging', (env) => ({
      ...env,
      gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' } },
      server: {
        ...env.server,
        replicas: 2,
        datastore: {
          type: 'mysql', host: 'mysql.db.svc', port: 3306, database: 'spire', user: 'spire',
          passwordSecret: { name: 'spire-db', key: 'password' }, caConfigMap: 'spire-db-ca', maxOpenConns: 20, maxIdleConns: 5,
        },
      },
    }));
    const out = renderEstate(mysql);
    const statefulSet = find(out, 'staging/stg-euw1/spire-server/statefulset-spire-server.yaml');
    expect(statefulSet.spec.replicas).toBe(2);
    expect(containers(statefulSet)[0].env).toEqual([{ name: 'DBPW', valueFrom: { secretKeyRef: { name: 'spire-db', key: 'password' } } }]);
    expect(statefulSet.spec.template.spec.volumes).toContainEqual({ name: 'db-ca', configMap: { name: 'spire-db-ca' } });
    const serverConf = find(out, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'];
    expect(serverConf).toContain('connection_string = "spire:${DBPW}@tcp(mysql.db.svc:3306)/spire?parseTime=true&tls=custom"');
    expect(find(out, 'staging/stg-euw1/spire-server/configmap-spire-controller-manager.yaml').data['controller-manager-config.yaml']).toContain('leaderElect: true');
    expect(out.has('staging/stg-euw1/spire-server/poddisruptionbudget-spire-server.yaml')).toBe(true);
  });
});

/*
 * Focused snapshots: one object or config file each, from an environment smaller and one fuller than any in
 * dist/ (dist/ itself is the golden output of the default estate, checked in output.test.ts).
 */
describe('construct snapshots', () => {
  const minimal: EnvironmentConfig = {
    ...environment('development'),
    identities: [], oidcDiscovery: undefined, sampleWorkload: undefined, networkPolicies: false,
    gitops: { ...environment('development').gitops, engines: ['flux'] },
  };
  const full: EnvironmentConfig = { ...environment('production'), oidcDiscovery: environment('staging').oidcDiscovery, sampleWorkload: 'web-frontend' };
  function synth(env: EnvironmentConfig): any[] {
    return Testing.synth(new ClusterChart(Testing.app(), 'test', { resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images) }));
  }
  const minimalObjects = synth(minimal);
  const fullObjects = synth(full);
  function one(objects: any[], kind: string, name: string): any {
    const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
    expect(found.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([`${kind}/${name}`]);
    return found[0];
  }
  const names = (objects: any[]) => objects.map((object) => `${object.kind} ${object.metadata.namespace ?? '-'}/${object.metadata.name}`).sort();

  test('minimal props give only server, manager, agent, CSI driver and the admission policies', () => {
    expect(names(minimalObjects)).toMatchSnapshot();
  });
  test('full props add federation, identities, network policies, monitoring, hooks, OIDC and the sample workload', () => {
    expect(names(fullObjects)).toMatchSnapshot();
  });

  test('server StatefulSet, full props: postgres, disk keys, manager sidecar', () => {
    expect(one(fullObjects, 'StatefulSet', 'spire-server')).toMatchSnapshot();
  });
  test('server StatefulSet, minimal props: one replica on a sqlite3 volume claim, no database password', () => {
    const statefulSet = one(minimalObjects, 'StatefulSet', 'spire-server');
    expect(statefulSet.spec.replicas).toBe(1);
    expect(statefulSet.spec.volumeClaimTemplates.map((claim: any) => claim.metadata.name)).toEqual(['spire-data']);
    expect(statefulSet.spec.template.spec.containers[0].env ?? []).toEqual([]);
  });
  test('server.conf, full props', () => {
    expect(one(fullObjects, 'ConfigMap', 'spire-server').data['server.conf']).toMatchSnapshot();
  });
  test('server.conf, minimal props', () => {
    expect(one(minimalObjects, 'ConfigMap', 'spire-server').data['server.conf']).toMatchSnapshot();
  });
  test('controller manager config, full props', () => {
    expect(one(fullObjects, 'ConfigMap', 'spire-controller-manager').data['controller-manager-config.yaml']).toMatchSnapshot();
  });
  test('agent DaemonSet', () => {
    expect(one(fullObjects, 'DaemonSet', 'spire-agent')).toMatchSnapshot();
  });
  test('agent.conf', () => {
    expect(one(fullObjects, 'ConfigMap', 'spire-agent').data['agent.conf']).toMatchSnapshot();
  });
  test('CSI driver DaemonSet', () => {
    expect(one(fullObjects, 'DaemonSet', 'spiffe-csi-driver')).toMatchSnapshot();
  });
  test('one ClusterSPIFFEID: the production api-gateway (label in the ID, federation, JWT TTL)', () => {
    expect(one(fullObjects, 'ClusterSPIFFEID', 'api-gateway')).toMatchSnapshot();
  });
  test('the NetworkPolicy set, full props', () => {
    expect(fullObjects.filter((object) => object.kind === 'NetworkPolicy').map((policy) => ({ name: `${policy.metadata.namespace}/${policy.metadata.name}`, spec: policy.spec })))
      .toMatchSnapshot();
  });
  test('OIDC discovery provider Deployment and its config', () => {
    expect({
      deployment: one(fullObjects, 'Deployment', 'spire-oidc-discovery-provider').spec.template.spec,
      conf: one(fullObjects, 'ConfigMap', 'spire-oidc-discovery-provider').data['oidc-discovery-provider.conf'],
    }).toMatchSnapshot();
  });
  test('PreSync validation Job', () => {
    expect(one(fullObjects, 'Job', 'spire-server-validate')).toMatchSnapshot();
  });
  test('PrometheusRule alerts', () => {
    expect(one(fullObjects, 'PrometheusRule', 'spire').spec).toMatchSnapshot();
  });
  test('sample workload pod', () => {
    expect(one(fullObjects, 'Deployment', 'web-frontend').spec.template.spec).toMatchSnapshot();
  });
});
