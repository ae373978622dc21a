import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SPIRE_SERVER } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { serverCommand, serverConf, serverEnv, serverPluginBinaries, serverSecretVolumes } from '../build/spire-configs';
import { standardLabels } from '../resolve/labels';
import { RESTRICTED_CONTAINER, fileVolume, imagePullPolicy, imagePullSecrets, restrictedPod } from '../build/k8s-helpers';
import { ResolvedCluster } from '../resolve/model';

export interface SpireSyncHooksProps {
  /** The cluster's resolved model: the server.conf validated and the address checked come from it. */
  readonly resolved: ResolvedCluster;
  /** Run `spire-server validate` on the server.conf about to be applied, before anything is applied. */
  readonly preSyncValidation: boolean;
  /** After the sync, fail it unless the server's /ready endpoint answers. */
  readonly postSyncHealthCheck: boolean;
}

const HOOK_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
  limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
};

function hookAnnotations(hook: 'PreSync' | 'PostSync', wave: number): Record<string, string> {
  return {
    'argocd.argoproj.io/hook': hook,
    // Fixed names (kustomize cannot build generateName) are replaced on the next sync.
    'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    'argocd.argoproj.io/sync-wave': String(wave),
  };
}

/**
 * Argo CD sync hooks. PreSync: a ConfigMap with the exact server.conf of this revision and a Job that
 * runs `spire-server validate` on it, so a config SPIRE would refuse to start with never reaches the
 * server. PostSync: a Job that fails the sync unless the server's readiness endpoint answers.
 */
export class SpireSyncHooks extends Construct {
  public static readonly validateName = 'spire-server-validate';
  public static readonly healthCheckName = 'spire-server-health-check';

  constructor(scope: Construct, id: string, props: SpireSyncHooksProps) {
    super(scope, id);
    const { resolved } = props;
    const { server } = resolved;
    const namespace = server.namespace;
    const images = resolved.images;

    if (props.preSyncValidation) {
      const secretFiles = serverSecretVolumes(server);
      const validateFiles = server.cloud.files.filter((file) => file.readByValidate);
      const plugins = serverPluginBinaries(resolved, HOOK_RESOURCES);
      const labels = standardLabels(SpireSyncHooks.validateName, 'sync-hook', resolved.clusterName);
      new k8s.KubeConfigMap(this, 'ValidateConfig', {
        metadata: { name: SpireSyncHooks.validateName, namespace, labels, annotations: hookAnnotations('PreSync', -1) },
        data: { [SPIRE_SERVER.configFile]: serverConf(resolved) },
      });
      new k8s.KubeJob(this, 'Validate', {
        metadata: { name: SpireSyncHooks.validateName, namespace, labels, annotations: hookAnnotations('PreSync', 0) },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 300,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              securityContext: restrictedPod(1000),
              ...(plugins.initContainers.length > 0 ? { initContainers: plugins.initContainers } : {}),
              ...imagePullSecrets(resolved.imagePull),
              containers: [{
                name: 'validate',
                image: imageString(images.spireServer),
                ...imagePullPolicy(resolved.imagePull),
                // `spire-server validate`, not the image's ENTRYPOINT (`spire-server run`) with validate appended.
                ...serverCommand(resolved, 'validate', `${SPIRE_SERVER.validateConfigDir}/${SPIRE_SERVER.configFile}`),
                env: serverEnv(resolved),
                resources: HOOK_RESOURCES,
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: [
                  { name: 'config', mountPath: SPIRE_SERVER.validateConfigDir, readOnly: true },
                  { name: 'data', mountPath: SPIRE_SERVER.dataDir },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...secretFiles.mounts,
                  ...validateFiles.map((file) => ({ name: file.volume, mountPath: file.dir, readOnly: true })),
                  ...plugins.mounts,
                ],
              }],
              volumes: [
                { name: 'config', configMap: { name: SpireSyncHooks.validateName } },
                { name: 'data', emptyDir: {} },
                { name: 'tmp', emptyDir: {} },
                ...secretFiles.volumes,
                ...validateFiles.map(fileVolume),
                ...plugins.volumes,
              ],
            },
          },
        },
      });
    }

    if (props.postSyncHealthCheck) {
      const labels = standardLabels(SpireSyncHooks.healthCheckName, 'sync-hook', resolved.clusterName);
      const url = `http://${server.serviceHost}:${server.ports.health}${server.healthPaths.ready}`;
      new k8s.KubeJob(this, 'HealthCheck', {
        metadata: { name: SpireSyncHooks.healthCheckName, namespace, labels, annotations: hookAnnotations('PostSync', 0) },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              securityContext: restrictedPod(1000),
              ...imagePullSecrets(resolved.imagePull),
              containers: [{
                name: 'check',
                image: imageString(images.healthProbe),
                ...imagePullPolicy(resolved.imagePull),
                // Up to 5 minutes for the server to report ready; a non-zero exit fails the sync.
                ...containerCommand(images.healthProbe, ['/bin/sh', '-c', `for i in $(seq 1 60); do wget -q -T 5 -O /dev/null ${url} && exit 0; sleep 5; done; echo "SPIRE server at ${url} never became ready" >&2; exit 1`]),
                resources: HOOK_RESOURCES,
                securityContext: RESTRICTED_CONTAINER,
              }],
            },
          },
        },
      });
    }
  }
}
