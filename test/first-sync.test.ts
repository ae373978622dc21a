import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { defaultFiles, manifests } from './helpers/estate';
import { CRD_DIR } from './helpers/schemas';

/*
 * A first sync of each Argo CD Application on an empty cluster, in Argo CD's order: the PreSync hooks by
 * hook wave, then the sync waves, CRDs before the CRs of their kind. An object fails when what it needs at
 * creation does not exist yet: its namespace (CreateNamespace creates only the destination's), the
 * Secrets and ConfigMaps its pods read (rendered before it, or written by an ExternalSecret or a cert-manager Certificate before it),
 * its CRD (in the same sync and an earlier wave, or SkipDryRunOnMissingResource for a prerequisite's).
 */

const WAVE = 'argocd.argoproj.io/sync-wave';
const HOOK = 'argocd.argoproj.io/hook';
const wave = (object: any) => Number(object.metadata.annotations?.[WAVE] ?? 0);

/** The kinds the spire-crds chart installs: the same CRDs as the pinned ones of controller manager. */
function spireCrdKinds(): Set<string> {
  const kinds = new Set<string>(['ControllerManagerConfig']);
  for (const file of readdirSync(join(CRD_DIR, 'spire')).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(join(CRD_DIR, 'spire', file), 'utf8'))) {
      const crd = document.toJS();
      if (crd?.kind === 'CustomResourceDefinition') kinds.add(crd.spec.names.kind);
    }
  }
  return kinds;
}

function podReads(object: any): string[] {
  const pod = object.spec?.template?.spec;
  if (!pod) return [];
  return [
    ...(pod.volumes ?? []).flatMap((volume: any) => [
      ...(volume.configMap ? [`ConfigMap/${volume.configMap.name}`] : []),
      ...(volume.secret ? [`Secret/${volume.secret.secretName}`] : []),
    ]),
    ...[...(pod.initContainers ?? []), ...pod.containers].flatMap((container: any) => (container.env ?? []).flatMap((env: any) => [
      ...(env.valueFrom?.secretKeyRef ? [`Secret/${env.valueFrom.secretKeyRef.name}`] : []),
      ...(env.valueFrom?.configMapKeyRef ? [`ConfigMap/${env.valueFrom.configMapKeyRef.name}`] : []),
    ])),
  ];
}

