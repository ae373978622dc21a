import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as podmonitor from '../../imports/podmonitor-monitoring.coreos.com';
import * as rule from '../../imports/prometheusrule-monitoring.coreos.com';
import { standardLabels } from '../resolve/labels';
import { ResolvedCluster } from '../resolve/model';
import { spireDashboard } from './dashboard';

export interface SpireMonitoringProps {
  /** The cluster's resolved model: the server's and agents' namespaces and selectors come from it. */
  readonly resolved: ResolvedCluster;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
}

/**
 * Alerts on SPIRE. Metric names are the ones SPIRE's Prometheus sink exports (`spire_server_*`,
 * `spire_agent_*`, call counters carry a gRPC `status` label) and controller-runtime's, which the
 * controller manager serves; `namespace`, `pod` and `container` are the labels prometheus-operator adds.
 */
export function spireAlerts(serverNamespace: string, agentNamespace: string): AlertRule[] {
  const server = `namespace="${serverNamespace}", container="spire-server"`;
  const agent = `namespace="${agentNamespace}", container="spire-agent"`;
  return [
    {
      alert: 'SpireServerDown', for: '5m', severity: 'critical',
      expr: `sum(up{${server}}) == 0 or absent(up{${server}})`,
      summary: 'No SPIRE server is being scraped successfully: agents cannot attest and SVIDs will not be renewed.',
    },
    {
      alert: 'SpireAgentDown', for: '10m', severity: 'critical',
      expr: `up{${agent}} == 0`,
      summary: 'The SPIRE agent on {{ $labels.pod }} is down: workloads on its node get no new SVIDs.',
    },
    {
      alert: 'SpireAgentSvidRotationErrors', for: '0m', severity: 'warning',
      expr: `sum by (pod) (increase(spire_agent_agent_svid_rotate{${agent}, status!="OK"}[15m])) > 0`,
      summary: 'The SPIRE agent {{ $labels.pod }} failed to rotate its own SVID.',
    },
    {
      alert: 'SpireServerSvidRotationErrors', for: '0m', severity: 'warning',
      expr: `sum by (pod) (increase(spire_server_svid_rotate{${server}, status!="OK"}[15m])) > 0`,
      summary: 'The SPIRE server {{ $labels.pod }} failed to rotate its own SVID.',
    },
    {
      alert: 'SpireControllerManagerReconcileErrors', for: '15m', severity: 'warning',
      expr: `sum by (pod, controller) (increase(controller_runtime_reconcile_errors_total{namespace="${serverNamespace}", container="spire-controller-manager"}[15m])) > 0`,
      summary: 'spire-controller-manager fails to reconcile {{ $labels.controller }}: registration entries may be stale.',
    },
    {
      alert: 'SpireStaticEntryRenderFailures', for: '15m', severity: 'warning',
      expr: `max(cluster_static_entry_failures{namespace="${serverNamespace}"}) > 0`,
      summary: 'spire-controller-manager cannot render some ClusterStaticEntries (see their status).',
    },
  ];
}

/**
 * Scrape configuration and alerts for SPIRE in one cluster: PodMonitors for the server (and its
 * controller manager sidecar) and the agents, on the ports the containers declare, a PrometheusRule,
 * and a Grafana dashboard ConfigMap for the dashboard sidecar.
 */
export class SpireMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: SpireMonitoringProps) {
    super(scope, id);
    const { resolved } = props;
    const { server, agent } = resolved;
    const settings = resolved.environment.monitoring;
    const labels = { ...standardLabels('spire-monitoring', 'monitoring', resolved.clusterName), ...settings.prometheusSelector };

    new podmonitor.PodMonitor(this, 'Server', {
      metadata: { name: 'spire-server', namespace: server.namespace, labels },
      spec: {
        selector: { matchLabels: server.selector },
        podMetricsEndpoints: [
          { port: 'metrics', path: '/metrics', interval: '30s' },
          // A manager in static manifest mode serves no metrics (lib/spire/controller-manager.ts).
          ...(resolved.controllerManager.staticManifests ? [] : [{ port: 'cm-metrics', path: '/metrics', interval: '30s' }]),
        ],
      },
    });
    new podmonitor.PodMonitor(this, 'Agent', {
      metadata: { name: 'spire-agent', namespace: agent.namespace, labels },
      spec: {
        selector: { matchLabels: agent.selector },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
      },
    });

    new rule.PrometheusRule(this, 'Rules', {
      metadata: { name: 'spire', namespace: server.namespace, labels },
      spec: {
        groups: [{
          name: 'spire',
          rules: spireAlerts(server.namespace, agent.namespace).map((alert) => ({
            alert: alert.alert,
            expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString(alert.expr),
            for: alert.for,
            labels: { severity: alert.severity, cluster: resolved.clusterName },
            annotations: { summary: alert.summary },
          })),
        }],
      },
    });

    new k8s.KubeConfigMap(this, 'Dashboard', {
      metadata: {
        name: 'spire-dashboard',
        namespace: settings.dashboardNamespace,
        // The label Grafana's dashboard sidecar (kube-prometheus-stack) looks for.
        labels: { ...standardLabels('spire-dashboard', 'monitoring', resolved.clusterName), grafana_dashboard: '1' },
      },
      data: { 'spire.json': JSON.stringify(spireDashboard(server.namespace, agent.namespace), null, 2) },
    });
  }
}
