/**
 * Level upstream: the example examples/private-pki, synthesized by the CLI, synced onto a real
 * kube-apiserver with the real SPIRE server, whose CA the site's root signs through the disk
 * UpstreamAuthority, and whose k8sbundle Notifier keeps a PEM copy of the bundle current.
 *
 * The e2e makes a root CA and an intermediate it signs (e2e/pki.ts) and provides them as the Secrets the
 * tree's server mounts (names and keys read from the StatefulSet's volumes, so they land where the rendered
 * server.conf's cert_file_path, key_file_path and bundle_file_path point). After the first sync it proves:
 *  - `spire-server bundle show` serves the root, and an X509-SVID the server mints verifies against that
 *    root alone (openssl verify: SVID -> SPIRE's CA -> intermediate -> root);
 *  - the notifier, running as the server's ServiceAccount under the tree's RBAC, writes exactly the
 *    bundle's certificates as PEM into its ConfigMap, and into the caBundle of a ValidatingWebhookConfiguration
 *    carrying the rendered webhook_label, created after the server started, while an unlabelled one is left alone.
 *
 * The example's other environment (ejbca) cannot reach an EJBCA here: it is judged by `spire-server validate`
 * at the examples level, which is as far as SPIRE itself checks it before start (README, plugin table).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyPair, Pki, read } from '../pki';
import { run, tail, waitFor } from '../processes';
import { Report } from '../report';
import { shortPath } from '../runtime';
import { PodHandle } from '../pods';
import { serverConfOf } from '../topology-server';
import { ClusterTree, K8sObject, find, where } from '../trees';
import { SyncedCluster, clusterLevels } from './cluster';
import { synthesizeExample } from './examples';
import { clusterTrees } from '../trees';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const EXAMPLE = 'private-pki';

function confValue(text: string, key: string): string | undefined {
  return new RegExp(`\\b${key}\\s*=\\s*"([^"]*)"`).exec(text)?.[1];
}

function pems(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((pem) => pem.replace(/\s+/g, ''));
}

/** The Secrets the server's disk UpstreamAuthority mounts, holding the e2e's intermediate CA and root, by the tree's volume items. */
function upstreamSecrets(tree: ClusterTree, intermediate: KeyPair, root: KeyPair): K8sObject[] {
  const statefulSet = find(tree, 'StatefulSet').find((o) => /spire-server/.test(o.metadata.name))!;
  const conf = serverConfOf(tree);
  const container = statefulSet.spec.template.spec.containers.find((c: Json) => c.name === 'spire-server');
  const content: Record<string, string> = {
    [confValue(conf, 'cert_file_path')!]: read(intermediate.cert),
    [confValue(conf, 'key_file_path')!]: read(intermediate.key),
    [confValue(conf, 'bundle_file_path')!]: read(root.cert),
  };
  const data = new Map<string, Record<string, string>>();
  for (const volume of statefulSet.spec.template.spec.volumes as Json[]) {
    const mount = (container.volumeMounts as Json[]).find((m) => m.name === volume.name);
    if (!volume.secret || !mount) continue;
    for (const item of volume.secret.items ?? []) {
      const file = `${mount.mountPath}/${item.path}`;
      if (!(file in content)) continue;
      const secret = data.get(volume.secret.secretName) ?? {};
      secret[item.key] = Buffer.from(content[file]).toString('base64');
      data.set(volume.secret.secretName, secret);
    }
  }
  return [...data].map(([name, values]) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: statefulSet.metadata.namespace }, type: 'Opaque', data: values }));
}

/** Where a path of the server container lives on the host, through its volume mounts. */
function hostPath(handle: PodHandle, path: string): string | undefined {
  const container = handle.pod.spec.containers.find((c: Json) => c.name === 'spire-server');
  const mount = ((container?.volumeMounts ?? []) as Json[]).sort((a, b) => b.mountPath.length - a.mountPath.length).find((m) => path.startsWith(`${m.mountPath}/`));
  const volume = mount && handle.volumes.get(mount.name);
  return volume ? join(volume, path.slice(mount.mountPath.length + 1)) : undefined;
}

