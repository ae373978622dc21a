/** A Grafana dashboard over the metrics the alerts use; each panel is one PromQL expression. */
export interface DashboardPanel {
  readonly title: string;
  readonly expr: string;
  readonly unit?: string;
}

export function dashboardPanels(serverNamespace: string, agentNamespace: string): DashboardPanel[] {
  return [
    { title: 'SPIRE servers up', expr: `sum(up{namespace="${serverNamespace}", container="spire-server"})` },
    { title: 'SPIRE agents up / scraped', expr: `sum(up{namespace="${agentNamespace}", container="spire-agent"}) / count(up{namespace="${agentNamespace}", container="spire-agent"})`, unit: 'percentunit' },
    { title: 'X509-SVIDs signed per second', expr: 'sum(rate(spire_server_server_ca_sign_x509_svid[5m]))', unit: 'ops' },
    { title: 'JWT-SVIDs signed per second', expr: 'sum(rate(spire_server_server_ca_sign_jwt_svid[5m]))', unit: 'ops' },
    { title: 'Agent SVID rotation failures', expr: 'sum by (pod) (increase(spire_agent_agent_svid_rotate{status!="OK"}[1h]))' },
    { title: 'Controller manager reconcile errors', expr: `sum by (controller) (increase(controller_runtime_reconcile_errors_total{namespace="${serverNamespace}", container="spire-controller-manager"}[1h]))` },
    { title: 'Static entry render failures', expr: `max(cluster_static_entry_failures{namespace="${serverNamespace}"})` },
    { title: 'Argo CD: SPIRE applications out of sync', expr: 'sum by (name) (argocd_app_info{project="spire", sync_status!="Synced"})' },
    { title: 'Argo CD: SPIRE applications not healthy', expr: 'sum by (name, health_status) (argocd_app_info{project="spire", health_status!="Healthy"})' },
  ];
}

export function spireDashboard(serverNamespace: string, agentNamespace: string): object {
  return {
    title: 'SPIRE',
    uid: 'spire-gitops',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    panels: dashboardPanels(serverNamespace, agentNamespace).map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
      targets: [{ refId: 'A', expr: panel.expr }],
    })),
  };
}
