import { EstateConfig } from '../config/types';
import { clusterEnvironment, clusterTrustDomain, estateTrustDomains, pendingFederations, topologyOf } from '../config/topology';

/*
 * The estate's trust graph as a mermaid flowchart for dist/README.md: one box per trust domain holding the
 * servers (environment/cluster) that issue it, the external datastore servers share (ha), the root's
 * signing edges (nested), and federation edges: between the estate's own trust domains (both sides hold
 * the other's bundle), to partners outside the estate, and internal ones still waiting for their first
 * bundle. Pure, and ordered by the estate's own order, so the same estate always draws the same graph.
 */

function nodeId(prefix: string, text: string): string {
  return `${prefix}_${text.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The mermaid lines (without the fence) of the estate's trust graph. */
export function trustGraph(estate: EstateConfig): string[] {
  const lines = ['flowchart LR'];
  const owners = estateTrustDomains(estate);
  const serverId = (environment: string, cluster: string) => nodeId('server', `${environment}/${cluster}`);
  const trustDomainId = (trustDomain: string) => nodeId('td', trustDomain);

  for (const [trustDomain, servers] of owners) {
    lines.push(`  subgraph ${trustDomainId(trustDomain)}["${trustDomain}"]`);
    for (const { environment, cluster } of servers) {
      lines.push(`    ${serverId(environment.name, cluster.name)}["${environment.name}/${cluster.name}<br/>${topologyOf(environment).type}, ${cluster.region}"]`);
    }
    lines.push('  end');
  }

  // A datastore that several servers share: they sign with their own keys into one bundle.
  const datastores = new Map<string, string[]>();
  for (const [, servers] of owners) {
    for (const { environment, cluster } of servers) {
      const datastore = cluster.serverOverrides?.datastore ?? environment.server.datastore;
      if (datastore.type === 'sqlite3') continue;
      const label = `${datastore.type} ${datastore.host}:${datastore.port}/${datastore.database}`;
      datastores.set(label, [...datastores.get(label) ?? [], serverId(environment.name, cluster.name)]);
    }
  }
  for (const [label, servers] of datastores) {
    if (servers.length < 2) continue;
    const id = nodeId('db', label);
    lines.push(`  ${id}[("${label}")]`);
    for (const server of servers) lines.push(`  ${server} -. "shared datastore" .- ${id}`);
  }

  // Nested: the root server signs the downstream servers' CAs.
  for (const environment of estate.environments) {
    const topology = topologyOf(environment);
    if (topology.type !== 'nested') continue;
    const rootName = 'cluster' in topology.root ? topology.root.cluster : topology.root.managementCluster.name;
    const root = serverId(environment.name, rootName);
    if (!('cluster' in topology.root)) lines.push(`  ${root}["${environment.name}/${rootName}<br/>root"]`);
    for (const cluster of environment.clusters.filter((candidate) => candidate.name !== rootName)) {
      lines.push(`  ${root} -- "signs (UpstreamAuthority spire)" --> ${serverId(environment.name, cluster.name)}`);
    }
  }

  // Federation, from what each cluster's server federates with.
  const drawn = new Set<string>();
  const partners = new Set<string>();
  for (const environment of estate.environments) {
    for (const cluster of environment.clusters) {
      const own = clusterTrustDomain(environment, cluster);
      for (const spec of clusterEnvironment(environment, cluster).federation) {
        if (owners.has(spec.trustDomain)) {
          const pair = [own, spec.trustDomain].sort().join(' ');
          if (drawn.has(pair)) continue;
          drawn.add(pair);
          lines.push(`  ${trustDomainId(own)} <-- "federated (${spec.profile.type})" --> ${trustDomainId(spec.trustDomain)}`);
          continue;
        }
        if (!partners.has(spec.trustDomain)) {
          partners.add(spec.trustDomain);
          lines.push(`  ${nodeId('partner', spec.trustDomain)}(["${spec.trustDomain}<br/>partner"])`);
        }
        const edge = `${own} ${spec.trustDomain}`;
        if (drawn.has(edge)) continue;
        drawn.add(edge);
        lines.push(`  ${trustDomainId(own)} -- "${spec.profile.type}" --> ${nodeId('partner', spec.trustDomain)}`);
      }
    }
  }
  for (const { environment, trustDomain } of pendingFederations(estate)) {
    for (const cluster of estate.environments.find((candidate) => candidate.name === environment)?.clusters ?? []) {
      const own = clusterTrustDomain(estate.environments.find((candidate) => candidate.name === environment)!, cluster);
      const pair = [own, trustDomain].sort().join(' ');
      if (own === trustDomain || drawn.has(pair)) continue;
      drawn.add(pair);
      lines.push(`  ${trustDomainId(own)} -. "pending: first bundle not committed" .- ${trustDomainId(trustDomain)}`);
    }
  }
  return lines;
}