function webhookConfiguration(name: string, labels: Record<string, string>): Json {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name, labels },
    webhooks: [{
      name: `${name}.pki.example.org`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      // Never called: it matches no resource anyone creates here.
      rules: [{ apiGroups: ['e2e.example.org'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nothings'] }],
      clientConfig: { service: { name: 'admission-hook', namespace: 'default', path: '/validate' } },
    }],
  };
}

export async function upstreamLevel(report: Report, env: { workDir: string; binaries: Record<string, string>; shared: string }): Promise<void> {
  const dir = join(env.workDir, 'upstream');
  const out = join(dir, 'dist');
  mkdirSync(out, { recursive: true });
  const failure = await synthesizeExample(EXAMPLE, out);
  if (!report.check('upstream', failure === undefined, `examples/${EXAMPLE}`, 'spire-gitops synth', failure)) return;
  const tree = clusterTrees(out).find((candidate) => serverConfOf(candidate).includes('UpstreamAuthority "disk"'));
  if (!tree) {
    report.fail('upstream', `examples/${EXAMPLE}`, 'no tree whose server signs through UpstreamAuthority "disk"');
    return;
  }
  const at = where(tree);
  const conf = serverConfOf(tree);
  const trustDomain = confValue(conf, 'trust_domain')!;
  const notifierBlock = conf.slice(conf.indexOf('Notifier "k8sbundle"'));
  const notifier = {
    namespace: confValue(notifierBlock, 'namespace')!,
    configMap: confValue(notifierBlock, 'config_map')!,
    key: confValue(notifierBlock, 'config_map_key')!,
    webhookLabel: confValue(notifierBlock, 'webhook_label')!,
  };
  const pki = new Pki(dir);
  const root = pki.ca('site-root', '/CN=spire-gitops-e2e site offline root');
  const intermediate = pki.subCa(root, 'spire-upstream', '/CN=spire-gitops-e2e SPIRE upstream CA');

  const inspect = async ({ client, pods }: SyncedCluster): Promise<void> => {
    const server = pods.find((handle) => handle.pod.spec.containers.some((c: Json) => c.name === 'spire-server'));
    const socket = server && hostPath(server, confValue(conf, 'socket_path')!);
    if (!socket) {
      report.fail('upstream', at, 'no running server pod with the admin socket');
      return;
    }
    const cli = async (args: string[]) => {
      const result = await run(env.binaries['spire-server'], [...args, '-socketPath', shortPath(socket)], 60000);
      if (!result.ok) throw new Error(`spire-server ${args.slice(0, 2).join(' ')}: ${tail(result.out, 3)}`);
      return result.out;
    };
    const rootPem = pems(read(root.cert))[0];
    const bundle = pems(await cli(['bundle', 'show', '-format', 'pem']));
    report.check('upstream', bundle.length === 1 && bundle[0] === rootPem, at, 'disk UpstreamAuthority: `spire-server bundle show` serves exactly the site root',
      `${bundle.length} certificates, root ${bundle.includes(rootPem) ? 'among them' : 'missing'}`);

    // SVID -> SPIRE's CA -> the Secret's intermediate -> the root: verified with the root as the only anchor.
    const minted = join(dir, 'minted');
    mkdirSync(minted, { recursive: true });
    await cli(['x509', 'mint', '-spiffeID', `spiffe://${trustDomain}/e2e/upstream`, '-write', minted]);
    const svid = join(minted, 'svid.pem');
    let verified = '';
    try {
      verified = execFileSync('openssl', ['verify', '-CAfile', root.cert, '-untrusted', svid, svid], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      verified = String((error as { stderr?: string }).stderr ?? error);
    }
    const chain = pems(readFileSync(svid, 'utf8'));
    report.check('upstream', /: OK/.test(verified) && chain.includes(pems(read(intermediate.cert))[0]), at,
      'an X509-SVID the server mints chains through the Secret\'s intermediate to the site root (openssl verify, root as only anchor)', verified);

    // The notifier's ConfigMap: the bundle's certificates as PEM, written by the server under the tree's RBAC.
    const configMapPems = await waitFor(`${notifier.namespace}/${notifier.configMap} to hold the bundle`, 60000, async () => {
      const configMap = await client.get('v1', 'ConfigMap', notifier.namespace, notifier.configMap);
      const found = pems(String(configMap?.data?.[notifier.key] ?? ''));
      return found.length > 0 ? found : undefined;
    }).catch((error: Error) => { report.fail('upstream', at, error.message); return [] as string[]; });
    report.check('upstream', configMapPems.length === bundle.length && bundle.every((pem) => configMapPems.includes(pem)), at,
      `k8sbundle Notifier: ConfigMap ${notifier.namespace}/${notifier.configMap} key ${notifier.key} holds the bundle as PEM`, `${configMapPems.length} certificates`);

    // A webhook configuration with the label gets the bundle as caBundle (the notifier's informer sees it
    // arrive); one without keeps none.
    await client.ok('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhookConfiguration('e2e-labelled', { [notifier.webhookLabel]: 'true' }));
    await client.ok('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhookConfiguration('e2e-unlabelled', {}));
    const caBundle = async (name: string) => {
      const object = await client.get('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', undefined, name);
      return pems(Buffer.from(String(object?.webhooks?.[0]?.clientConfig?.caBundle ?? ''), 'base64').toString('utf8'));
    };
    const labelled = await waitFor('the labelled webhook\'s caBundle', 60000, async () => {
      const found = await caBundle('e2e-labelled');
      return found.length > 0 ? found : undefined;
    }).catch((error: Error) => { report.fail('upstream', at, error.message); return [] as string[]; });
    report.check('upstream', labelled.length === bundle.length && bundle.every((pem) => labelled.includes(pem)), at,
      `k8sbundle Notifier: a ValidatingWebhookConfiguration labelled ${notifier.webhookLabel}=true gets the bundle as caBundle`, `${labelled.length} certificates`);
    const unlabelled = await caBundle('e2e-unlabelled');
    report.check('upstream', unlabelled.length === 0, at, 'k8sbundle Notifier: a webhook configuration without the label keeps no caBundle', `${unlabelled.length} certificates`);
  };

  await clusterLevels(tree, report, {
    // The api level too: every object applied strictly, Pod Security, and the server's RBAC judged against what
    // its plugins ask for (e2e/rbac.ts, the notifier's included).
    workDir: dir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), failFast: true, inspect,
    provide: () => upstreamSecrets(tree, intermediate, root),
  });
}
