import { posix } from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as git from '../../imports/gitrepository-source.toolkit.fluxcd.io';
import * as helmrelease from '../../imports/helmrelease-helm.toolkit.fluxcd.io';
import * as helmrepo from '../../imports/helmrepository-source.toolkit.fluxcd.io';
import * as kustomize from '../../imports/kustomization-kustomize.toolkit.fluxcd.io';
import { ClusterChart } from '../build/cluster-chart';
import { EstateConfig } from '../config/types';
import { SPIRE_CRDS_CHART } from '../config/versions';
import { standardLabels } from '../resolve/labels';
import { manifestFileName, sortedByCodePoint } from '../render/kustomization';
import { toYaml } from '../render/yaml';
import { CRD_ANNOTATIONS } from './cluster-application';
import { EngineRole } from './engines';
import { revisionOf } from './promotion';
import { datastoreNeeds } from './secret-delivery';

export interface FluxChartProps {
  readonly estate: EstateConfig;
  readonly cluster: ClusterChart;
  /** `active`, `orphaning` (handover to Argo CD, first step) or `released` (second step: an empty directory). */
  readonly role: Exclude<EngineRole, 'none'>;
}

export const FLUX_SOURCE = 'spire-gitops';
/** The ServiceAccount the tree's Kustomizations impersonate, and the one the CRD HelmRelease runs as. */
export const FLUX_APPLIER = 'spire-gitops-applier';
export const FLUX_HELM = 'spire-gitops-helm';
/** The names of the CRDs the spire-crds chart installs (templates/ of the chart). */
export const SPIRE_CRD_NAMES = [
  'clusterfederatedtrustdomains.spire.spiffe.io', 'clusterspiffeids.spire.spiffe.io',
  'clusterstaticentries.spire.spiffe.io', 'controllermanagerconfigs.spire.spiffe.io',
];

const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The API resource of a kind, as Kubernetes and the SPIRE CRDs name them (regular English plurals). */
export function resourceOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  if (lower.endsWith('s')) return `${lower}es`;
  return `${lower}s`;
}

/**
 * Least privilege for applying one tree: manage exactly the kinds it contains, plus every permission its
 * own ClusterRoles and Roles grant (Kubernetes lets a subject create a role or binding only with the
 * permissions in it, so no escalate or bind verb is needed).
 */
