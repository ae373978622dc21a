/**
 * The GitOps trees (dist/argocd, dist/argocd-bootstrap, dist/flux, dist/flux-bootstrap) on a real
 * kube-apiserver with the pinned Argo CD and Flux CRDs: every object applied server-side with strict
 * field validation, as the engines' own controllers would submit them. The engines' namespaces
 * (argocd, flux-system) exist where Argo CD and Flux are installed; nothing else is provided.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from '../kube';
import { NodeNetwork } from '../net';
import { Processes } from '../processes';
import { Report } from '../report';
import { syncOrder } from '../sync';
import { readManifests } from '../trees';
import { installCrds } from './cluster';

const ENGINE_NAMESPACES = ['argocd', 'flux-system'];

export async function gitopsLevel(dist: string, report: Report, env: { workDir: string; binaries: Record<string, string>; shared: string }): Promise<void> {
  const dirs = readdirSync(dist).filter((name) => /^(argocd|flux)/.test(name)).sort();
  if (dirs.length === 0) return;
  const dir = join(env.workDir, 'gitops');
  mkdirSync(dir, { recursive: true });
  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgx${process.pid}gitops`);
  try {
    const cluster = await startCluster(dir, env.binaries, processes);
    const client = cluster.admin;
    await installCrds(client, env.shared);
    for (const name of ENGINE_NAMESPACES) await client.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (const top of dirs) {
      const path = join(dist, top);
      if (!existsSync(path)) continue;
      // Argo CD's order inside one tree (namespaces and CRD-less kinds first), as for the cluster trees.
      const tree = { env: top, cluster: '', dir: path, files: readManifests(dist, path) };
      for (const item of syncOrder(tree)) {
        const o = item.object;
        if (!client.serves(o.apiVersion, o.kind)) {
          console.log(`   (${top} ${item.file} ${o.kind}/${o.metadata.name}: no CRD for ${o.apiVersion} ${o.kind} is pinned in ../shared/crds; not applied)`);
          continue;
        }
        const response = await client.apply(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, item.text)
          .catch((error: Error) => ({ status: 0, text: error.message, body: undefined, warnings: [] as string[] }));
        const ok = response.status >= 200 && response.status < 300 && response.warnings.length === 0;
        report.check('objects', ok, top, `${item.file} ${o.kind}/${o.metadata.name}`, ok ? '' : `${response.status}${response.warnings.length ? ` warnings: ${response.warnings.join(' | ')}` : ''} ${response.body?.message ?? ''}`);
      }
    }
  } catch (error) {
    report.fail('gitops', 'trees', (error as Error).stack ?? String(error));
  } finally {
    await processes.stopAll();
    network.close();
  }
}
