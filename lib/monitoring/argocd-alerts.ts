import { Construct } from 'constructs';
import * as rule from '../../imports/prometheusrule-monitoring.coreos.com';
import { AlertRule } from './spire-monitoring';

/** Alerts on the delivery of SPIRE: Argo CD's own metrics for the Applications of one project. */
export function argoCdAlerts(project: string): AlertRule[] {
  return [
    {
      alert: 'SpireApplicationOutOfSync', for: '30m', severity: 'warning',
      expr: `argocd_app_info{project="${project}", sync_status="OutOfSync"} == 1`,
      summary: 'Argo CD application {{ $labels.name }} has been out of sync for 30 minutes.',
    },
    {
      alert: 'SpireApplicationUnhealthy', for: '15m', severity: 'critical',
      expr: `argocd_app_info{project="${project}", health_status!~"Healthy|Progressing"} == 1`,
      summary: 'Argo CD application {{ $labels.name }} is {{ $labels.health_status }}.',
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
      metadata: { name: `${props.project}-argocd`, namespace: props.namespace, labels: props.labels },
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