export function applierRules(objects: readonly any[]): k8s.PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const object of objects) {
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    if (!byGroup.has(group)) byGroup.set(group, new Set());
    byGroup.get(group)!.add(resourceOf(object.kind));
  }
  const manage = sortedByCodePoint([...byGroup.keys()]).map((group) => ({ apiGroups: [group], resources: sortedByCodePoint([...byGroup.get(group)!]), verbs: MANAGE }));
  const granted = objects.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role').flatMap((object) => object.rules ?? []);
  const seen = new Set<string>();
  return [...manage, ...granted].filter((rule) => {
    const key = JSON.stringify(rule);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `dist/flux/<env>/<cluster>/`: what one cluster's Flux applies, through the root Kustomization of
 * `dist/flux-bootstrap/<env>/<cluster>/`. A GitRepository for this repository (the environment's pinned
 * commit, or the branch), a Kustomization that installs the SPIRE CRDs through the spire-crds HelmRelease
 * in `crds/` and waits for it, the Kustomization of the cluster's tree without its DaemonSets, which
 * depends on it and health-checks the server, the Kustomization of the DaemonSets (agents, CSI driver;
 * `agents/`), which depends on that one, the ServiceAccounts they run as, and notification Alerts.
 *
 * Why two Kustomizations for one tree: SPIRE upgrades servers before agents. Flux applies a
 * Kustomization's objects together, so a commit that moves server and agents to a new version would
 * roll both at once. A Kustomization with dependsOn is reconciled only when its dependency is Ready and
 * has applied the very revision it is about to apply (kustomize-controller
 * internal/controller/kustomization_controller.go, checkDependencies: Ready condition, observed
 * generation, LastAppliedRevision against the source artifact), and `spire` becomes Ready only after its
 * health check found the server StatefulSet rolled out (checkHealth, kstatus: updated and ready replicas,
 * current revision = update revision). So the agents move only once the server runs the new version.
 */
export class FluxChart extends Chart {
  public readonly outputPath: string;
  public readonly crdsPath: string;
  /** The chart's objects live in their own directory so the `spire-crds` Kustomization can wait on them. */
  public readonly crds?: FluxCrdsChart;
  /** `agents/`: the cluster tree's DaemonSets, applied once the server is healthy; `agentFiles` lists them. */
  public readonly agentsPath: string;
  public readonly agents?: Chart;
  public readonly agentFiles: readonly string[] = [];

  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: standardLabels('spire-delivery', 'flux', props.cluster.context.cluster.name),
    });
    const { estate, cluster, role } = props;
    const env = cluster.context.environment;
    const namespace = estate.flux.namespace;
    this.outputPath = `flux/${cluster.outputPath}`;
    this.crdsPath = `${this.outputPath}/crds`;
    this.agentsPath = `${this.outputPath}/agents`;
    // Handover to Argo CD, second step: the directory stays, empty, so the root Kustomization prunes the
    // Kustomizations below; they orphan what they applied (deletionPolicy Orphan from the first step).
    if (role === 'released') return;

    const interval = estate.flux.interval;
    const sourceRef = { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SOURCE };
    const orphan = role === 'orphaning' ? { deletionPolicy: kustomize.KustomizationSpecDeletionPolicy.ORPHAN } : {};
    const revision = revisionOf(estate, env);

    new git.GitRepository(this, 'Source', {
      metadata: { name: FLUX_SOURCE, namespace },
      spec: {
        url: estate.repository.url,
        // A pinned environment deploys exactly the promoted commit.
        ref: env.gitops.pinRevision ? { commit: revision } : { branch: revision },
        interval,
      },
    });

    const treeObjects = cluster.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((object) => object.toJson());
    const sops = env.gitops.secretDelivery?.type === 'sops' ? env.gitops.secretDelivery : undefined;
    const needs = datastoreNeeds(cluster.context.server.settings.datastore);
    const sopsNames = [needs.secret?.name, needs.caConfigMap].filter((name): name is string => name !== undefined);
    this.applier(namespace, FLUX_APPLIER, [
      ...applierRules(treeObjects),
      // The SOPS manifests: only the password Secret and the CA ConfigMap (create cannot be limited to names).
      ...(sops && sopsNames.length > 0 ? [
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: MANAGE.filter((verb) => !['create', 'list', 'watch'].includes(verb)), resourceNames: sopsNames },
      ] : []),
    ]);
    this.applier(namespace, FLUX_HELM, [
      // create cannot be limited to names; everything else is limited to the chart's CRDs.
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: MANAGE.filter((verb) => verb !== 'create'), resourceNames: SPIRE_CRD_NAMES },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
    ], [{ apiGroups: [''], resources: ['secrets'], verbs: MANAGE }]);
    this.applier(namespace, 'spire-gitops-crds', [], [
      { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['helmrepositories'], verbs: MANAGE },
      { apiGroups: ['helm.toolkit.fluxcd.io'], resources: ['helmreleases'], verbs: MANAGE },
    ]);

    new kustomize.Kustomization(this, 'Crds', {
      metadata: { name: 'spire-crds', namespace },
      spec: {
        path: `./dist/${this.crdsPath}`,
        sourceRef,
        interval,
        prune: true,
        serviceAccountName: 'spire-gitops-crds',
        // Ready only once the HelmRelease installed the CRDs.
        wait: true,
        timeout: '5m',
      },
    });

    if (sops) {
      new kustomize.Kustomization(this, 'Secrets', {
        metadata: { name: 'spire-secrets', namespace },
        spec: {
          path: `./${sops.path}/${cluster.context.cluster.name}`,
          sourceRef,
          interval,
          // Credentials hold state: never pruned, never deleted with this Kustomization.
          prune: false,
          deletionPolicy: kustomize.KustomizationSpecDeletionPolicy.ORPHAN,
          serviceAccountName: FLUX_APPLIER,
          targetNamespace: cluster.context.server.namespace,
          decryption: { provider: kustomize.KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: sops.decryptionSecret } },
          timeout: '2m',
          // The namespace comes with the tree (spire), so the first attempts fail until it exists; the
          // server waits for the Secret meanwhile. A dependency either way would deadlock the first sync.
          retryInterval: '1m',
        },
      });
    }

    // The DaemonSets of the tree (agents, CSI driver): they follow the server, never roll with it.
    const daemonSets = treeObjects.filter((object) => object.kind === 'DaemonSet');
    const spireTree = {
      sourceRef,
      interval,
      prune: true,
      ...orphan,
      serviceAccountName: FLUX_APPLIER,
      timeout: '10m',
      // Until promoted, nothing in this environment reconciles (including drift correction).
      suspend: env.gitops.fluxSuspended,
    };
    new kustomize.Kustomization(this, 'Spire', {
      metadata: { name: 'spire', namespace },
      spec: {
        path: `./dist/${cluster.outputPath}`,
        ...spireTree,
        dependsOn: [{ name: 'spire-crds' }],
        // One patch per object: kustomize removes what a `$patch: delete` patch names from the build.
        patches: daemonSets.map((daemonSet) => ({
          target: { kind: 'DaemonSet', name: daemonSet.metadata.name, namespace: daemonSet.metadata.namespace },
          patch: toYaml({ $patch: 'delete', apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: daemonSet.metadata.name, namespace: daemonSet.metadata.namespace } }),
        })),
        healthChecks: [
          { apiVersion: 'apps/v1', kind: cluster.context.server.workload.kind, name: cluster.context.server.name, namespace: cluster.context.server.namespace },
        ],
      },
    });
    // A nested root's management cluster runs no DaemonSet: nothing follows its server.
    const hasAgents = daemonSets.length > 0;
    if (hasAgents) new kustomize.Kustomization(this, 'Agents', {
      metadata: { name: 'spire-agents', namespace },
      spec: {
        path: `./dist/${this.agentsPath}`,
        ...spireTree,
        dependsOn: [{ name: 'spire' }],
        // Ready once every DaemonSet it applied rolled out.
        wait: true,
      },
    });
    this.agentFiles = sortedByCodePoint(daemonSets.map((daemonSet) => posix.relative(this.agentsPath, `${cluster.outputPath}/${manifestFileName(daemonSet, true)}`)));
    if (hasAgents) this.agents = new Chart(scope, `${id}-agents`, { disableResourceNameHashes: true });

    const notifications = estate.flux.notifications;
    if (notifications) {
      new ApiObject(this, 'Provider', {
        apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
        kind: 'Provider',
        metadata: { name: 'spire-alerts', namespace },
        spec: { type: notifications.type, channel: notifications.channel, secretRef: { name: notifications.secretName } },
      });
      new ApiObject(this, 'Alert', {
        apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
        kind: 'Alert',
        metadata: { name: 'spire', namespace },
        spec: {
          providerRef: { name: 'spire-alerts' },
          eventSeverity: 'error',
          eventSources: [
            { kind: 'GitRepository', name: FLUX_SOURCE },
            { kind: 'Kustomization', name: 'spire-crds' },
            ...(sops ? [{ kind: 'Kustomization', name: 'spire-secrets' }] : []),
            { kind: 'Kustomization', name: 'spire' },
            ...(hasAgents ? [{ kind: 'Kustomization', name: 'spire-agents' }] : []),
            { kind: 'HelmRepository', name: 'spiffe' },
            { kind: 'HelmRelease', name: SPIRE_CRDS_CHART.chart },
          ],
          summary: `SPIRE delivery ${env.name}/${cluster.context.cluster.name}`,
        },
      });
    }

    this.crds = new FluxCrdsChart(scope, `${id}-crds`, { namespace, interval, instance: cluster.context.cluster.name });
  }

  /** A ServiceAccount with a ClusterRole (cluster-wide rules) and a Role in the Flux namespace. */
  private applier(namespace: string, name: string, clusterRules: k8s.PolicyRule[], namespaceRules: k8s.PolicyRule[] = []): void {
    new k8s.KubeServiceAccount(this, `${name}-sa`, { metadata: { name, namespace } });
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];
    if (clusterRules.length > 0) {
      new k8s.KubeClusterRole(this, `${name}-cr`, { metadata: { name }, rules: clusterRules });
      new k8s.KubeClusterRoleBinding(this, `${name}-crb`, { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects });
    }
    if (namespaceRules.length > 0) {
      new k8s.KubeRole(this, `${name}-r`, { metadata: { name, namespace }, rules: namespaceRules });
      new k8s.KubeRoleBinding(this, `${name}-rb`, { metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects });
    }
  }
}

