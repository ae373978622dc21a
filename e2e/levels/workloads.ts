/**
 * Level workloads: the server as a Deployment that a HorizontalPodAutoscaler scales (examples/gcp,
 * synthesized by the CLI) on a real kube-apiserver. The objects of the server's sync waves, its Deployment
 * and autoscaler among them, are applied server-side with strict field validation, as a GitOps engine
 * submits them; the autoscaler must name the Deployment it scales; and after the autoscaler's controller
 * sets a replica count through the scale subresource, applying the committed Deployment again must leave
 * that count alone (the Deployment has no `replicas`, so the engine's field manager does not own it). The
 * same apply with a `replicas` added is run as the control: it must take the count back, or the check
 * above could not have failed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startCluster, KubeClient } from '../kube';
import { NodeNetwork } from '../net';
import { PREREQUISITE_NAMESPACES } from '../prerequisites';
import { Processes } from '../processes';
import { Report } from '../report';
import { syncOrder } from '../sync';
import { clusterTrees } from '../trees';
import { synthesizeExample } from './examples';

const EXAMPLE = 'gcp';
/** The count the autoscaler's controller writes: neither the manifest's nor the apiserver's default. */
const AUTOSCALER_CHOICE = 4;

async function replicasOf(client: KubeClient, namespace: string, name: string): Promise<number | undefined> {
  return (await client.get('apps/v1', 'Deployment', namespace, name))?.spec?.replicas;
}

export async function workloadsLevel(report: Report, env: { workDir: string; binaries: Record<string, string> }): Promise<void> {
  const dir = join(env.workDir, 'workloads');
  const out = join(dir, 'dist');
  mkdirSync(out, { recursive: true });
  const processes = new Processes(dir);
  // The node address the apiserver listens on, as the gitops level has it.
  const network = new NodeNetwork(`sgx${process.pid}workloads`);
  const where = `examples/${EXAMPLE}`;
  try {
    const failure = await synthesizeExample(EXAMPLE, out);
    if (!report.check('workloads', failure === undefined, where, 'spire-gitops synth', failure)) return;
    const [tree] = clusterTrees(out);
    const items = syncOrder(tree);
    const deployment = items.find((item) => item.object.kind === 'Deployment' && item.object.metadata.labels?.['app.kubernetes.io/component'] === 'server');
    const autoscaler = items.find((item) => item.object.kind === 'HorizontalPodAutoscaler');
    if (!report.check('workloads', deployment !== undefined && autoscaler !== undefined, where, 'the tree has the server Deployment and its HorizontalPodAutoscaler',
      `found ${items.map((item) => `${item.object.kind}/${item.object.metadata.name}`).filter((name) => /Deployment|StatefulSet|HorizontalPodAutoscaler/.test(name)).join(', ')}`)) return;

    const cluster = await startCluster(dir, env.binaries, processes);
    const client = cluster.admin;
    // Argo CD's order up to the server's own wave: namespaces, config, RBAC, Services, webhook
    // configuration, disruption budget, then the Deployment and its autoscaler. The identities of later
    // waves need the controller manager's webhook running, which this level does not run.
    // Namespaces the platform provides (the monitoring stack's), as the cluster levels create them.
    for (const name of PREREQUISITE_NAMESPACES) {
      if (items.some((item) => item.object.metadata.namespace === name)) await client.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    const serverWave = deployment!.wave;
    for (const item of items.filter((candidate) => candidate.phase === 'Sync' && candidate.wave <= serverWave)) {
      const o = item.object;
      if (!client.serves(o.apiVersion, o.kind)) {
        console.log(`   (${where} ${item.file} ${o.kind}/${o.metadata.name}: the apiserver does not serve ${o.apiVersion} ${o.kind}; not applied)`);
        continue;
      }
      const response = await client.apply(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, item.text)
        .catch((error: Error) => ({ status: 0, text: error.message, body: undefined, warnings: [] as string[] }));
      const ok = response.status >= 200 && response.status < 300 && response.warnings.length === 0;
      report.check('workloads', ok, where, `${item.file} ${o.kind}/${o.metadata.name} applied`,
        ok ? '' : `${response.status}${response.warnings.length ? ` warnings: ${response.warnings.join(' | ')}` : ''} ${response.body?.message ?? response.text}`);
    }

    const { name } = deployment!.object.metadata;
    const namespace = deployment!.object.metadata.namespace!;
    const hpa = await client.get('autoscaling/v2', 'HorizontalPodAutoscaler', autoscaler!.object.metadata.namespace, autoscaler!.object.metadata.name);
    const target = hpa?.spec?.scaleTargetRef;
    report.check('workloads', target?.kind === 'Deployment' && target?.name === name && hpa?.metadata?.namespace === namespace, where,
      'the HorizontalPodAutoscaler scales the server Deployment', `scaleTargetRef ${JSON.stringify(target)}`);

    // What the autoscaler's controller does: it writes the count through the scale subresource.
    const scalePath = `${client.path('apps/v1', 'Deployment', namespace, name)}/scale`;
    const scaled = await client.call('PATCH', `${scalePath}?fieldManager=horizontal-pod-autoscaler`, { spec: { replicas: AUTOSCALER_CHOICE } }, 'application/merge-patch+json');
    report.check('workloads', scaled.status === 200, where, `the autoscaler sets ${AUTOSCALER_CHOICE} replicas through the scale subresource`, `${scaled.status} ${scaled.body?.message ?? scaled.text}`);

    // The next sync: the committed Deployment applied again, forced, as the engine would.
    await client.apply('apps/v1', 'Deployment', namespace, name, deployment!.text);
    const kept = await replicasOf(client, namespace, name);
    report.check('workloads', kept === AUTOSCALER_CHOICE, where, 'a sync of the committed Deployment leaves the autoscaler\'s count alone',
      `replicas ${kept} after the re-apply, ${AUTOSCALER_CHOICE} expected`);

    // The control: with `replicas` in the manifest the same apply takes the count back.
    const withReplicas = parse(deployment!.text);
    withReplicas.spec.replicas = 2;
    await client.apply('apps/v1', 'Deployment', namespace, name, stringify(withReplicas));
    const reset = await replicasOf(client, namespace, name);
    report.check('workloads', reset === 2, where, 'control: a manifest that sets replicas would fight the autoscaler',
      `replicas ${reset} after applying a manifest with replicas 2`);
  } catch (error) {
    report.fail(where, 'workloads level', (error as Error).stack ?? String(error));
  } finally {
    await processes.stopAll();
    network.close();
  }
}