/** The first object of the Application's first sync that could never be created; undefined when it finishes. */
export function firstSyncFailure(
  files: ReadonlyMap<string, string>, application: any, published: ReadonlySet<string>, prerequisiteNamespaces: readonly string[] = [],
): string | undefined {
  const sources = application.spec.sources ?? [application.spec.source];
  const tree = sources.find((source: any) => source.path);
  const chart = sources.find((source: any) => source.chart === 'spire-crds');
  const dir = tree.path.slice('dist/'.length);
  const objects = manifests(files).filter(({ path }) => path.startsWith(`${dir}/`)).map(({ object }) => object);
  const createNamespace = (application.spec.syncPolicy.syncOptions ?? []).includes('CreateNamespace=true');
  const crdWave = chart ? Number(chart.helm?.valuesObject?.annotations?.[WAVE] ?? 0) : undefined;
  const crdKinds = spireCrdKinds();

  const namespaces = new Set<string>([...prerequisiteNamespaces, ...(createNamespace ? [application.spec.destination.namespace] : [])]);
  const present = new Set<string>(published);
  const hooks = objects.filter((object) => object.metadata.annotations?.[HOOK] === 'PreSync').sort((a, b) => wave(a) - wave(b));
  const synced = objects.filter((object) => !object.metadata.annotations?.[HOOK]).sort((a, b) => wave(a) - wave(b));

  const check = (object: any, phase: string): string | undefined => {
    const name = `${phase} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} (wave ${wave(object)})`;
    if (object.metadata.namespace && !namespaces.has(object.metadata.namespace)) return `${name}: namespace ${object.metadata.namespace} does not exist yet`;
    if (crdKinds.has(object.kind) && !(crdWave !== undefined && crdWave < wave(object))) return `${name}: its CRD is not installed by an earlier wave of this sync`;
    if (object.apiVersion.startsWith('monitoring.coreos.com/') && !(object.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').includes('SkipDryRunOnMissingResource=true')) {
      return `${name}: the dry run fails where the prometheus-operator CRDs are missing`;
    }
    for (const read of podReads(object)) if (!present.has(read)) return `${name}: reads ${read}, which does not exist yet`;
    return undefined;
  };
  const create = (object: any) => {
    if (object.kind === 'Namespace') namespaces.add(object.metadata.name);
    if (object.kind === 'ExternalSecret') present.add(`${object.spec.target.manifest?.kind ?? 'Secret'}/${object.spec.target.name}`);
    // cert-manager writes a Certificate's key pair to its Secret; Argo CD waits for it Ready (the Certificate health check).
    else if (object.kind === 'Certificate') present.add(`Secret/${object.spec.secretName}`);
    else present.add(`${object.kind}/${object.metadata.name}`);
  };
  // Within a hook wave, objects are created together; a hook's pod waits for the wave before it.
  for (const group of [...new Set(hooks.map(wave))].map((w) => hooks.filter((object) => wave(object) === w))) {
    for (const object of group) {
      const failure = check(object, 'PreSync');
      if (failure) return failure;
    }
    group.forEach(create);
  }
  for (const group of [...new Set(synced.map(wave))].map((w) => synced.filter((object) => wave(object) === w))) {
    group.forEach(create);
    for (const object of group) {
      const failure = check(object, 'Sync');
      if (failure) return failure;
    }
  }
  return undefined;
}

/** What the server publishes at runtime (the trust bundle ConfigMap) is there once the server runs. */
function publishedBy(files: ReadonlyMap<string, string>, dir: string): Set<string> {
  const serverConf = manifests(files).find(({ path }) => path === `${dir}/spire-server/configmap-spire-server.yaml`)!.object.data['server.conf'];
  return new Set([...serverConf.matchAll(/"configmap_name" = "([^"]+)"/g)].map((match) => `ConfigMap/${match[1]}`));
}

/** The README's prerequisites: the namespace Grafana's dashboards go to, where monitoring is on. */
function prerequisiteNamespaces(estate: EstateConfig, application: any): string[] {
  const env = estate.environments.find((candidate) => candidate.name === application.metadata.labels['spire-gitops/environment'])!;
  return env.monitoring.enabled ? [env.monitoring.dashboardNamespace] : [];
}

function applicationsOf(files: ReadonlyMap<string, string>): any[] {
  return manifests(files).filter(({ path, object }) => path.startsWith('argocd/') && object.kind === 'Application').map(({ object }) => object)
    .filter((application) => (application.spec.sources ?? [application.spec.source]).some((source: any) => source.path));
}

describe('a first sync on an empty cluster finishes', () => {
  const files = defaultFiles();
  test.each(applicationsOf(files).map((application) => [application.metadata.name, application]))('%s', (_name, application) => {
    const dir = (application.spec.sources ?? [application.spec.source]).find((source: any) => source.path).path.slice('dist/'.length);
    expect(firstSyncFailure(files, application, publishedBy(files, dir), prerequisiteNamespaces(DEFAULT_ESTATE, application))).toBeUndefined();
  });

  test('development, put on Argo CD, too', () => {
    const estate: EstateConfig = {
      ...DEFAULT_ESTATE,
      environments: DEFAULT_ESTATE.environments.map((env) => env.name === 'development' ? { ...env, gitops: { ...env.gitops, engines: ['argocd'] } } : env),
    };
    const rendered = renderEstate(estate);
    const application = applicationsOf(rendered).find((candidate) => candidate.metadata.name === 'spire-development-dev-euw1');
    expect(firstSyncFailure(rendered, application, publishedBy(rendered, 'development/dev-euw1'))).toBeUndefined();
  });

  test('the walk finds an object that could never be created', () => {
    const production = applicationsOf(files).find((candidate) => candidate.metadata.name === 'spire-production-prod-euw1');
    const withoutCrds = { ...production, spec: { ...production.spec, sources: production.spec.sources.filter((source: any) => source.path) } };
    const monitoring = ['monitoring'];
    expect(firstSyncFailure(files, production, publishedBy(files, 'production/prod-euw1'))).toMatch(/namespace monitoring does not exist yet/);
    expect(firstSyncFailure(files, withoutCrds, publishedBy(files, 'production/prod-euw1'), monitoring)).toMatch(/^Sync Cluster\w+ \/[\w.-]+ \(wave -?\d+\): its CRD is not installed by an earlier wave of this sync$/);
    expect(firstSyncFailure(files, production, new Set(), monitoring)).toMatch(/reads ConfigMap\/spire-bundle, which does not exist yet/);
    const prerequisite = renderEstate({ ...DEFAULT_ESTATE, environments: DEFAULT_ESTATE.environments.map((env) => env.name === 'production' ? { ...env, gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' } } } : env) });
    const manual = applicationsOf(prerequisite).find((candidate) => candidate.metadata.name === 'spire-production-prod-euw1');
    expect(firstSyncFailure(prerequisite, manual, publishedBy(prerequisite, 'production/prod-euw1'), monitoring)).toMatch(/^PreSync Job spire-server\/spire-server-validate \(wave 0\): reads Secret\/spire-server-db, which does not exist yet$/);
  });
});