/** `dist/flux/<env>/<cluster>/crds/`: the upstream spire-crds chart, matching controller manager 0.7.0. */
export class FluxCrdsChart extends Chart {
  constructor(scope: Construct, id: string, props: { readonly namespace: string; readonly interval: string; readonly instance: string }) {
    super(scope, id, { disableResourceNameHashes: true, labels: standardLabels('spire-crds', 'flux', props.instance) });
    new helmrepo.HelmRepository(this, 'Repository', {
      metadata: { name: 'spiffe', namespace: props.namespace },
      spec: { url: SPIRE_CRDS_CHART.repoURL, interval: '1h' },
    });
    new helmrelease.HelmRelease(this, 'Release', {
      metadata: { name: SPIRE_CRDS_CHART.chart, namespace: props.namespace },
      spec: {
        interval: props.interval,
        releaseName: SPIRE_CRDS_CHART.chart,
        serviceAccountName: FLUX_HELM,
        chart: {
          spec: {
            chart: SPIRE_CRDS_CHART.chart,
            version: SPIRE_CRDS_CHART.version,
            sourceRef: { kind: helmrelease.HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: 'spiffe' },
          },
        },
        // The chart ships its CRDs under templates/, not crds/: Helm installs, upgrades and uninstalls them
        // as ordinary release objects, so install.crds/upgrade.crds (which govern crds/) would do nothing.
        // The annotations keep them on uninstall (helm.sh/resource-policy) and under Argo CD after a handover.
        values: { annotations: { ...CRD_ANNOTATIONS } },
      },
    });
  }
}

