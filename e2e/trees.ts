/** The cluster trees of a dist/ directory, read as the files a GitOps controller would apply. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

export interface ManifestFile {
  /** Path relative to dist/. */
  readonly path: string;
  /** The file as committed: applied byte for byte, so the apiserver sees duplicated keys too. */
  readonly text: string;
  readonly objects: K8sObject[];
}

export interface ClusterTree {
  readonly env: string;
  readonly cluster: string;
  readonly dir: string;
  readonly files: ManifestFile[];
}

export function readManifests(dist: string, dir: string): ManifestFile[] {
  const files: ManifestFile[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (entry.endsWith('.yaml') && entry !== 'kustomization.yaml') {
        const text = readFileSync(path, 'utf8');
        const objects = parseAllDocuments(text).map((doc) => doc.toJS() as K8sObject).filter((o) => o !== null);
        files.push({ path: relative(dist, path), text, objects });
      }
    }
  };
  walk(dir);
  return files;
}

/** Every dist/<env>/<cluster>/ that holds a kustomization (the trees of the GitOps directories are not cluster trees). */
export function clusterTrees(dist: string): ClusterTree[] {
  const trees: ClusterTree[] = [];
  for (const env of readdirSync(dist).sort()) {
    const envDir = join(dist, env);
    // dist/argocd*, dist/flux* hold the GitOps objects, not cluster trees.
    if (!statSync(envDir).isDirectory() || /^(argocd|flux)/.test(env)) continue;
    for (const cluster of readdirSync(envDir).sort()) {
      const dir = join(envDir, cluster);
      if (!statSync(dir).isDirectory()) continue;
      trees.push({ env, cluster, dir, files: readManifests(dist, dir) });
    }
  }
  return trees;
}

export function objectsOf(tree: ClusterTree): K8sObject[] {
  return tree.files.flatMap((file) => file.objects);
}

export function find(tree: ClusterTree, kind: string, name?: string): K8sObject[] {
  return objectsOf(tree).filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The pod template of a workload object, or the pod spec of a Pod. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function podTemplate(o: K8sObject): { metadata: any; spec: any } | undefined {
  if (o.kind === 'Pod') return { metadata: o.metadata, spec: o.spec };
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind)) return o.spec.template;
  return undefined;
}

export function where(tree: ClusterTree): string {
  return `${tree.env}/${tree.cluster}`;
}
