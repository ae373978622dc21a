/**
 * Proof that the e2e discriminates: each mutation breaks one committed file of a tree the way a wrong
 * change to the code would, and the e2e run on the broken copy must fail. A mutation that goes
 * unnoticed is a failure of the e2e itself.
 */
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterTree } from './trees';

export interface Mutation {
  readonly name: string;
  /** The levels that must notice it. */
  readonly levels: ('config' | 'api' | 'live')[];
  /** Edits the copied dist/ in place; returns false when the tree has nothing to mutate. */
  apply(dist: string, tree: ClusterTree): boolean;
}

function edit(dist: string, tree: ClusterTree, file: (path: string) => boolean, change: (text: string) => string): boolean {
  const target = tree.files.find((f) => file(f.path));
  if (!target) return false;
  const path = join(dist, target.path);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) return false;
  writeFileSync(path, after);
  return true;
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'a verb removed from the server\'s ClusterRole (tokenreviews create, which k8s_psat needs)',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /clusterrole-spire-server-spire-server\.yaml$/.test(p), (t) => t.replace(/(resources:\n\s+- tokenreviews\n\s+verbs:\n\s+)- create/, '$1- get')),
  },
  {
    name: 'the controller manager pointed at a wrong server socket path',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /configmap-spire-controller-manager\.yaml$/.test(p), (t) => t.replace(/spireServerSocketPath: \S+/, 'spireServerSocketPath: /tmp/spire-server/private/wrong.sock')),
  },
  {
    name: 'a k8s_psat cluster name the server does not know in the agent config',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /configmap-spire-agent\.yaml$/.test(p), (t) => t.replace(/cluster = "([^"]+)"/, 'cluster = "$1-typo"')),
  },
  {
    name: 'a field the apiserver does not know in a Service',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /service-spire-server\.yaml$/.test(p), (t) => t.replace(/^spec:\n/m, 'spec:\n  sessionAffinityTypo: None\n')),
  },
  {
    name: 'the PreSync validation Job relying on the image ENTRYPOINT (spire-server run validate)',
    levels: ['config'],
    apply: (dist, tree) => edit(dist, tree, (p) => /job-spire-server-validate\.yaml$/.test(p), (t) => t.replace(/\n\s+command:\n\s+- \/opt\/spire\/bin\/spire-server(?=\n)/, '')),
  },
  {
    name: 'the OIDC discovery provider\'s identity applied a wave after the provider (which waits for its SVID)',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /clusterspiffeid-spire-oidc-discovery-provider\.yaml$/.test(p), (t) => t.replace(/sync-wave: '-?\d+'/, "sync-wave: '3'")),
  },
  {
    name: 'an https_spiffe federation partner without its initial bundle',
    levels: ['live'],
    apply: (dist, tree) => edit(dist, tree, (p) => /clusterfederatedtrustdomain-payments-partner-example\.yaml$/.test(p), (t) => t.replace(/\n  trustDomainBundle: \|[\s\S]*$/, '\n')),
  },
  {
    name: 'the https_web bundle endpoint\'s serving_cert_file without file_sync_interval (SPIRE refuses the empty duration)',
    levels: ['config'],
    apply: (dist, tree) => edit(dist, tree, (p) => /spire-server\/configmap-spire-server\.yaml$/.test(p), (t) => t.replace(/\n\s+file_sync_interval = "[^"]*"/, '')),
  },
  {
    name: 'the ClusterSPIFFEID admission policy binding switched from Deny to Audit',
    levels: ['api'],
    apply: (dist, tree) => edit(dist, tree, (p) => /validatingadmissionpolicybinding-spire-identity-policy-clusterspiffeid\.yaml$/.test(p), (t) => t.replace(/validationActions:\n(\s+)- Deny/, 'validationActions:\n$1- Audit')),
  },
];

/** Copies dist/ to `into` so a mutation can edit the copy. */
export function copyDist(dist: string, into: string): void {
  cpSync(dist, into, { recursive: true });
  // Programs running as other users (PostgreSQL) work below it.
  chmodSync(into, 0o755);
}