/**
 * `dist/flux-bootstrap/<env>/<cluster>/`: the one Kustomization that points a cluster's Flux at its
 * `dist/flux/<env>/<cluster>/`. Bootstrap Flux at a path outside dist/ (clusters/<env>/<cluster>, which
 * the synth never touches) and commit this object there, or apply it once. It runs as the controller
 * itself: it creates the ServiceAccounts and RBAC the other Kustomizations impersonate.
 */
export class FluxBootstrapChart extends Chart {
  public readonly outputPath: string;

  constructor(scope: Construct, id: string, props: { readonly estate: EstateConfig; readonly cluster: ClusterChart }) {
    super(scope, id, { disableResourceNameHashes: true, labels: standardLabels('spire-delivery', 'flux-bootstrap', props.cluster.context.cluster.name) });
    const { estate, cluster } = props;
    this.outputPath = `flux-bootstrap/${cluster.outputPath}`;
    new kustomize.Kustomization(this, 'Root', {
      metadata: { name: 'spire-root', namespace: estate.flux.namespace },
      spec: {
        path: `./dist/flux/${cluster.outputPath}`,
        // The GitRepository `flux bootstrap` creates, tracking the branch.
        sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'flux-system' },
        interval: estate.flux.interval,
        // Removing a Kustomization from dist/flux removes it from the cluster (a handover relies on this).
        prune: true,
        timeout: '5m',
      },
    });
  }
}
