import { secretKind } from '../config/secrets';
import { formatViolation } from '../config/violation';
import { OutputTree } from '../build/estate';
import { LaidOutObject } from '../build/layout';
import { syncWaveOf } from '../build/sync-waves';

const PRIVATE_KEY = /-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/;

function imagesOf(manifest: any): { container: string; image: string }[] {
  const pod = manifest.kind === 'Pod' ? manifest.spec
    : manifest.spec?.jobTemplate?.spec?.template?.spec ?? manifest.spec?.template?.spec;
  if (!pod) return [];
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])]
    .map((container: any) => ({ container: container.name, image: container.image }));
}

/** Checks on one final object and its YAML: what no construct may get wrong, whoever wrote it. */
export function outputProblems(tree: OutputTree, manifest: any, yaml: string): string[] {
  const problems: string[] = [];
  const resource = `${manifest.kind} "${manifest.metadata?.name}"`;
  if (tree.requireImageDigests) {
    for (const { container, image } of imagesOf(manifest)) {
      if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
        problems.push(formatViolation(tree.where, {
          resource, field: `container ${container} image`, value: image,
          rule: 'must be pinned by digest in this environment (requireImageDigests)',
          fix: 'add the image\'s sha256 digest in lib/config/versions.ts (crane digest IMAGE:TAG), or disable the component',
        }));
      }
    }
  }
  if (manifest.kind === 'Secret' && (manifest.data || manifest.stringData)) {
    problems.push(formatViolation(tree.where, {
      resource, field: 'data', value: '<redacted>', rule: 'secret material must never be written to dist/',
      fix: 'reference an existing Secret (created out of band, or by External Secrets/SOPS) instead',
    }));
  }
  const secret = secretKind(yaml);
  if (secret && !PRIVATE_KEY.test(yaml)) {
    problems.push(formatViolation(tree.where, {
      resource, field: '(content)', value: '<redacted>', rule: `contains secret material (${secret})`, fix: 'reference a Secret that is not in Git instead',
    }));
  }
  if (PRIVATE_KEY.test(yaml)) {
    problems.push(formatViolation(tree.where, {
      resource, field: '(content)', value: '<redacted>', rule: 'contains a private key', fix: 'remove key material; mount it from a Secret that is not in Git',
    }));
  }
  return problems;
}


/** Problems of the objects as they would be written: two objects on one path, and {@link outputProblems}. */
export function laidOutProblems(objects: readonly LaidOutObject[]): string[] {
  const problems: string[] = [];
  for (const { tree, manifest, path, yaml } of objects) {
    if (yaml === undefined) {
      problems.push(formatViolation(tree.where, {
        resource: `${manifest.kind} "${manifest.metadata.name}"`, field: 'metadata.name', value: manifest.metadata.name,
        rule: `is defined twice (both would be written to dist/${path})`, fix: 'rename one of them',
      }));
      continue;
    }
    problems.push(...outputProblems(tree, manifest, yaml));
    if (tree.clusterTree && !manifest.metadata?.annotations?.['argocd.argoproj.io/hook'] && !syncWaveOf(manifest.kind)) {
      // Only an extension (RenderOptions.extend) adds kinds the table lacks.
      problems.push(formatViolation(tree.where, {
        resource: `${manifest.kind} "${manifest.metadata.name}"`, field: 'kind', value: manifest.kind,
        rule: 'has no Argo CD sync wave (lib/build/sync-waves.ts)', fix: 'add the kind to lib/build/sync-waves.ts with the wave its readiness needs',
      }));
    }
  }
  return problems;
}
