/**
 * What each component really asks the Kubernetes API for, read from its source, and the checks that
 * its ServiceAccount has exactly that: a SubjectAccessReview per permission it needs, and a
 * SelfSubjectRulesReview (as the ServiceAccount, per namespace) that finds nothing beyond it.
 */
import { KubeClient } from './kube';
import { Report } from './report';
import { ClusterTree, objectsOf, podTemplate, where } from './trees';
import { containerArgv, imageContent } from './runtime';

export interface Permission {
  readonly verb: string;
  readonly group: string;
  /** `resource` or `resource/subresource`. */
  readonly resource: string;
  /** Namespace the permission is needed in; undefined for cluster-scoped resources or every namespace. */
  readonly namespace?: string;
  readonly name?: string;
  /** Why, with the upstream file and function. */
  readonly why: string;
}

const each = (verbs: string[], group: string, resources: string[], why: string, extra: Partial<Permission> = {}): Permission[] =>
  verbs.flatMap((verb) => resources.map((resource) => ({ verb, group, resource, why, ...extra })));

/** The text of one plugin's block in a server.conf (from its header to the next plugin's), or undefined. */
function pluginBlock(serverConf: string, header: string): string | undefined {
  const start = serverConf.indexOf(header);
  if (start < 0) return undefined;
  const next = /\n {2}[A-Z]\w+ "[^"]+" \{/g;
  next.lastIndex = start + header.length;
  const end = next.exec(serverConf)?.index ?? serverConf.length;
  return serverConf.slice(start, end);
}

/** The `clusters` entries of a plugin block: name and body, each a flat block of `"key" = value` lines. */
function clusterEntries(block: string | undefined): { name: string; body: string }[] {
  return [...(block ?? '').matchAll(/"([^"]+)" = \{([^{}]*)\}/g)].map((match) => ({ name: match[1], body: match[2] }));
}

/**
 * The server, from the plugins its config enables, in the cluster the check runs in: its own (`remoteAs`
 * undefined: the clusters entries without a kubeconfig) or, for a server of another cluster, the entry of
 * `remoteAs` (spire pkg/common/plugin/k8s/apiserver/client.go: a kubeconfig file makes the client talk to that
 * cluster; without one, the in-cluster config).
 */
function serverNeeds(serverConf: string, remoteAs?: string): Permission[] {
  const needs: Permission[] = [];
  const here = (entry: { name: string; body: string }, kubeconfigKey: string) => (remoteAs === undefined ? !entry.body.includes(`"${kubeconfigKey}"`) : entry.name === remoteAs);
  const psat = clusterEntries(pluginBlock(serverConf, 'NodeAttestor "k8s_psat"')).filter((entry) => here(entry, 'kube_config_file'));
  if (psat.length > 0) {
    // spire pkg/common/plugin/k8s/apiserver/client.go: ValidateToken (TokenReviews.Create), GetPod, GetNode.
    needs.push(...each(['create'], 'authentication.k8s.io', ['tokenreviews'], 'k8s_psat: apiserver client ValidateToken'));
    for (const entry of psat) {
      for (const allow of entry.body.matchAll(/"service_account_allow_list" = \[([^\]]*)\]/g)) {
        for (const account of allow[1].matchAll(/"([^":]+):[^"]+"/g)) {
          needs.push(...each(['get'], '', ['pods'], 'k8s_psat: apiserver client GetPod of the attesting agent', { namespace: account[1] }));
        }
      }
    }
    needs.push(...each(['get'], '', ['nodes'], 'k8s_psat: apiserver client GetNode of the agent\'s node'));
  }
  for (const entry of clusterEntries(pluginBlock(serverConf, 'BundlePublisher "k8s_configmap"')).filter((candidate) => here(candidate, 'kubeconfig_path'))) {
    const value = (key: string) => new RegExp(`"${key}" = "([^"]+)"`).exec(entry.body)?.[1];
    // spire pkg/server/plugin/bundlepublisher/k8sconfigmap/client.go ApplyConfigMap: server-side apply,
    // which the apiserver authorizes as patch, and as create too while the ConfigMap does not exist.
    needs.push(...each(['patch', 'create'], '', ['configmaps'], 'k8s_configmap BundlePublisher: ApplyConfigMap (server-side apply)', { namespace: value('namespace'), name: value('configmap_name') }));
  }
  // The notifier as this project renders it writes in the server's own cluster only (never its `clusters`: externalK8sBundle is not offered).
  const notifier = remoteAs === undefined ? /Notifier "k8sbundle" \{[\s\S]*?\n {2}\}\n/.exec(serverConf)?.[0] : undefined;
  if (notifier) {
    // spire pkg/server/plugin/notifier/k8sbundle/k8sbundle.go: updateBundle (Get, then Patch) of its ConfigMap;
    // with a label, informers (list, watch) and GetList, Get, Patch of both webhook kinds or of APIServices.
    const value = (key: string) => new RegExp(`\\b${key} = "([^"]+)"`).exec(notifier)?.[1];
    needs.push(...each(['get', 'patch'], '', ['configmaps'], 'k8sbundle Notifier: updateBundle of its ConfigMap', { namespace: value('namespace'), name: value('config_map') }));
    if (value('webhook_label')) {
      needs.push(...each(['get', 'list', 'watch', 'patch'], 'admissionregistration.k8s.io', ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], 'k8sbundle Notifier: webhook informers and updateBundle'));
    }
    if (value('api_service_label')) needs.push(...each(['get', 'list', 'watch', 'patch'], 'apiregistration.k8s.io', ['apiservices'], 'k8sbundle Notifier: APIService informer and updateBundle'));
  }
  return needs;
}

