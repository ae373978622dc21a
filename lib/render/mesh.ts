import { toYaml } from './yaml';

/*
 * What a service mesh needs from the SPIRE side, as pure functions of plain options: the istiod Helm
 * values that make Istio's proxies take their certificates from the agent, and an Envoy bootstrap that
 * does the same for a plain Envoy.
 */

export interface IstioValuesOptions {
  /** meshConfig.trustDomain: must be the SPIRE trust domain, or Istio refuses the peers' SPIFFE IDs. */
  readonly trustDomain: string;
  /** The SPIFFE CSI driver's name: the injected `workload-socket` volume becomes one of its volumes. */
  readonly csiDriverName: string;
  /** Istio's injection-template volume that carries its SDS socket, and where the proxy mounts it. */
  readonly socketVolume: string;
  readonly socketDir: string;
  /** Label (key, value) the template sets on injected pods: the mesh ClusterSPIFFEID selects it. */
  readonly managedIdentityLabel: readonly [string, string];
}

/**
 * istiod Helm values (chart `istiod`): meshConfig.trustDomain, and an injection template `spire` that
 * replaces the proxy's `workload-socket` emptyDir by the SPIFFE CSI driver's volume and marks the pod for
 * the mesh identity. Pods opt in with the annotation `inject.istio.io/templates: sidecar,spire`.
 */
export function renderIstioValues(options: IstioValuesOptions): string {
  const [labelKey, labelValue] = options.managedIdentityLabel;
  const template = toYaml({
    labels: { [labelKey]: labelValue },
    spec: {
      containers: [{ name: 'istio-proxy', volumeMounts: [{ name: options.socketVolume, mountPath: options.socketDir, readOnly: true }] }],
      volumes: [{ name: options.socketVolume, csi: { driver: options.csiDriverName, readOnly: true } }],
    },
  });
  return toYaml({
    meshConfig: { trustDomain: options.trustDomain },
    sidecarInjectorWebhook: { templates: { spire: template } },
  });
}

export interface EnvoyBootstrapOptions {
  readonly nodeId: string;
  /** The agent's Workload API socket as Envoy's container sees it; SDS is served on it. */
  readonly agentSocketPath: string;
  /** The cluster of the bootstrap that reaches the agent. */
  readonly sdsCluster: string;
  /** SDS resource names of the workload's X509-SVID and its trust domain's bundle (the agent's `sds` block). */
  readonly svidName: string;
  readonly bundleName: string;
  /** The mTLS listener's port and the local application it forwards to. */
  readonly listenerPort: number;
  readonly appPort: number;
  readonly adminPort: number;
}

/** An Envoy v3 bootstrap: an mTLS listener whose certificate and trust bundle come from the agent's SDS API. */
export function renderEnvoyBootstrap(options: EnvoyBootstrapOptions): string {
  const sdsConfig = {
    resource_api_version: 'V3',
    api_config_source: {
      api_type: 'GRPC',
      transport_api_version: 'V3',
      grpc_services: [{ envoy_grpc: { cluster_name: options.sdsCluster } }],
    },
  };
  const endpoint = (address: object) => ({ endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] });
  return toYaml({
    node: { id: options.nodeId, cluster: options.nodeId },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: options.adminPort } } },
    static_resources: {
      listeners: [{
        name: 'mtls_inbound',
        address: { socket_address: { address: '0.0.0.0', port_value: options.listenerPort } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
              stat_prefix: 'mtls_inbound',
              cluster: 'local_app',
            },
          }],
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              require_client_certificate: true,
              common_tls_context: {
                tls_certificate_sds_secret_configs: [{ name: options.svidName, sds_config: sdsConfig }],
                validation_context_sds_secret_config: { name: options.bundleName, sds_config: sdsConfig },
              },
            },
          },
        }],
      }],
      clusters: [
        {
          // SDS is gRPC: HTTP/2 over the agent's Unix socket.
          name: options.sdsCluster,
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: { cluster_name: options.sdsCluster, ...endpoint({ pipe: { path: options.agentSocketPath } }) },
        },
        {
          name: 'local_app',
          connect_timeout: '1s',
          load_assignment: { cluster_name: 'local_app', ...endpoint({ socket_address: { address: '127.0.0.1', port_value: options.appPort } }) },
        },
      ],
    },
  });
}
