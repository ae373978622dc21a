import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { writeTree } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig } from '../lib/config/types';
import { DEFAULT_IMAGES } from '../lib/config/versions';
import { renderEstate } from '../lib/synth';
import { defaultFiles, find } from './helpers/estate';
import { kustomizeBuild } from './helpers/kustomize';

/*
 * A commit that moves the SPIRE server and agents to a new release must roll the server first and the
 * agents only once the server is healthy on it, under both engines.
 */

const before = defaultFiles();
// The next patch release, server and agents in one commit (same digests: only the tags are compared here).
const next: EstateConfig = {
  ...DEFAULT_ESTATE,
  images: {
    ...DEFAULT_IMAGES,
    spireServer: { ...DEFAULT_IMAGES.spireServer, tag: '1.15.3' },
    spireAgent: { ...DEFAULT_IMAGES.spireAgent, tag: '1.15.3' },
  },
};
const after = renderEstate(next);
const changed = [...after.keys()].filter((path) => before.get(path) !== after.get(path));

const objectsIn = (dir: string) => [...after.entries()]
  .filter(([path]) => path.startsWith(`${dir}/`) && !path.endsWith('kustomization.yaml'))
  .map(([path, text]) => ({ path, object: parse(text) }));
const clusterDirs = [...new Set([...after.keys()].filter((path) => /statefulset-spire-server\.yaml$/.test(path)).map((path) => path.split('/').slice(0, 2).join('/')))];

describe('Argo CD: sync waves', () => {
  test.each(clusterDirs)('%s: the version change touches the server and the agents, and the server\'s wave comes first', (dir) => {
    const objects = objectsIn(dir);
    const wave = (object: any) => Number(object.metadata.annotations['argocd.argoproj.io/sync-wave']);
    const servers = objects.filter(({ object }) => object.kind === 'StatefulSet');
    const daemonSets = objects.filter(({ object }) => object.kind === 'DaemonSet');
    expect(changed).toEqual(expect.arrayContaining([...servers, ...daemonSets.filter(({ object }) => object.metadata.name === 'spire-agent')].map(({ path }) => path)));
    expect(daemonSets.map(({ object }) => object.metadata.name).sort()).toEqual(['spiffe-csi-driver', 'spire-agent']);
    // gitops-engine pkg/sync/sync_context.go (syncContext.Sync): a multi-step sync applies one wave and
    // waits while any of its tasks is running, i.e. not yet Healthy (pkg/health/health_statefulset.go:
    // Progressing until the rollout reached every replica and currentRevision = updateRevision).
    for (const server of servers) {
      for (const daemonSet of daemonSets) expect(wave(server.object)).toBeLessThan(wave(daemonSet.object));
    }
  });
});

describe('Flux: the agents\' Kustomization depends on the server\'s', () => {
  const flux = 'flux/development/dev-euw1';
  const spire = find(after, `${flux}/kustomization-spire.yaml`);
  const agents = find(after, `${flux}/kustomization-spire-agents.yaml`);
  const tree = `./dist/${spire.spec.path.slice('./dist/'.length)}`;

  test('spire applies the cluster tree without its DaemonSets and is Ready only with the server rolled out', () => {
    expect(tree).toBe('./dist/development/dev-euw1');
    const daemonSets = objectsIn('development/dev-euw1').filter(({ object }) => object.kind === 'DaemonSet').map(({ object }) => object);
    expect(spire.spec.patches.map((patch: any) => parse(patch.patch))).toEqual(daemonSets.map((daemonSet) => ({
      $patch: 'delete', apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: daemonSet.metadata.name, namespace: daemonSet.metadata.namespace },
    })));
    expect(spire.spec.patches.map((patch: any) => patch.target)).toEqual(daemonSets.map((daemonSet) => ({ kind: 'DaemonSet', name: daemonSet.metadata.name, namespace: daemonSet.metadata.namespace })));
    expect(spire.spec.healthChecks).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'spire-server', namespace: 'spire-server' }]);
  });

  test('spire-agents applies exactly those DaemonSets, after spire, and waits for them', () => {
    expect(agents.spec.dependsOn).toEqual([{ name: 'spire' }]);
    expect(agents.spec.wait).toBe(true);
    expect(agents.spec.sourceRef).toEqual(spire.spec.sourceRef);
    const agentsDir = agents.spec.path.slice('./dist/'.length);
    const listed = find(after, `${agentsDir}/kustomization.yaml`).resources.map((file: string) => posix.join(agentsDir, file));
    const daemonSetFiles = objectsIn('development/dev-euw1').filter(({ object }) => object.kind === 'DaemonSet').map(({ path }) => path).sort();
    expect(listed).toEqual(daemonSetFiles);
    // The version change reaches the agents through this Kustomization alone.
    expect(changed.filter((path) => path.startsWith('development/dev-euw1/spire-system/daemonset-'))).toEqual(expect.arrayContaining(['development/dev-euw1/spire-system/daemonset-spire-agent.yaml']));
    for (const path of listed) expect(after.has(path)).toBe(true);
  });

  test('built as kustomize-controller builds them, the two split the tree: the DaemonSets in spire-agents, all else in spire', () => {
    const root = mkdtempSync(join(tmpdir(), 'spire-flux-build-'));
    try {
      writeTree(after, join(root, 'dist'));
      // kustomize-controller writes the Kustomization's patches into a kustomization.yaml over its path
      // (fluxcd/pkg kustomize generator) and builds that; here the same patches over the same directory.
      const overlay = join(root, 'spire');
      mkdirSync(overlay);
      writeFileSync(join(overlay, 'kustomization.yaml'), toYaml({
        apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../dist/development/dev-euw1'], patches: spire.spec.patches,
      }));
      const keyOf = (object: any) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      const build = (dir: string, anywhere: boolean) => parseAllDocuments(kustomizeBuild(dir, { anywhere })).map((document) => keyOf(document.toJS())).sort();
      const server = build(overlay, true);
      const agentsBuilt = build(join(root, 'dist', agents.spec.path.slice('./dist/'.length)), true);
      const whole = objectsIn('development/dev-euw1').map(({ object }) => keyOf(object)).sort();
      expect(agentsBuilt).toEqual(['DaemonSet/spire-system/spiffe-csi-driver', 'DaemonSet/spire-system/spire-agent']);
      expect(server).toEqual(whole.filter((key) => !agentsBuilt.includes(key)));
      expect(server).toContain('StatefulSet/spire-server/spire-server');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('both run as the same applier and are suspended together', () => {
    for (const key of ['serviceAccountName', 'suspend', 'interval', 'prune']) expect(agents.spec[key]).toEqual(spire.spec[key]);
  });
});
