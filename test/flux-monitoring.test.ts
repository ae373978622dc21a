import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import { Alert } from '@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Alert';
import { Provider } from '@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Provider';
import { parser } from '@prometheus-io/lezer-promql';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { argoCdAlerts } from '../lib/monitoring/argocd-alerts';
import { defaultFiles, estateWith, find, manifests } from './helpers/estate';
import { renderEstate } from '../lib/synth';

const files = defaultFiles();
const all = manifests(files);

/** Parses PromQL with the Prometheus project's own grammar; returns the error positions, if any. */
function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError) errors.push(node.from); } });
  return errors;
}

describe('Flux', () => {
  const fluxEnvironments = DEFAULT_ESTATE.environments.filter((env) => env.gitops.engines.includes('flux'));

  test('development is on Flux in the default estate, and only there', () => {
    expect(fluxEnvironments.map((env) => env.name)).toEqual(['development']);
    expect([...files.keys()].filter((path) => path.startsWith('flux/')).every((path) => path.startsWith('flux/development/'))).toBe(true);
  });

  // @kubernetes-models/flux-cd 2.x (the last line for Node 20) models GitRepository v1, Kustomization v1
  // and the notification v1beta3 kinds; HelmRepository v1 and HelmRelease v2 are checked against their
  // pinned CRDs in output.test.ts.
  test('objects use only the current APIs and validate with @kubernetes-models/flux-cd where it has the kind', () => {
    const models: Record<string, new (data: any) => { validate(): void }> = { GitRepository, Kustomization, Alert, Provider };
    const flux = all.filter(({ path }) => path.startsWith('flux'));
    expect(flux.filter(({ object }) => object.apiVersion.includes('fluxcd.io')).map(({ object }) => `${object.apiVersion} ${object.kind}`).sort()).toEqual([
      'helm.toolkit.fluxcd.io/v2 HelmRelease',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'notification.toolkit.fluxcd.io/v1beta3 Alert',
      'notification.toolkit.fluxcd.io/v1beta3 Provider',
      'source.toolkit.fluxcd.io/v1 GitRepository',
      'source.toolkit.fluxcd.io/v1 HelmRepository',
    ]);
    for (const { object } of flux.filter(({ object }) => models[object.kind])) {
      expect(() => new models[object.kind](object).validate()).not.toThrow();
    }
  });

  test('the cluster Kustomizations prune, wait for the CRDs, and health-check the server, then the agents', () => {
    const spire = find(files, 'flux/development/dev-euw1/kustomization-spire.yaml');
    expect(spire.spec).toMatchObject({ path: './dist/development/dev-euw1', prune: true, timeout: '10m', dependsOn: [{ name: 'spire-crds' }], suspend: false });
    expect(spire.spec.healthChecks).toEqual([
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'spire-server', namespace: 'spire-server' },
    ]);
    // The DaemonSets follow in their own Kustomization (test/upgrade-order.test.ts).
    const agents = find(files, 'flux/development/dev-euw1/kustomization-spire-agents.yaml');
    expect(agents.spec).toMatchObject({ path: './dist/flux/development/dev-euw1/agents', prune: true, timeout: '10m', dependsOn: [{ name: 'spire' }], wait: true, suspend: false });
    const crds = find(files, 'flux/development/dev-euw1/kustomization-spire-crds.yaml');
    expect(crds.spec).toMatchObject({ path: './dist/flux/development/dev-euw1/crds', prune: true, wait: true });
    const release = find(files, 'flux/development/dev-euw1/crds/helmrelease-spire-crds.yaml');
    expect(release.spec.chart.spec).toEqual({ chart: 'spire-crds', version: '0.6.0', sourceRef: { kind: 'HelmRepository', name: 'spiffe' } });
  });

  test('every Flux Kustomization path exists in dist/ with a kustomization', () => {
    for (const { object } of all.filter(({ object }) => object.kind === 'Kustomization')) {
      expect(files.has(`${object.spec.path.slice('./dist/'.length)}/kustomization.yaml`)).toBe(true);
    }
  });

  test('snapshot of the cluster Kustomization', () => {
    expect(files.get('flux/development/dev-euw1/kustomization-spire.yaml')).toMatchSnapshot();
  });

  test('an environment that is suspended until promoted renders suspend: true', () => {
    const production = renderEstate(estateWith('production', (env) => ({ ...env, gitops: { ...env.gitops, engines: ['flux'] } })));
    expect(find(production, 'flux/production/prod-euw1/kustomization-spire.yaml').spec.suspend).toBe(true);
  });
});

