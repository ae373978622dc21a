import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SPIRE_AGENT_BIN, WORKLOAD_API } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { ResolvedCluster } from '../resolve/model';
import { standardLabels } from '../resolve/labels';
import { ClusterSpiffeId } from '../identity/cluster-spiffe-id';
import { namespacePinnedBy } from '../identity/policy';
import { giveSpiffeIdentity } from '../identity/workload-identity';
import { podSecurityLabels } from '../build/k8s-helpers';

export interface SampleWorkloadProps {
  readonly resolved: ResolvedCluster;
  /** The identity the sample runs as; its namespace and service account are taken from it. */
  readonly identity: ClusterSpiffeId;
}

/**
 * A Deployment that proves identities work end to end: it watches its own X509-SVID through the
 * Workload API (`spire-agent api watch`) and logs every rotation.
 */
export class SampleWorkload extends Construct {
  constructor(scope: Construct, id: string, props: SampleWorkloadProps) {
    super(scope, id);
    const { identity, resolved } = props;
    const socketPath = `${WORKLOAD_API.mountDir}/${resolved.agent.socketFileName}`;
    const spec = identity.identity;
    const namespace = namespacePinnedBy(spec.namespaceSelector)[0] ?? 'default';
    const serviceAccountName = (spec.workloadSelectorTemplates ?? [])
      .find((template) => template.startsWith('k8s:sa:'))?.slice('k8s:sa:'.length) ?? spec.name;
    const labels = standardLabels(spec.name, 'sample-workload', resolved.clusterName);

    new kplus.Namespace(this, 'Namespace', {
      metadata: { name: namespace, labels: { ...labels, ...podSecurityLabels('restricted') } },
    });
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: serviceAccountName, namespace, labels },
      automountToken: false,
    });
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: spec.name, namespace, labels },
      replicas: 1,
      select: false,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
      containers: [{
        name: 'svid-watcher',
        image: imageString(resolved.images.spireAgent),
        // cdk8s-plus's default is Always; the estate's policy, when it sets one, holds here too.
        ...(resolved.imagePull.policy ? { imagePullPolicy: kplus.ImagePullPolicy[resolved.imagePull.policy === 'Always' ? 'ALWAYS' : 'IF_NOT_PRESENT'] } : {}),
        ...containerCommand(resolved.images.spireAgent, [SPIRE_AGENT_BIN, 'api', 'watch', '-socketPath', socketPath]),
        resources: {
          cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
          memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
        },
        // What the restricted Pod Security Standard of its namespace demands.
        securityContext: {
          ensureNonRoot: true,
          user: 1000,
          group: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
        // The watcher has no port; its process staying up is what liveness can tell.
        liveness: kplus.Probe.fromCommand([SPIRE_AGENT_BIN, 'api', 'fetch', 'x509', '-socketPath', socketPath, '-silent'], { periodSeconds: Duration.seconds(60), timeoutSeconds: Duration.seconds(10) }),
        readiness: kplus.Probe.fromCommand([SPIRE_AGENT_BIN, 'api', 'fetch', 'x509', '-socketPath', socketPath, '-silent'], { periodSeconds: Duration.seconds(30), timeoutSeconds: Duration.seconds(10) }),
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { 'app.kubernetes.io/name': spec.name, 'app.kubernetes.io/instance': resolved.clusterName } }));
    for (const [key, value] of Object.entries(labels)) deployment.podMetadata.addLabel(key, value);
    giveSpiffeIdentity(deployment, { identity, resolved });
    // cdk8s-plus takes one registry Secret object; the estate names any number of existing ones.
    if (resolved.imagePull.secrets.length > 0) {
      ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/imagePullSecrets', resolved.imagePull.secrets.map((name) => ({ name }))));
    }
  }
}
