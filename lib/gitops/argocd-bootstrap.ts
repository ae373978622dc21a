import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterChart } from '../build/cluster-chart';
import { standardLabels } from '../resolve/labels';
import { EstateConfig } from '../config/types';
import { SPIRE_CRDS_CHART } from '../config/versions';
import { sortedByCodePoint } from '../render/kustomization';
import { ArgoCdAlerts } from '../monitoring/argocd-alerts';
import { AppProject, GroupKind, projectPolicy } from './app-project';
import { ApplicationSyncPolicy, ArgoCdApplication } from './argocd-application';
import { SpireApplicationSet } from './application-set';
import {
  CLUSTER_LABEL, CLUSTER_SYNC_OPTIONS, ENVIRONMENT_LABEL, REGION_LABEL, applicationName, clusterSources, notificationAnnotations,
  webhookIgnoreDifferences,
} from './cluster-application';
import { engineRole } from './engines';
import { effectiveWindows } from './sync-windows';

export const IN_CLUSTER = 'https://kubernetes.default.svc';

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function uniqueGroupKinds(kinds: Iterable<GroupKind>): GroupKind[] {
  const byKey = new Map<string, GroupKind>();
  for (const groupKind of kinds) byKey.set(`${groupKind.group}/${groupKind.kind}`, groupKind);
  return sortedByCodePoint([...byKey.keys()]).map((key) => byKey.get(key)!);
}

export interface ArgoCdChartProps {
  readonly estate: EstateConfig;
  /** The cluster trees Argo CD deploys or lets go of; whitelists and destinations are computed from their objects. */
  readonly clusters: readonly ClusterChart[];
}

/**
 * `dist/argocd/`: the AppProject (applied first), and per cluster one Application that installs the SPIRE
 * CRDs (upstream spire-crds chart) and the cluster's tree in one sync, or per environment one
 * ApplicationSet generating them. The root Application that syncs this directory lives in
 * {@link ArgoCdRootChart}.
 */
