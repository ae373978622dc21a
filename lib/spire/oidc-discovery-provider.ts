import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IdentitySpec, OidcDiscoverySettings } from '../config/types';
import { containerCommand, imageString } from '../config/versions';
import { selectorLabels, standardLabels } from '../resolve/labels';
import { RESTRICTED_CONTAINER, httpProbe, resources, restrictedPod } from '../build/k8s-helpers';
import { namespaceServiceAccountId } from '../identity/spiffe-id';
import { renderOidcConf } from '../render/oidc-conf';
import { SpiffeCsiDriver } from './spiffe-csi-driver';
import { SpireServer } from './spire-server';

export interface SpiffeOidcDiscoveryProviderProps {
  readonly server: SpireServer;
  readonly csiDriver: SpiffeCsiDriver;
  readonly settings: OidcDiscoverySettings;
}

const SOCKET_DIR = '/spiffe-workload-api';

/**
 * SPIFFE OIDC discovery provider: serves the trust domain's JWT signing keys as an OIDC discovery
 * document, for cloud providers that accept SPIFFE JWT-SVIDs. It reads the Workload API through the
 * CSI volume and serves plain HTTP behind a TLS-terminating ingress.
 */
export class SpiffeOidcDiscoveryProvider extends Construct {
  public readonly name = 'spire-oidc-discovery-provider';
  public readonly httpPort = 8080;
  public readonly healthPort = 8008;
  /** The identity the provider needs; the cluster chart registers it like any other. */
  public readonly identity: IdentitySpec;
  public readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: SpiffeOidcDiscoveryProviderProps) {
    super(scope, id);
    const { server, csiDriver, settings } = props;
    const context = server.context;
    const namespace = server.namespace;
    const labels = standardLabels(this.name, 'oidc-discovery-provider', context.cluster.name);
    this.selector = selectorLabels(this.name, context.cluster.name);
    const conf = renderOidcConf({
      domains: settings.domains,
      jwtIssuer: server.jwtIssuer ?? `https://${settings.domains[0]}`,
      trustDomain: server.trustDomain,
      socketPath: `${SOCKET_DIR}/${csiDriver.agent.socketFileName}`,
      httpPort: this.httpPort,
      healthPort: this.healthPort,
    });

    this.identity = {
      name: this.name,
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      podSelector: { matchLabels: this.selector },
      workloadSelectorTemplates: [`k8s:sa:${this.name}`],
      dnsNameTemplates: [...settings.domains],
      // Stated, for policies that demand it: the provider only reads JWT signing keys, never administers SPIRE.
      admin: false,
    };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace, labels },
      automountServiceAccountToken: false,
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, namespace, labels },
      data: { 'oidc-discovery-provider.conf': conf },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: this.name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: this.selector },
        template: {
          metadata: { labels, annotations: { 'spire-gitops/config-checksum': createHash('sha256').update(conf).digest('hex') } },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(1000),
            containers: [{
              name: 'spiffe-oidc-discovery-provider',
              image: imageString(context.images.oidcDiscoveryProvider),
              ...containerCommand(context.images.oidcDiscoveryProvider, ['/opt/spire/bin/oidc-discovery-provider', '-config', '/run/spire/oidc/config/oidc-discovery-provider.conf']),
              ports: [
                { name: 'http', containerPort: this.httpPort, protocol: 'TCP' },
                { name: 'healthz', containerPort: this.healthPort, protocol: 'TCP' },
              ],
              livenessProbe: httpProbe('/live', 'healthz', { initialDelaySeconds: 5, periodSeconds: 10 }),
              readinessProbe: httpProbe('/ready', 'healthz', { initialDelaySeconds: 5, periodSeconds: 5 }),
              resources: resources(settings.resources),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [
                { name: 'spiffe-workload-api', mountPath: SOCKET_DIR, readOnly: true },
                { name: 'config', mountPath: '/run/spire/oidc/config', readOnly: true },
              ],
            }],
            volumes: [
              csiDriver.workloadVolume('spiffe-workload-api'),
              { name: 'config', configMap: { name: this.name } },
            ],
          },
        },
      },
    });
  }
}
