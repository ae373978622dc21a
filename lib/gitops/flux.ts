import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as git from '../../imports/gitrepository-source.toolkit.fluxcd.io';
import * as helmrelease from '../../imports/helmrelease-helm.toolkit.fluxcd.io';
import * as helmrepo from '../../imports/helmrepository-source.toolkit.fluxcd.io';
import * as kustomize from '../../imports/kustomization-kustomize.toolkit.fluxcd.io';
import { ClusterChart } from '../cluster-chart';
import { EstateConfig } from '../config/types';
import { SPIRE_CRDS_CHART } from '../config/versions';
import { standardLabels } from '../context';

export interface FluxChartProps {
  readonly estate: EstateConfig;
  readonly cluster: ClusterChart;
}

export const FLUX_SOURCE = 'spire-gitops';

/**
 * `dist/flux/<env>/<cluster>/`: what one cluster's Flux applies (point `flux bootstrap --path` here).
 * A GitRepository for this repository, a Kustomization that installs the SPIRE CRDs through the
 * spire-crds HelmRelease in `crds/` and waits for it, and the Kustomization of the cluster's tree, which
 * depends on it and health-checks the server and the agents.
 */
export class FluxChart extends Chart {
  public readonly outputPath: string;
  public readonly crdsPath: string;
  /** The chart's objects live in their own directory so the `spire-crds` Kustomization can wait on them. */
  public readonly crds: FluxCrdsChart;

  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: standardLabels('spire-delivery', 'flux', props.cluster.context.cluster.name),
    });
    const { estate, cluster } = props;
    const env = cluster.context.environment;
    const namespace = estate.flux.namespace;
    this.outputPath = `flux/${cluster.outputPath}`;
    this.crdsPath = `${this.outputPath}/crds`;
    const interval = estate.flux.interval;
    const sourceRef = { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SOURCE };

    new git.GitRepository(this, 'Source', {
      metadata: { name: FLUX_SOURCE, namespace },
      spec: { url: estate.repository.url, ref: { branch: estate.repository.targetRevision }, interval },
    });

    new kustomize.Kustomization(this, 'Crds', {
      metadata: { name: 'spire-crds', namespace },
      spec: {
        path: `./dist/${this.crdsPath}`,
        sourceRef,
        interval,
        prune: true,
        // Ready only once the HelmRelease installed the CRDs.
        wait: true,
        timeout: '5m',
      },
    });

    new kustomize.Kustomization(this, 'Spire', {
      metadata: { name: 'spire', namespace },
      spec: {
        path: `./dist/${cluster.outputPath}`,
        sourceRef,
        interval,
        prune: true,
        timeout: '10m',
        // Until promoted, nothing in this environment reconciles (including drift correction).
        suspend: env.gitops.fluxSuspended,
        dependsOn: [{ name: 'spire-crds' }],
        healthChecks: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: cluster.server.name, namespace: cluster.server.namespace },
          { apiVersion: 'apps/v1', kind: 'DaemonSet', name: cluster.agent.name, namespace: cluster.agent.namespace },
        ],
      },
    });

    this.crds = new FluxCrdsChart(scope, `${id}-crds`, { namespace, interval, instance: cluster.context.cluster.name });
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
        chart: {
          spec: {
            chart: SPIRE_CRDS_CHART.chart,
            version: SPIRE_CRDS_CHART.version,
            sourceRef: { kind: helmrelease.HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: 'spiffe' },
          },
        },
        // CRDs are the whole point of this chart: create them, and replace them on upgrade.
        install: { crds: helmrelease.HelmReleaseSpecInstallCrds.CREATE_REPLACE },
        upgrade: { crds: helmrelease.HelmReleaseSpecUpgradeCrds.CREATE_REPLACE },
      },
    });
  }
}