export class ArgoCdChart extends Chart {
  public readonly applications: ArgoCdApplication[] = [];
  public readonly applicationSets: SpireApplicationSet[] = [];

  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: standardLabels('spire-delivery', 'argocd', props.estate.argocd.project),
    });
    const { estate, clusters } = props;
    const argocd = estate.argocd;
    const objects = clusters.flatMap((cluster) => cluster.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject));
    const clusterScoped = objects.filter((object) => object.metadata.namespace === undefined);
    const namespaced = objects.filter((object) => object.metadata.namespace !== undefined);
    const toGroupKind = (object: ApiObject) => ({ group: groupOf(object.apiVersion), kind: object.kind });

    const destinations = clusters.flatMap((cluster) => {
      const namespaces = new Set(cluster.node.findAll()
        .filter((c): c is ApiObject => c instanceof ApiObject)
        .map((object) => object.metadata.namespace)
        .filter((namespace): namespace is string => namespace !== undefined));
      return sortedByCodePoint([...namespaces]).map((namespace) => ({ server: cluster.context.cluster.apiServer, namespace }));
    });

    // One per environment, by name: in a federated topology each cluster sees its own view of it (clusterEnvironment).
    const environments = [...new Map(clusters.map((cluster) => [cluster.context.environment.name, cluster.context.environment])).values()];
    const syncable = environments.filter((env) => env.gitops.operatorsMaySync);
    const project = argocd.project;
    new AppProject(this, 'Project', {
      name: project,
      namespace: argocd.namespace,
      description: 'SPIRE workload identity, synthesized by spire-gitops',
      sourceRepos: [estate.repository.url, SPIRE_CRDS_CHART.repoURL],
      destinations,
      // The CRDs come from the spire-crds chart; everything else is what the trees actually contain.
      clusterResources: uniqueGroupKinds([{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }, ...clusterScoped.map(toGroupKind)]),
      namespaceResources: uniqueGroupKinds(namespaced.map(toGroupKind)),
      roles: [
        { name: 'admin', description: 'Full control of SPIRE applications', groups: argocd.roles.admin, policies: [projectPolicy(project, 'admin', '*', '*')] },
        {
          name: 'operator',
          description: 'On call: view everything, read logs, run resource actions (restart); sync environments that allow operators to',
          groups: argocd.roles.operator,
          policies: [
            projectPolicy(project, 'operator', 'get', '*'),
            projectPolicy(project, 'operator', 'action/*', '*'),
            ...syncable.map((env) => projectPolicy(project, 'operator', 'sync', `spire-${env.name}-*`)),
          ],
        },
        { name: 'viewer', description: 'Read-only', groups: argocd.roles.viewer, policies: [projectPolicy(project, 'viewer', 'get', '*')] },
      ],
      syncWindows: environments.flatMap((env) => effectiveWindows(env).map((window) => ({ ...window, applications: [`spire-${env.name}-*`] }))),
      // The project must exist before the Applications that name it, or their first sync fails.
      syncWave: -1,
      warnOnOrphans: true,
    });

    if (environments.some((env) => env.monitoring.enabled)) {
      new ArgoCdAlerts(this, 'Alerts', {
        namespace: argocd.namespace,
        project,
        labels: Object.assign({}, ...environments.filter((env) => env.monitoring.enabled).map((env) => env.monitoring.prometheusSelector)),
      });
    }

    for (const env of environments) {
      const envClusters = clusters.filter((cluster) => cluster.context.environment.name === env.name);
      const role = engineRole(env, 'argocd');
      if ((env.gitops.argoDelivery ?? 'applications') === 'applicationset') {
        this.applicationSets.push(new SpireApplicationSet(this, `Set-${env.name}`, {
          estate, environment: env, clusters: envClusters, cascadeDelete: role === 'active', annotations: notificationAnnotations(estate),
        }));
        continue;
      }
      const sync: ApplicationSyncPolicy = role === 'orphaning' ? { mode: 'manual' } : env.gitops.argoSync;
      // A nested root in a management cluster is synced a wave before the clusters whose servers it signs. Argo CD
      // waits between waves of Applications only where argocd-cm restores their health check
      // (resource.customizations.health.argoproj.io_Application); without it the downstream servers retry until the root answers.
      const managementRoot = envClusters.some((cluster) => cluster.context.managementRoot !== undefined);
      for (const cluster of envClusters) {
        this.applications.push(new ArgoCdApplication(this, `Spire-${cluster.node.id}`, {
          name: applicationName(cluster),
          namespace: argocd.namespace,
          project,
          syncWave: managementRoot && cluster.context.managementRoot === undefined ? 1 : undefined,
          destination: { server: cluster.context.cluster.apiServer, namespace: cluster.context.server.namespace },
          // While orphaning (handover to Flux) nothing syncs, and deleting the Application deletes nothing.
          sync,
          cascadeDelete: role === 'active',
          annotations: notificationAnnotations(estate),
          labels: { [ENVIRONMENT_LABEL]: env.name, [CLUSTER_LABEL]: cluster.context.cluster.name, [REGION_LABEL]: cluster.context.cluster.region },
          sources: clusterSources(estate, env, `dist/${cluster.outputPath}`),
          syncOptions: CLUSTER_SYNC_OPTIONS,
          ignoreDifferences: webhookIgnoreDifferences(cluster.context.controllerManager.webhookConfigurationName),
        }));
      }
    }
  }
}

/** `dist/argocd-bootstrap/`: the one thing applied by hand, the root app-of-apps over `dist/argocd/`. */
export class ArgoCdRootChart extends Chart {
  public readonly root: ArgoCdApplication;

  constructor(scope: Construct, id: string, props: { readonly estate: EstateConfig; readonly children: ArgoCdChart }) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: standardLabels('spire-delivery', 'argocd-bootstrap', props.estate.argocd.project),
    });
    const { estate, children } = props;
    const childKinds = children.node.findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject)
      .map((object) => ({ group: groupOf(object.apiVersion), kind: object.kind }));
    const argocd = estate.argocd;
    const project = `${argocd.project}-bootstrap`;
    new AppProject(this, 'Project', {
      name: project,
      namespace: argocd.namespace,
      description: 'The SPIRE app-of-apps: may only manage what dist/argocd holds, in the Argo CD namespace',
      sourceRepos: [estate.repository.url],
      destinations: [{ server: IN_CLUSTER, namespace: argocd.namespace }],
      clusterResources: [],
      namespaceResources: uniqueGroupKinds(childKinds),
      syncWave: -1,
    });
    this.root = new ArgoCdApplication(this, 'Root', {
      name: `${argocd.project}-root`,
      namespace: argocd.namespace,
      project,
      sources: [{ repoURL: estate.repository.url, targetRevision: estate.repository.targetRevision, path: 'dist/argocd' }],
      destination: { server: IN_CLUSTER, namespace: argocd.namespace },
      // Prunes: an Application removed from dist/argocd stops syncing. The root has no resources finalizer,
      // so deleting it orphans the children instead of cascading through the estate; children that still
      // deploy carry the finalizer, but what holds state is annotated Delete=false and survives it.
      sync: { mode: 'automated', prune: true, selfHeal: true },
      syncOptions: [],
      cascadeDelete: false,
      annotations: notificationAnnotations(estate),
    });
  }
}
