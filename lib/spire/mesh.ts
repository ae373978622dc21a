import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ENVOY_EXAMPLE, ISTIO, WORKLOAD_API } from '../config/spire-facts';
import { renderEnvoyBootstrap, renderIstioValues } from '../render/mesh';
import { standardLabels } from '../resolve/labels';
import { ResolvedCluster, ResolvedEnvoyMesh, ResolvedIstioMesh } from '../resolve/model';

export interface MeshIntegrationProps {
  readonly resolved: ResolvedCluster;
  readonly mesh: ResolvedIstioMesh | ResolvedEnvoyMesh;
}

/**
 * What the mesh takes from this tree: for Istio the istiod Helm values (trust domain and the injection
 * template that mounts the agent's socket where Istio's proxy looks for its SDS server), for plain Envoy a
 * bootstrap whose listener gets its certificate and bundle from the agent's SDS API. The mesh's identity
 * itself is a ClusterSPIFFEID the cluster chart registers like any other.
 */
export class MeshIntegration extends Construct {
  constructor(scope: Construct, id: string, props: MeshIntegrationProps) {
    super(scope, id);
    const { resolved, mesh } = props;
    const labels = standardLabels(`spire-${mesh.type}`, 'mesh', resolved.clusterName);
    if (mesh.type === 'istio') {
      new k8s.KubeConfigMap(this, 'IstioValues', {
        metadata: { ...mesh.valuesConfigMap, labels },
        data: {
          'istiod-values.yaml': renderIstioValues({
            trustDomain: mesh.trustDomain,
            csiDriverName: resolved.csiDriver.driverName,
            socketVolume: ISTIO.workloadSocketVolume,
            socketDir: ISTIO.workloadSocketDir,
            managedIdentityLabel: [ISTIO.managedIdentityLabel, 'true'],
          }),
        },
      });
      return;
    }
    const { agent } = resolved;
    new k8s.KubeConfigMap(this, 'EnvoyBootstrap', {
      metadata: { ...mesh.bootstrapConfigMap, labels },
      data: {
        [ENVOY_EXAMPLE.bootstrapFile]: renderEnvoyBootstrap({
          nodeId: `${mesh.bootstrapConfigMap.namespace}-envoy`,
          // Envoy's container mounts the SPIFFE CSI volume where every workload of this estate does.
          agentSocketPath: `${WORKLOAD_API.mountDir}/${agent.socketFileName}`,
          sdsCluster: ENVOY_EXAMPLE.sdsCluster,
          svidName: agent.sds.svid,
          bundleName: agent.sds.bundle,
          listenerPort: ENVOY_EXAMPLE.listenerPort,
          appPort: ENVOY_EXAMPLE.appPort,
          adminPort: ENVOY_EXAMPLE.adminPort,
        }),
      },
    });
  }
}