/** The controller manager (spire-controller-manager v0.7.0 config/rbac/role.yaml, from its kubebuilder markers). */
function managerNeeds(namespace: string, webhookName: string): Permission[] {
  return [
    ...each(['get', 'list', 'watch'], '', ['endpoints', 'namespaces', 'nodes', 'pods'], 'role.yaml: informers of the entry reconciler'),
    ...each(['get', 'patch'], 'admissionregistration.k8s.io', ['validatingwebhookconfigurations'], 'pkg/webhookmanager: reads and patches its webhook\'s caBundle', { name: webhookName }),
    ...each(['list', 'watch'], 'admissionregistration.k8s.io', ['validatingwebhookconfigurations'], 'role.yaml: webhook configuration informer'),
    ...each(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], 'spire.spiffe.io', ['clusterspiffeids', 'clusterfederatedtrustdomains', 'clusterstaticentries'], 'role.yaml: the CRs it reconciles'),
    ...each(['get', 'patch', 'update'], 'spire.spiffe.io', ['clusterspiffeids/status', 'clusterfederatedtrustdomains/status', 'clusterstaticentries/status'], 'role.yaml: status of the CRs'),
    ...each(['update'], 'spire.spiffe.io', ['clusterspiffeids/finalizers', 'clusterfederatedtrustdomains/finalizers', 'clusterstaticentries/finalizers'], 'role.yaml: finalizers of the CRs'),
    // controller-runtime leader election (leases resource lock) and its event recorder.
    ...each(['get', 'create', 'update'], 'coordination.k8s.io', ['leases'], 'leader election: leases resource lock', { namespace }),
    ...each(['create', 'patch'], '', ['events'], 'leader election: event recorder', { namespace }),
  ];
}

/** The agent: the kubelet's /pods for the k8s workload attestor (kubelet pkg/kubelet/server/auth.go: nodes/proxy), and what the upstream chart grants. */
function agentNeeds(): Permission[] {
  return [
    ...each(['get'], '', ['nodes/proxy'], 'k8s workload attestor: kubelet /pods, authorized as nodes/proxy'),
    ...each(['get'], '', ['pods', 'nodes'], 'granted by the upstream hardened chart\'s agent ClusterRole'),
  ];
}

interface Subject { namespace: string; name: string; programs: Set<string>; serverConf?: string }

/** A server of another cluster that reaches this one as one of its ServiceAccounts (a nested topology's root, with a kubeconfig). */
export interface RemoteServer {
  readonly namespace: string;
  readonly name: string;
  /** The remote server's server.conf, from its own tree. */
  readonly serverConf: string;
}

/** Each ServiceAccount of the tree and the programs that run as it. */
function subjects(tree: ClusterTree, remote: RemoteServer[]): Subject[] {
  const byName = new Map<string, Subject>();
  for (const o of objectsOf(tree)) {
    if (o.kind === 'ServiceAccount') {
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      if (!byName.has(key)) byName.set(key, { namespace: o.metadata.namespace!, name: o.metadata.name, programs: new Set() });
    }
  }
  for (const o of objectsOf(tree)) {
    const template = podTemplate(o);
    if (!template) continue;
    if (o.metadata.annotations?.['argocd.argoproj.io/hook']) continue;
    const key = `${o.metadata.namespace}/${template.spec.serviceAccountName ?? 'default'}`;
    const subject = byName.get(key);
    if (!subject) continue;
    for (const container of template.spec.containers) {
      const content = imageContent(container.image);
      if (!content) continue;
      // spire-server and spire-agent images also run clients (`spire-agent api watch`): only `run` is the server or agent.
      const argv = containerArgv(container) ?? [];
      if ((content.program === 'spire-server' || content.program === 'spire-agent') && argv[1] !== 'run') continue;
      subject.programs.add(content.program);
    }
  }
  for (const server of remote) {
    const subject = byName.get(`${server.namespace}/${server.name}`);
    if (subject) Object.assign(subject, { serverConf: server.serverConf }).programs.add('spire-server');
  }
  return [...byName.values()];
}

