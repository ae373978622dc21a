import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { standardLabels } from '../resolve/labels';
import { ResolvedCluster, ResolvedExposedPort } from '../resolve/model';

export interface SpireNetworkPoliciesProps {
  /**
   * The cluster's resolved model: the ports of the server, its controller manager, the CSI driver and
   * the OIDC discovery provider (when one runs) are admitted, metrics from the monitoring namespace only.
   */
  readonly resolved: ResolvedCluster;
}

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/**
 * Who may reach an exposed port: behind an Ingress or a Gateway, the controller's pods (its namespace,
 * from the estate) and nothing wider; undefined when the port is open to every source (a LoadBalancer
 * Service keeps the clients' addresses, which no selector matches).
 */
function forwardedFrom(exposed: ResolvedExposedPort | undefined): k8s.NetworkPolicyPeer[] | undefined {
  if (!exposed || exposed.route.via === 'loadBalancer') return undefined;
  return [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': exposed.route.controllerNamespace } } }];
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
    const { resolved } = props;
    const { server, csiDriver, oidcDiscovery: oidc } = resolved;
    const manager = resolved.controllerManager;
    const labels = standardLabels('spire-network-policy', 'network-policy', resolved.clusterName);
    const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': resolved.environment.monitoring.prometheusNamespace } } };

    for (const namespace of [server.namespace, resolved.agent.namespace]) {
      new k8s.KubeNetworkPolicy(this, `DenyIngress-${namespace}`, {
        metadata: { name: 'default-deny-ingress', namespace, labels },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    }

    const open = [tcp(server.ports.grpc), tcp(manager.ports.webhook), tcp(server.ports.health), tcp(manager.ports.health)];
    const bundleFrom = forwardedFrom(resolved.exposure.bundleEndpoint);
    if (server.federates && !bundleFrom) open.push(tcp(server.ports.federation));
    new k8s.KubeNetworkPolicy(this, 'Server', {
      metadata: { name: 'spire-server', namespace: server.namespace, labels },
      spec: {
        podSelector: { matchLabels: server.selector },
        policyTypes: ['Ingress'],
        ingress: [
          { ports: open },
          // Partners reach the bundle endpoint only through the route's controller.
          ...(server.federates && bundleFrom ? [{ from: bundleFrom, ports: [tcp(server.ports.federation)] }] : []),
          { from: [monitoring], ports: [tcp(server.ports.metrics), tcp(manager.ports.metrics)] },
        ],
      },
    });

    if (oidc) {
      // Exposed, the provider's HTTP port admits the Ingress or Gateway controller only; health stays open (kubelet probes).
      const httpFrom = forwardedFrom(resolved.exposure.oidcDiscovery);
      new k8s.KubeNetworkPolicy(this, 'Oidc', {
        metadata: { name: oidc.name, namespace: server.namespace, labels },
        spec: {
          podSelector: { matchLabels: oidc.selector },
          policyTypes: ['Ingress'],
          ingress: httpFrom
            ? [{ from: httpFrom, ports: [tcp(oidc.ports.http)] }, { ports: [tcp(oidc.ports.health)] }]
            : [{ ports: [tcp(oidc.ports.http), tcp(oidc.ports.health)] }],
        },
      });
    }

    new k8s.KubeNetworkPolicy(this, 'CsiDriver', {
      metadata: { name: csiDriver.name, namespace: csiDriver.namespace, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': csiDriver.name } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [tcp(csiDriver.registrarHealthPort)] }],
      },
    });
  }
}
