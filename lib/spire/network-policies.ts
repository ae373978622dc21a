import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { standardLabels } from '../resolve/labels';
import { SpiffeOidcDiscoveryProvider } from './oidc-discovery-provider';
import { SpiffeCsiDriver } from './spiffe-csi-driver';
import { SpireServer } from './spire-server';

export interface SpireNetworkPoliciesProps {
  readonly server: SpireServer;
  readonly csiDriver: SpiffeCsiDriver;
  /**
   * The OIDC discovery provider, whose HTTP and health ports are admitted.
   * @default - none runs
   */
  readonly oidc?: SpiffeOidcDiscoveryProvider;
  /** Namespace Prometheus scrapes from; metrics ports admit traffic from it only. */
  readonly monitoringNamespace: string;
}

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/**
 * Ingress NetworkPolicies for the SPIRE namespaces: deny by default, then admit only the ports SPIRE
 * serves. Agents run on the host network, so their traffic comes from node addresses that no pod or
 * namespace selector matches; the gRPC port is therefore open to all sources, as are the webhook port
 * (the API server) and the health ports (kubelet probes). Metrics are admitted from the monitoring
 * namespace only.
 */
export class SpireNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: SpireNetworkPoliciesProps) {
    super(scope, id);
    const { server, csiDriver, oidc } = props;
    const labels = standardLabels('spire-network-policy', 'network-policy', server.clusterName);
    const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.monitoringNamespace } } };
    const manager = server.controllerManager;

    for (const namespace of [server.namespace, csiDriver.agent.namespace]) {
      new k8s.KubeNetworkPolicy(this, `DenyIngress-${namespace}`, {
        metadata: { name: 'default-deny-ingress', namespace, labels },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    }

    const open = [tcp(server.grpcPort), tcp(manager.webhookPort), tcp(server.healthPort), tcp(manager.healthPort)];
    if (server.context.environment.federation.length > 0) open.push(tcp(server.federationPort));
    new k8s.KubeNetworkPolicy(this, 'Server', {
      metadata: { name: 'spire-server', namespace: server.namespace, labels },
      spec: {
        podSelector: { matchLabels: server.selector },
        policyTypes: ['Ingress'],
        ingress: [
          { ports: open },
          { from: [monitoring], ports: [tcp(server.metricsPort), tcp(manager.metricsPort)] },
        ],
      },
    });

    if (oidc) {
      new k8s.KubeNetworkPolicy(this, 'Oidc', {
        metadata: { name: oidc.name, namespace: server.namespace, labels },
        spec: {
          podSelector: { matchLabels: oidc.selector },
          policyTypes: ['Ingress'],
          ingress: [{ ports: [tcp(oidc.httpPort), tcp(oidc.healthPort)] }],
        },
      });
    }

    new k8s.KubeNetworkPolicy(this, 'CsiDriver', {
      metadata: { name: 'spiffe-csi-driver', namespace: csiDriver.agent.namespace, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spiffe-csi-driver' } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [tcp(csiDriver.registrarHealthPort)] }],
      },
    });
  }
}