function needsOf(tree: ClusterTree, subject: Subject): Permission[] {
  // A tree may run more than one server (a nested topology's root beside the cluster's own): each
  // subject's server config and webhook are the ones of its own namespace.
  const configs = objectsOf(tree).filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === subject.namespace).flatMap((o) => Object.values(o.data ?? {}) as string[]);
  const needs: Permission[] = [];
  if (subject.programs.has('spire-server')) {
    needs.push(...(subject.serverConf !== undefined ? serverNeeds(subject.serverConf, tree.cluster) : serverNeeds(configs.find((text) => /^server \{/m.test(text)) ?? '')));
  }
  // In static manifest mode the manager reads nothing from the Kubernetes API (cmd/main.go staticRun: no client, no election).
  const staticManager = configs.some((text) => /^kind: ControllerManagerConfig$/m.test(text) && /^staticManifestPath: /m.test(text));
  if (subject.programs.has('spire-controller-manager') && !staticManager) {
    const webhook = objectsOf(tree).find((o) => o.kind === 'ValidatingWebhookConfiguration'
      && (o as any).webhooks?.[0]?.clientConfig?.service?.namespace === subject.namespace)?.metadata.name ?? 'spire-controller-manager-webhook';
    needs.push(...managerNeeds(subject.namespace, webhook));
  }
  if (subject.programs.has('spire-agent')) needs.push(...agentNeeds());
  return needs;
}

interface Rule { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }

function expand(rules: Rule[]): { verb: string; group: string; resource: string; name: string }[] {
  const tuples: { verb: string; group: string; resource: string; name: string }[] = [];
  for (const rule of rules) {
    for (const verb of rule.verbs) for (const group of rule.apiGroups ?? ['']) for (const resource of rule.resources ?? []) {
      for (const name of rule.resourceNames?.length ? rule.resourceNames : ['*']) tuples.push({ verb, group, resource, name });
    }
  }
  return tuples;
}

async function rulesIn(client: KubeClient, namespace: string): Promise<Rule[]> {
  const response = await client.ok('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace },
  });
  return response.body.status.resourceRules as Rule[];
}

export async function checkRbac(client: KubeClient, tree: ClusterTree, report: Report, remote: RemoteServer[] = []): Promise<void> {
  const at = where(tree);
  const namespaces = [...new Set([...objectsOf(tree).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name), 'default', 'kube-system'])];
  // What every authenticated ServiceAccount may do (system:basic-user, discovery): not counted as extra.
  await client.ok('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'e2e-baseline' } }).catch(() => undefined);
  const baselineClient = client.as(await client.token('default', 'e2e-baseline', [], 600));
  const baseline = new Map<string, Set<string>>();
  for (const ns of namespaces) baseline.set(ns, new Set(expand(await rulesIn(baselineClient, ns)).map((t) => JSON.stringify(t))));

  for (const subject of subjects(tree, remote)) {
    const user = `system:serviceaccount:${subject.namespace}:${subject.name}`;
    const needs = needsOf(tree, subject);
    for (const need of needs) {
      const [resource, subresource] = need.resource.split('/');
      const response = await client.ok('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user, groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated'],
          resourceAttributes: { verb: need.verb, group: need.group, resource, subresource, namespace: need.namespace, name: need.name },
        },
      });
      const allowed = response.body.status?.allowed === true;
      report.check('rbac', allowed, at, `ServiceAccount ${subject.namespace}/${subject.name} needs ${need.verb} ${need.group || 'core'}/${need.resource}${need.name ? `/${need.name}` : ''}${need.namespace ? ` in ${need.namespace}` : ''}`,
        allowed ? '' : `denied (${need.why}): ${response.body.status?.reason ?? 'no rule grants it'}`);
    }
    const saClient = client.as(await client.token(subject.namespace, subject.name, [], 600));
    const extras: string[] = [];
    for (const ns of namespaces) {
      for (const tuple of expand(await rulesIn(saClient, ns))) {
        if (baseline.get(ns)!.has(JSON.stringify(tuple))) continue;
        const covered = needs.some((need) => need.verb === tuple.verb && need.group === tuple.group && need.resource === tuple.resource
          && (need.namespace === undefined || need.namespace === ns) && (need.name === undefined ? true : tuple.name === need.name));
        if (!covered) extras.push(`${tuple.verb} ${tuple.group || 'core'}/${tuple.resource}${tuple.name !== '*' ? `/${tuple.name}` : ''} in ${ns}`);
      }
    }
    const unique = [...new Set(extras)];
    report.check('rbac', unique.length === 0, at, `ServiceAccount ${subject.namespace}/${subject.name} has nothing beyond what ${[...subject.programs].join(', ') || 'no program'} needs`,
      unique.length ? `also granted: ${unique.join('; ')}` : '');
  }
}
