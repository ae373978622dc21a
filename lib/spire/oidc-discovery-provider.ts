import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { OIDC_DISCOVERY_PROVIDER, OIDC_DISCOVERY_PROVIDER_BIN, SPIRE_HEALTH_PATHS, WORKLOAD_API } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { RESTRICTED_CONTAINER, disruptionBudget, httpProbe, imagePullPolicy, imagePullSecrets, podScheduling, resources, restrictedPod } from '../build/k8s-helpers';
import { renderOidcConf } from '../render/oidc-conf';
import { ResolvedCluster, ResolvedOidcDiscoveryProvider } from '../resolve/model';

export interface SpiffeOidcDiscoveryProviderProps {
  readonly resolved: ResolvedCluster;
  /** The provider's resolved part of the model (present when the environment asks for one). */
  readonly oidc: ResolvedOidcDiscoveryProvider;
}

/**
 * SPIFFE OIDC discovery provider: serves the trust domain's JWT signing keys as an OIDC discovery
 * document, for cloud providers that accept SPIFFE JWT-SVIDs. It reads the Workload API through the
 * CSI volume and serves plain HTTP behind a TLS-terminating ingress.
 */
export class SpiffeOidcDiscoveryProvider extends Construct {
  constructor(scope: Construct, id: string, props: SpiffeOidcDiscoveryProviderProps) {
    super(scope, id);
    const { resolved, oidc } = props;
    const settings = resolved.environment.oidcDiscovery!;
    const namespace = oidc.namespace;
    const labels = oidc.labels;
    const conf = renderOidcConf({
      domains: oidc.domains,
      jwtIssuer: oidc.jwtIssuer,
      trustDomain: resolved.trustDomain,
      socketPath: `${WORKLOAD_API.mountDir}/${resolved.agent.socketFileName}`,
      httpPort: oidc.ports.http,
      healthPort: oidc.ports.health,
      healthPaths: SPIRE_HEALTH_PATHS,
      logLevel: settings.logLevel,
      logFormat: settings.logFormat,
      setKeyUse: settings.setKeyUse,
      serverPathPrefix: settings.serverPathPrefix,
      jwksUri: settings.jwksUri,
    });
    const configFile = OIDC_DISCOVERY_PROVIDER.configFile;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: oidc.name, namespace, labels },
      automountServiceAccountToken: false,
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: oidc.name, namespace, labels },
      data: { [configFile]: conf },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: oidc.name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: oidc.selector,
        ports: [{ name: 'http', port: oidc.ports.service, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: oidc.name, namespace, labels },
      spec: {
        replicas: oidc.replicas,
        selector: { matchLabels: oidc.selector },
        template: {
          metadata: {
            labels: oidc.pod.labels,
            annotations: { ...oidc.pod.annotations, 'spire-gitops/config-checksum': createHash('sha256').update(conf).digest('hex') },
          },
          spec: {
            serviceAccountName: oidc.name,
            automountServiceAccountToken: false,
            ...podScheduling(oidc.pod),
            ...imagePullSecrets(resolved.imagePull),
            securityContext: restrictedPod(1000),
            containers: [{
              name: 'spiffe-oidc-discovery-provider',
              image: imageString(resolved.images.oidcDiscoveryProvider),
              ...imagePullPolicy(resolved.imagePull),
              ...containerCommand(resolved.images.oidcDiscoveryProvider, [OIDC_DISCOVERY_PROVIDER_BIN, '-config', `${OIDC_DISCOVERY_PROVIDER.configDir}/${configFile}`]),
              ports: [
                { name: 'http', containerPort: oidc.ports.http, protocol: 'TCP' },
                { name: 'healthz', containerPort: oidc.ports.health, protocol: 'TCP' },
              ],
              livenessProbe: httpProbe(SPIRE_HEALTH_PATHS.live, 'healthz', oidc.probes.liveness),
              readinessProbe: httpProbe(SPIRE_HEALTH_PATHS.ready, 'healthz', oidc.probes.readiness),
              resources: resources(settings.resources),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [
                { name: 'spiffe-workload-api', mountPath: WORKLOAD_API.mountDir, readOnly: true },
                { name: 'config', mountPath: OIDC_DISCOVERY_PROVIDER.configDir, readOnly: true },
              ],
            }],
            volumes: [
              // The inline CSI volume through which a pod reaches the Workload API.
              { name: 'spiffe-workload-api', csi: { driver: resolved.csiDriver.driverName, readOnly: true } },
              { name: 'config', configMap: { name: oidc.name } },
            ],
          },
        },
      },
    });
    if (oidc.disruptionBudget) {
      disruptionBudget(this, 'DisruptionBudget', { name: oidc.name, namespace, labels, selector: oidc.selector, budget: oidc.disruptionBudget });
    }
  }
}
