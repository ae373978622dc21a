import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ClusterChart } from '../lib/build/cluster-chart';
import { resolveCluster } from '../lib/resolve/resolve';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { TemplateError, parseTemplate, renderTemplate } from '../lib/identity/template';
import { TemplateField, namespaceServiceAccountId, spiffeIdTemplate } from '../lib/identity/spiffe-id';
import { giveSpiffeIdentity } from '../lib/identity/workload-identity';
import { defaultFiles, environment, find } from './helpers/estate';

const data = {
  trustDomain: 'prod.spire.acme.example',
  clusterName: 'prod-euw1',
  clusterDomain: 'cluster.local',
  pod: { name: 'gw-7d9f', namespace: 'edge', serviceAccountName: 'api-gateway', labels: { 'gateway-tier': 'partner', app: 'gw' }, nodeName: 'ip-10-0-1-7' },
};

describe('template evaluator (the subset of Go text/template the manager uses)', () => {
  test.each([
    ['spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', 'spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway'],
    ['{{ index .PodMeta.Labels "gateway-tier" }}', 'partner'],
    ['{{ .PodMeta.Labels.app }}', 'gw'],
    ['{{ .PodMeta.Labels.missing }}', '<no value>'],
    ['{{ index .PodMeta.Labels "missing" }}', ''],
    ['{{ printf "%s-%s" .ClusterName .PodMeta.Namespace }}', 'prod-euw1-edge'],
    ['{{ .PodMeta.Namespace | printf "ns-%s" }}', 'ns-edge'],
    ['{{ if eq .PodMeta.Namespace "edge" }}e{{ else }}o{{ end }}', 'e'],
    ['{{ with .PodMeta.Labels.app }}has-app{{ end }}', 'has-app'],
    ['{{- .ClusterName -}} / {{ len .PodMeta.Labels }}', 'prod-euw1/ 2'],
    ['{{ .NodeMeta.Name }}.{{ .ClusterDomain }}', 'ip-10-0-1-7.cluster.local'],
    ['{{ range $k, $v := .PodMeta.Labels }}{{ $k }}={{ $v }};{{ end }}', 'app=gw;gateway-tier=partner;'],
  ])('%s renders %j', (template, expected) => {
    expect(renderTemplate(template, data)).toBe(expected);
  });

  test.each([
    ['{{ .PodMeta.Namespace', /unclosed action/],
    ['{{ default "x" .ClusterName }}', /function "default" not defined/],
    ['{{ .PodMeta.Labels.gateway-tier }}', /label keys with dashes need index/],
    ['{{ .Pod.Name }}', /unknown field \.Pod /],
    ['{{ .TrustDomain.Name }}', /\.TrustDomain is a string/],
    ['{{ end }}', /unexpected \{\{end\}\}/],
    ['{{ if .ClusterName }}x', /has no \{\{end\}\}/],
    ['{{ "unterminated }}', /unterminated quoted string/],
    ['{{ }}', /missing value/],
    ['{{ define "x" }}x{{ end }}', /not previewed/],
  ])('%s is rejected: %s', (template, message) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError);
    expect(() => parseTemplate(template)).toThrow(message);
  });
});

describe('previews of the default identities', () => {
  const app = Testing.app();
  const charts = DEFAULT_ESTATE.environments.map((env) => new ClusterChart(app, env.name, {
    resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images),
  }));
  const previews = Object.fromEntries(charts.flatMap((chart) => [...chart.identities].map(([name, identity]) => [
    `${chart.context.environment.name}/${name}`, identity.preview(),
  ])));

  test('every default identity renders a valid SPIFFE ID in its own trust domain', () => {
    for (const [key, preview] of Object.entries(previews)) {
      const env = key.split('/')[0];
      expect(preview.spiffeId.startsWith(`spiffe://${environment(env).trustDomain}/ns/`)).toBe(true);
    }
  });

  test('a partner-tier gateway pod in production', () => {
    const gateway = charts[2].identities.get('api-gateway')!;
    expect(gateway.preview({ name: 'gw-1', namespace: 'edge', serviceAccountName: 'api-gateway', labels: { 'app.kubernetes.io/name': 'api-gateway', 'gateway-tier': 'partner' } })).toEqual({
      spiffeId: 'spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/partner',
      selectors: ['k8s:pod-uid:<uid>', 'k8s:sa:api-gateway', 'k8s:pod-label:gateway-tier:partner'],
      dnsNames: ['api-gateway.edge.svc.cluster.local'],
    });
  });

  test('all previews', () => {
    expect(previews).toMatchSnapshot();
  });
});

describe('giving a workload an identity', () => {
  const files = defaultFiles();

  test('the development sample workload mounts the Workload API and points SPIFFE_ENDPOINT_SOCKET at it', () => {
    const deployment = find(files, 'development/dev-euw1/web/deployment-web-frontend.yaml');
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'spiffe-workload-api', csi: { driver: 'csi.spiffe.io', readOnly: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'spiffe-workload-api', mountPath: '/spiffe-workload-api', readOnly: true });
    expect(pod.containers[0].env).toContainEqual({ name: 'SPIFFE_ENDPOINT_SOCKET', value: 'unix:///spiffe-workload-api/spire-agent.sock' });
    expect(pod.serviceAccountName).toBe('web-frontend');
    expect(deployment.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('web-frontend');
    expect(deployment.metadata.namespace).toBe('web');
  });

  test('fails when the identity would not select the workload', () => {
    const app = Testing.app();
    const env = environment('development');
    const chart = new ClusterChart(app, 'dev', { resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images) });
    const serviceAccount = new kplus.ServiceAccount(chart, 'Sa', { metadata: { name: 'someone-else', namespace: 'web' } });
    const deployment = new kplus.Deployment(chart, 'Wrong', {
      metadata: { name: 'wrong', namespace: 'web' }, serviceAccount,
      containers: [{ image: 'ghcr.io/example/app:1', securityContext: { ensureNonRoot: false } }],
    });
    giveSpiffeIdentity(deployment, { identity: chart.identities.get('web-frontend')!, resolved: chart.context });
    const errors = deployment.node.validate();
    expect(errors).toContainEqual(expect.stringMatching(/^development\/dev-euw1: Deployment "wrong" identity: ClusterSPIFFEID "web-frontend" would not select its pods: service account "someone-else" does not match k8s:sa:web-frontend, got "web-frontend"; fix: /));
  });
});

describe('typed SPIFFE ID templates', () => {
  test('build the template the manager expects, in the environment trust domain', () => {
    expect(namespaceServiceAccountId()).toBe('spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}');
    expect(spiffeIdTemplate('workload', TemplateField.clusterName, TemplateField.podLabel('app.kubernetes.io/name')))
      .toBe('spiffe://{{ .TrustDomain }}/workload/{{ .ClusterName }}/{{ index .PodMeta.Labels "app.kubernetes.io/name" }}');
    expect(renderTemplate(namespaceServiceAccountId(TemplateField.podLabel('gateway-tier')), data))
      .toBe('spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/partner');
    expect(() => parseTemplate(spiffeIdTemplate('a', TemplateField.podName))).not.toThrow();
  });

  test('fails on a literal segment that is not one SPIFFE path segment', () => {
    expect(() => spiffeIdTemplate('team/payments')).toThrow(/must be one segment of A-Z a-z 0-9 \. _ - \(no slashes\)/);
    expect(() => spiffeIdTemplate('..')).toThrow(/must be one segment/);
    expect(() => spiffeIdTemplate()).toThrow(/at least one path segment/);
  });
});
