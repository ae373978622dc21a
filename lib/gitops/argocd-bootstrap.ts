import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterChart } from '../cluster-chart';
import { standardLabels } from '../context';
import { EstateConfig } from '../config/types';
import { SPIRE_CRDS_CHART } from '../config/versions';
import { sortedByCodePoint } from '../render/kustomization';
import { ArgoCdAlerts } from '../monitoring/argocd-alerts';
import { AppProject, GroupKind, projectPolicy } from './app-project';
import { ArgoCdApplication } from './argocd-application';

export const IN_CLUSTER = 'https://kubernetes.default.svc';

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function uniqueGroupKinds(kinds: Iterable<GroupKind>): GroupKind[] {
  const byKey = new Map<string, GroupKind>();
  for (const groupKind of kinds) byKey.set(`${groupKind.group}/${groupKind.kind}`, groupKind);
  return sortedByCodePoint([...byKey.keys()]).map((key) => byKey.get(key)!);
}

export function applicationName(cluster: ClusterChart): string {
  return `spire-${cluster.context.environment.name}-${cluster.context.cluster.name}`;
}
export function crdApplicationName(cluster: ClusterChart): string {
  return `spire-crds-${cluster.context.environment.name}-${cluster.context.cluster.name}`;
}

export interface ArgoCdChartProps {
  readonly estate: EstateConfig;
  /** The cluster trees Argo CD deploys; whitelists and destinations are computed from their objects. */
  readonly clusters: readonly ClusterChart[];
}

/**
 * `dist/argocd/`: the AppProject, and per cluster an Application for the SPIRE CRDs (upstream spire-crds
 * chart, earlier wave) and one for the cluster's tree. The root Application that syncs this directory
 * lives in {@link ArgoCdRootChart}.
 */
export class ArgoCdChart extends Chart {
  public readonly applications: ArgoCdApplication[] = [];

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

    const environments = [...new Set(clusters.map((cluster) => cluster.context.environment))];
    const syncable = environments.filter((env) => env.gitops.operatorsMaySync);
    new AppProject(this, 'Project', {
      name: argocd.project,
      namespace: argocd.namespace,
      description: 'SPIRE workload identity, synthesized by spire-gitops',
      sourceRepos: [estate.repository.url, SPIRE_CRDS_CHART.repoURL],
      destinations,
      // The CRDs come from the spire-crds chart; everything else is what the trees actually contain.
      clusterResources: uniqueGroupKinds([{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }, ...clusterScoped.map(toGroupKind)]),
      namespaceResources: uniqueGroupKinds(namespaced.map(toGroupKind)),
      roles: [
        { name: 'admin', description: 'Full control of SPIRE applications', groups: argocd.roles.admin, policies: [projectPolicy(argocd.project, 'admin', '*', '*')] },
        {
          name: 'operator',
          description: 'View everything; sync environments that allow operators to',
          groups: argocd.roles.operator,
          policies: [
            projectPolicy(argocd.project, 'operator', 'get', '*'),
            ...syncable.flatMap((env) => [
              projectPolicy(argocd.project, 'operator', 'sync', `spire-${env.name}-*`),
              projectPolicy(argocd.project, 'operator', 'sync', `spire-crds-${env.name}-*`),
            ]),
          ],
        },
        { name: 'viewer', description: 'Read-only', groups: argocd.roles.viewer, policies: [projectPolicy(argocd.project, 'viewer', 'get', '*')] },
      ],
      syncWindows: environments.flatMap((env) => env.gitops.syncWindows.map((window) => ({
        ...window, applications: [`spire-${env.name}-*`, `spire-crds-${env.name}-*`],
      }))),
    });

    if (environments.some((env) => env.monitoring.enabled)) {
      new ArgoCdAlerts(this, 'Alerts', {
        namespace: argocd.namespace,
        project: argocd.project,
        labels: Object.assign({}, ...environments.filter((env) => env.monitoring.enabled).map((env) => env.monitoring.prometheusSelector)),
      });
    }

    for (const cluster of clusters) {
      const env = cluster.context.environment;
      const destination = { server: cluster.context.cluster.apiServer, namespace: cluster.server.namespace };
      const common = {
        namespace: argocd.namespace,
        project: argocd.project,
        destination,
        sync: env.gitops.argoSync,
        annotations: argocd.notifications,
        labels: { 'spire-gitops/environment': env.name, 'spire-gitops/cluster': cluster.context.cluster.name },
      };
      this.applications.push(new ArgoCdApplication(this, `Crds-${cluster.node.id}`, {
        ...common,
        name: crdApplicationName(cluster),
        source: { repoURL: SPIRE_CRDS_CHART.repoURL, chart: SPIRE_CRDS_CHART.chart, targetRevision: SPIRE_CRDS_CHART.version },
        // The CRDs must exist before the controller manager starts and before any ClusterSPIFFEID.
        syncWave: -1,
        syncOptions: ['ServerSideApply=true'],
      }));
      const webhook = cluster.server.controllerManager.webhookConfigurationName;
      this.applications.push(new ArgoCdApplication(this, `Spire-${cluster.node.id}`, {
        ...common,
        name: applicationName(cluster),
        source: { repoURL: estate.repository.url, targetRevision: estate.repository.targetRevision, path: `dist/${cluster.outputPath}` },
        syncWave: 0,
        // CreateNamespace lets the PreSync hooks run on a new cluster, before the Namespace object is applied.
        syncOptions: ['CreateNamespace=true', 'PruneLast=true', 'RespectIgnoreDifferences=true'],
        ignoreDifferences: [{
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
          name: webhook,
          // The controller manager patches caBundle at runtime; without this the app is never in sync.
          jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
        }],
      }));
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
    });
    this.root = new ArgoCdApplication(this, 'Root', {
      name: `${argocd.project}-root`,
      namespace: argocd.namespace,
      project,
      source: { repoURL: estate.repository.url, targetRevision: estate.repository.targetRevision, path: 'dist/argocd' },
      destination: { server: IN_CLUSTER, namespace: argocd.namespace },
      // Never prune child Applications automatically: removing one from Git should be a deliberate sync.
      sync: { mode: 'automated', prune: false, selfHeal: true },
      syncOptions: [],
      syncWave: 0,
      annotations: argocd.notifications,
    });
  }
}
