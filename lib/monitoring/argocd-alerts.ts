import { Construct } from 'constructs';
import * as rule from '../../imports/prometheusrule-monitoring.coreos.com';
import { AlertRule } from './spire-monitoring';

/*
 * Labels of argocd_app_info as Argo CD's controller exports them (argo-cd controller/metrics/metrics.go,
 * descAppInfo): namespace, name, project, autosync_enabled, repo, dest_server, dest_namespace,
 * sync_status, health_status, operation.
 */

/**
 * Alerts on the delivery of SPIRE: Argo CD's own metrics for the Applications of one project. Drift alerts
 * only fire for automated Applications: a manual production Application is expected to be OutOfSync
 * between its sync windows.
 */
export function argoCdAlerts(project: string): AlertRule[] {
  return [
    {
      alert: 'SpireApplicationOutOfSync', for: '30m', severity: 'warning',
      expr: `argocd_app_info{project="${project}", autosync_enabled="true", sync_status="OutOfSync"} == 1`,
      summary: 'Automated Argo CD application {{ $labels.name }} has been out of sync for 30 minutes.',
    },
    {
      alert: 'SpireApplicationDegraded', for: '15m', severity: 'critical',
      expr: `argocd_app_info{project="${project}", health_status=~"Degraded|Unknown"} == 1`,
      summary: 'Argo CD application {{ $labels.name }} is {{ $labels.health_status }}.',
    },
    {
      // Objects added in Git are Missing until synced: expected for a manual Application between windows.
      alert: 'SpireApplicationMissing', for: '30m', severity: 'warning',
      expr: `argocd_app_info{project="${project}", autosync_enabled="true", health_status="Missing"} == 1`,
      summary: 'Automated Argo CD application {{ $labels.name }} has objects missing from the cluster for 30 minutes.',
    },
    {
      // A StatefulSet has no progress deadline: a rollout that cannot finish stays Progressing for ever.
      alert: 'SpireApplicationProgressingTooLong', for: '30m', severity: 'warning',
      expr: `argocd_app_info{project="${project}", health_status="Progressing"} == 1`,
      summary: 'Argo CD application {{ $labels.name }} has been Progressing for 30 minutes; a rollout is stuck.',
    },
    {
      alert: 'SpireApplicationSyncRunningTooLong', for: '30m', severity: 'warning',
      expr: `argocd_app_info{project="${project}", operation="sync"} == 1`,
      summary: 'A sync of Argo CD application {{ $labels.name }} has been running for 30 minutes; a hook or wave is waiting on something that will not come.',
    },
    {
      alert: 'SpireApplicationSyncFailed', for: '0m', severity: 'critical',
      expr: `sum by (name) (increase(argocd_app_sync_total{project="${project}", phase=~"Error|Failed"}[10m])) > 0`,
      summary: 'A sync of Argo CD application {{ $labels.name }} failed.',
    },
  ];
}

/** A PrometheusRule for the cluster Argo CD runs in, next to the Applications. */
export class ArgoCdAlerts extends Construct {
  constructor(scope: Construct, id: string, props: { readonly namespace: string; readonly project: string; readonly labels: Record<string, string> }) {
    super(scope, id);
    new rule.PrometheusRule(this, 'Rules', {
      metadata: {
        name: `${props.project}-argocd`,
        namespace: props.namespace,
        labels: props.labels,
        // The prometheus-operator CRDs may be missing where Argo CD runs: without this, the dry run of this
        // one object fails the whole root sync before anything is applied.
        annotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' },
      },
      spec: {
        groups: [{
          name: `${props.project}-argocd`,
          rules: argoCdAlerts(props.project).map((alert) => ({
            alert: alert.alert,
            expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString(alert.expr),
            for: alert.for,
            labels: { severity: alert.severity },
            annotations: { summary: alert.summary },
          })),
        }],
      },
    });
  }
}
