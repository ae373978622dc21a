import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterChart } from '../build/cluster-chart';
import { EnvironmentConfig, EstateConfig } from '../config/types';
import { CASCADE_FINALIZER, SYNC_RETRY } from './argocd-application';
import {
  CLUSTER_LABEL, CLUSTER_SYNC_OPTIONS, ENVIRONMENT_LABEL, REGION_LABEL, clusterSources, webhookIgnoreDifferences,
} from './cluster-application';

export interface SpireApplicationSetProps {
  readonly estate: EstateConfig;
  readonly environment: EnvironmentConfig;
  /** The environment's cluster trees; the regions are read from their configuration. */
  readonly clusters: readonly ClusterChart[];
  /** Generated Applications carry the resources finalizer (the ApplicationSet itself never cascades). */
  readonly cascadeDelete: boolean;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A cluster Secret label's value as a Go template pipeline (for use inside an action). */
function labelValue(label: string): string {
  return `index .metadata.labels "${label}"`;
}

/** A cluster Secret label, read in a Go template of the ApplicationSet. */
function clusterLabel(label: string): string {
  return `{{ ${labelValue(label)} }}`;
}

/**
 * One ApplicationSet per environment (argoproj.io/v1alpha1): a cluster generator selects the Argo CD
 * cluster Secrets labelled `spire-gitops/environment=<env>` (and `spire-gitops/cluster`,
 * `spire-gitops/region`), and RollingSync syncs the generated Applications region by region, in the order
 * the estate lists the clusters; each step waits for the previous one to be Healthy. RollingSync turns
 * automated sync off in the generated Applications and triggers their syncs itself, as manual syncs,
 * inside the project's sync windows (argo-cd docs/operator-manual/applicationset/Progressive-Syncs.md).
 */
export class SpireApplicationSet extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SpireApplicationSetProps) {
    super(scope, id);
    const { estate, environment: env, clusters } = props;
    this.name = `spire-${env.name}`;
    // A nested root's management cluster runs the root server only (its own namespace and webhook); it is the
    // first step of the rollout, and the workload clusters follow region by region once it is Healthy.
    const management = clusters.find((candidate) => candidate.context.managementRoot !== undefined);
    const workloadClusters = clusters.filter((candidate) => candidate !== management);
    const namespaces = [...new Set(workloadClusters.map((candidate) => candidate.context.server.namespace))];
    const webhooks = [...new Set(workloadClusters.map((candidate) => candidate.context.controllerManager.webhookConfigurationName))];
    if (namespaces.length !== 1 || webhooks.length !== 1) {
      throw new Error(`environment ${env.name}: an ApplicationSet needs one server namespace and webhook name across clusters, got ${namespaces.join(', ')} / ${webhooks.join(', ')}`);
    }
    const regions = [...new Set(workloadClusters.map((candidate) => candidate.context.cluster.region))];
    const cluster = clusterLabel(CLUSTER_LABEL);
    /** `ofWorkload` in the workload clusters' Applications, `ofRoot` in the management cluster's. */
    const perCluster = (ofWorkload: string, ofRoot: string | undefined) => (management === undefined || ofRoot === undefined ? ofWorkload
      : `{{ if eq (${labelValue(CLUSTER_LABEL)}) "${management.context.cluster.name}" }}${ofRoot}{{ else }}${ofWorkload}{{ end }}`);
    const notRoot = management === undefined ? [] : [{ key: CLUSTER_LABEL, operator: 'NotIn', values: [management.context.cluster.name] }];
    const [crds, tree] = clusterSources(estate, env, `dist/${env.name}/${cluster}`);
    const toSource = (source: any) => 'chart' in source
      ? { repoURL: source.repoURL, chart: source.chart, targetRevision: source.targetRevision, helm: { valuesObject: source.values } }
      : { repoURL: source.repoURL, path: source.path, targetRevision: source.targetRevision };
    new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: this.name, namespace: estate.argocd.namespace },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{
          clusters: {
            selector: {
              matchLabels: { [ENVIRONMENT_LABEL]: env.name },
              // Only the clusters the estate describes: a tree exists for exactly these.
              matchExpressions: [{ key: CLUSTER_LABEL, operator: 'In', values: clusters.map((candidate) => candidate.context.cluster.name) }],
            },
          },
        }],
        strategy: {
          type: 'RollingSync',
          rollingSync: {
            steps: [
              ...(management === undefined ? [] : [{ matchExpressions: [{ key: CLUSTER_LABEL, operator: 'In', values: [management.context.cluster.name] }] }]),
              ...regions.map((region) => ({ matchExpressions: [{ key: REGION_LABEL, operator: 'In', values: [region] }, ...notRoot] })),
            ],
          },
        },
        // Deleting the ApplicationSet leaves the deployed objects in place.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: {
            name: `spire-${env.name}-${cluster}`,
            labels: { [ENVIRONMENT_LABEL]: env.name, [CLUSTER_LABEL]: cluster, [REGION_LABEL]: clusterLabel(REGION_LABEL) },
            annotations: { ...props.annotations },
            finalizers: props.cascadeDelete ? [CASCADE_FINALIZER] : undefined,
          },
          spec: {
            project: estate.argocd.project,
            sources: [toSource(crds), toSource(tree)],
            destination: { server: '{{ .server }}', namespace: perCluster(namespaces[0], management?.context.server.namespace) },
            revisionHistoryLimit: 10,
            ignoreDifferences: webhookIgnoreDifferences(perCluster(webhooks[0], management?.context.controllerManager.webhookConfigurationName)),
            syncPolicy: {
              // RollingSync drives the syncs; an automated block would be overridden (and logged) by it.
              syncOptions: [...CLUSTER_SYNC_OPTIONS],
              retry: { ...SYNC_RETRY, backoff: { ...SYNC_RETRY.backoff } },
            },
          },
        },
      },
    });
  }
}
