import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { grant } from '../build/k8s-helpers';
import { standardLabels } from '../resolve/labels';
import { ResolvedCluster } from '../resolve/model';

export interface RootServerAccessProps {
  /** The root agents' view of this cluster: the root server's bundle location and the agents' namespace. */
  readonly rootAgents: ResolvedCluster;
  readonly access: { readonly namespace: string; readonly serviceAccountName: string };
}

/**
 * In a workload cluster the nested root does not run in: the identity the root server acts as here, through
 * the kubeconfig it is given for this cluster. It needs what the root's own ServiceAccount has in the root's
 * cluster: TokenReview, node reads and reads of the root agents' pods for k8s_psat, and writing the root bundle ConfigMap the root agents
 * here start from.
 */
export class RootServerAccess extends Construct {
  constructor(scope: Construct, id: string, props: RootServerAccessProps) {
    super(scope, id);
    const { rootAgents, access } = props;
    const labels = standardLabels(access.serviceAccountName, 'root-server-access', rootAgents.clusterName);
    const serviceAccount = { name: access.serviceAccountName, namespace: access.namespace };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { ...serviceAccount, labels } });
    // k8s_psat (spire pkg/common/plugin/k8s/apiserver/client.go): ValidateToken and GetNode are cluster-wide;
    // GetPod reads only the attesting agent's pod, and only the root agents' namespace is in the allow list.
    grant(this, 'ClusterRole', {
      name: access.serviceAccountName,
      labels,
      serviceAccount,
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      ],
    });
    const bundle = rootAgents.server.bundle;
    const agentPods = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
    const bundleWrite = { apiGroups: [''], resources: ['configmaps'], resourceNames: [bundle.configMapName], verbs: ['patch', 'create'] };
    const together = bundle.namespace === access.namespace;
    grant(this, 'BundleRole', {
      name: access.serviceAccountName,
      namespace: bundle.namespace,
      labels,
      serviceAccount,
      rules: together ? [agentPods, bundleWrite] : [bundleWrite],
    });
    if (!together) grant(this, 'AgentPodRole', { name: access.serviceAccountName, namespace: access.namespace, labels, serviceAccount, rules: [agentPods] });
  }
}