describe('monitoring', () => {
  test('monitors scrape the ports the server, the controller manager and the agent expose', () => {
    for (const dir of ['staging/stg-euw1', 'production/prod-euw1']) {
      const server = find(files, `${dir}/spire-server/podmonitor-spire-server.yaml`);
      const agent = find(files, `${dir}/spire-system/podmonitor-spire-agent.yaml`);
      const statefulSet = find(files, `${dir}/spire-server/statefulset-spire-server.yaml`);
      const daemonSet = find(files, `${dir}/spire-system/daemonset-spire-agent.yaml`);
      const ports = (workload: any) => workload.spec.template.spec.containers.flatMap((container: any) => container.ports.map((port: any) => port.name));
      for (const endpoint of server.spec.podMetricsEndpoints) expect(ports(statefulSet)).toContain(endpoint.port);
      for (const endpoint of agent.spec.podMetricsEndpoints) expect(ports(daemonSet)).toContain(endpoint.port);
      expect(server.spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);
      expect(agent.spec.selector.matchLabels).toEqual(daemonSet.spec.selector.matchLabels);
      // The ports the monitors name are the ones the config files make SPIRE listen on.
      const serverConf = find(files, `${dir}/spire-server/configmap-spire-server.yaml`).data['server.conf'];
      const metricsPort = statefulSet.spec.template.spec.containers[0].ports.find((port: any) => port.name === 'metrics').containerPort;
      expect(serverConf).toContain(`port = ${metricsPort}`);
      const managerConf = find(files, `${dir}/spire-server/configmap-spire-controller-manager.yaml`).data['controller-manager-config.yaml'];
      const managerPort = statefulSet.spec.template.spec.containers[1].ports.find((port: any) => port.name === 'cm-metrics').containerPort;
      expect(managerConf).toContain(`bindAddress: 0.0.0.0:${managerPort}`);
    }
  });

  test('development, which does not enable monitoring, renders none', () => {
    expect([...files.keys()].filter((path) => path.startsWith('development/') && /podmonitor|prometheusrule|dashboard/.test(path))).toEqual([]);
  });

  /** Every PromQL expression in the output: each rule of each PrometheusRule, each target of each dashboard panel. */
  const expressions: [string, string][] = all.flatMap(({ path, object }): [string, string][] => {
    if (object.kind === 'PrometheusRule') {
      return object.spec.groups.flatMap((group: any) => group.rules.map((rule: any): [string, string] => [`${path} ${rule.alert ?? rule.record}`, rule.expr]));
    }
    if (object.kind === 'ConfigMap' && object.metadata.labels?.grafana_dashboard) {
      return Object.values<string>(object.data).flatMap((json) => JSON.parse(json).panels.flatMap((panel: any) => panel.targets
        .map((target: any): [string, string] => [`${path} panel ${panel.title}`, target.expr])));
    }
    return [];
  });

  test('the expressions come from every monitored tree and the Argo CD rules', () => {
    const sources = new Set(expressions.map(([name]) => name.slice(0, name.indexOf(' '))));
    expect([...sources].sort()).toEqual([
      'argocd/prometheusrule-spire-argocd.yaml',
      'production/prod-euw1/monitoring/configmap-spire-dashboard.yaml',
      'production/prod-euw1/spire-server/prometheusrule-spire.yaml',
      'production/prod-use1/monitoring/configmap-spire-dashboard.yaml',
      'production/prod-use1/spire-server/prometheusrule-spire.yaml',
      'staging/stg-euw1/monitoring/configmap-spire-dashboard.yaml',
      'staging/stg-euw1/spire-server/prometheusrule-spire.yaml',
    ]);
    expect(expressions.every(([, expr]) => typeof expr === 'string' && expr.length > 0)).toBe(true);
  });

  test.each(expressions)('%s parses as PromQL', (_name, expr) => {
    expect(promqlErrors(expr)).toEqual([]);
  });

  test('Argo CD alerts: drift only for automated Applications, stuck rollouts and syncs, failures; the rule skips the dry run', () => {
    const byName = Object.fromEntries(argoCdAlerts('spire').map((alert) => [alert.alert, alert]));
    // A manual production Application is OutOfSync between its windows by design: no alert for that.
    expect(byName.SpireApplicationOutOfSync.expr).toContain('autosync_enabled="true"');
    expect(byName.SpireApplicationProgressingTooLong).toMatchObject({ for: '30m', expr: 'argocd_app_info{project="spire", health_status="Progressing"} == 1' });
    expect(byName.SpireApplicationSyncRunningTooLong.expr).toContain('operation="sync"');
    expect(byName.SpireApplicationDegraded.expr).toContain('health_status=~"Degraded|Unknown"');
    expect(byName.SpireApplicationMissing.expr).toContain('autosync_enabled="true", health_status="Missing"');
    const rule = find(files, 'argocd/prometheusrule-spire-argocd.yaml');
    expect(rule.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('the PromQL check rejects broken expressions', () => {
    expect(promqlErrors('sum(rate(spire_agent_agent_svid_rotate[5m]) >')).not.toEqual([]);
    expect(promqlErrors('up{namespace="a"')).not.toEqual([]);
  });

  test('dashboards carry the label Grafana\'s sidecar looks for', () => {
    const dashboard = find(files, 'staging/stg-euw1/monitoring/configmap-spire-dashboard.yaml');
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
  });
});
