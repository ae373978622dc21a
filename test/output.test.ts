import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { writeTree } from '../lib/synth';
import { diffTree } from '../lib/tree-diff';
import { defaultFiles, manifests } from './helpers/estate';
import { kustomizeBuild } from './helpers/kustomize';
import { describeErrors, loadStrictValidators, sharedSchemasPresent } from './helpers/schemas';
import { cachedCrdDirs } from '../e2e/external-crds';

const files = defaultFiles();
const all = manifests(files);
const treeDirs = [...new Set([...files.keys()].filter((path) => path.endsWith('/kustomization.yaml')).map((path) => path.slice(0, -'/kustomization.yaml'.length)))];

/** The kubernetes-models class of a core kind (kubernetes-models/<apiVersion>/<Kind>), if it is one. */
function coreModel(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  try {
    return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch {
    return undefined;
  }
}

function key(object: any): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

describe('every synthesized object', () => {
  test('validates against the kubernetes-models schema of its core kind', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { path, object } of all) {
      const Model = coreModel(object.apiVersion, object.kind);
      if (!Model) continue;
      checked++;
      try {
        new Model(object).validate();
      } catch (error) {
        failures.push(`${path}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  const strict = sharedSchemasPresent ? test : test.skip;
  if (!sharedSchemasPresent) {
    console.warn('SKIPPED strict schema validation: ../shared/crds and ../shared/schemas are not beside the project');
  }
  // No CRD of these is pinned in ../shared: the Flux notification kinds are validated with
  // @kubernetes-models/flux-cd and ExternalSecret field by field, in test/gitops-engines.test.ts;
  // ValidatingAdmissionPolicy v1 (Kubernetes 1.30) against the pinned v1beta1 schema, in test/admission.test.ts.
  const validatedElsewhere = new Set([
    'notification.toolkit.fluxcd.io/v1beta3/Provider', 'notification.toolkit.fluxcd.io/v1beta3/Alert', 'external-secrets.io/v1/ExternalSecret',
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding',
  ]);
  // Gateway API and cert-manager CRDs come from the Go module cache (e2e/external-crds.ts pins them; the
  // e2e downloads them). Without them in the cache those kinds are left out, and the test says so.
  const external = cachedCrdDirs();
  const EXTERNAL_GROUPS = ['gateway.networking.k8s.io/', 'cert-manager.io/'];
  if (external.missing.length > 0) {
    console.warn(`SKIPPED strict schema validation of Gateway API and cert-manager objects: ${external.missing.join(', ')} not in the Go module cache (npm run e2e downloads them)`);
  }
  strict('validates strictly (unknown fields rejected) against the pinned Kubernetes 1.28 and CRD schemas', () => {
    const validatorFor = loadStrictValidators(external.dirs);
    const failures: string[] = [];
    for (const { path, object } of all) {
      const validate = validatorFor(object.apiVersion, object.kind);
      if (!validate && validatedElsewhere.has(`${object.apiVersion}/${object.kind}`)) continue;
      if (!validate && external.missing.length > 0 && EXTERNAL_GROUPS.some((group) => object.apiVersion.startsWith(group))) continue;
      if (!validate) {
        failures.push(`${path}: no schema for ${object.apiVersion} ${object.kind}`);
        continue;
      }
      if (!validate(object)) failures.push(`${path}: ${describeErrors(validate)}`);
    }
    expect(failures).toEqual([]);

    // The same validators must refuse what the API server would prune or reject.
    const statefulSet = all.find(({ object }) => object.kind === 'StatefulSet')!.object;
    const identity = all.find(({ object }) => object.kind === 'ClusterSPIFFEID')!.object;
    const withUnknown = (object: any, spec: object) => ({ ...object, spec: { ...object.spec, ...spec } });
    expect(validatorFor('apps/v1', 'StatefulSet')!(withUnknown(statefulSet, { replica: 2 }))).toBe(false);
    expect(validatorFor('spire.spiffe.io/v1alpha1', 'ClusterSPIFFEID')!(withUnknown(identity, { spiffeIdTemplate: 'x' }))).toBe(false);
    expect(validatorFor('spire.spiffe.io/v1alpha1', 'ClusterSPIFFEID')!(withUnknown(identity, { ttl: 3600 }))).toBe(false);
  });

  test('carries the app.kubernetes.io labels, name, instance, component, part-of and managed-by', () => {
    const keys = ['name', 'instance', 'component', 'part-of', 'managed-by'].map((key) => `app.kubernetes.io/${key}`);
    for (const { path, object } of all) {
      const missing = keys.filter((key) => !object.metadata.labels?.[key]);
      expect({ path, missing }).toEqual({ path, missing: [] });
    }
  });

  test('is written once per file, named after its kind, namespace and name', () => {
    for (const { path, object } of all) {
      const clusterTree = !path.startsWith('argocd') && !path.startsWith('flux');
      const namespace = object.metadata.namespace && clusterTree ? `${object.metadata.namespace}/` : '';
      expect(path.endsWith(`/${namespace}${object.kind.toLowerCase()}-${object.metadata.name}.yaml`)).toBe(true);
    }
  });
});

describe('each cluster tree', () => {
  test.each(treeDirs)('%s: kustomization.yaml lists exactly its files, sorted', (dir) => {
    const kustomization = parse(files.get(`${dir}/kustomization.yaml`)!);
    const own = [...files.keys()]
      .filter((path) => path.startsWith(`${dir}/`) && !path.endsWith('/kustomization.yaml'))
      .map((path) => path.slice(dir.length + 1))
      .filter((path) => !treeDirs.some((other) => other.startsWith(`${dir}/`) && `${dir}/${path}`.startsWith(`${other}/`)));
    expect(Object.keys(kustomization).sort()).toEqual(['apiVersion', 'kind', 'resources']);
    const elsewhere = kustomization.resources.filter((resource: string) => resource.startsWith('../'));
    expect(kustomization.resources.filter((resource: string) => !resource.startsWith('../'))).toEqual([...own].sort());
    expect(kustomization.resources).toEqual([...kustomization.resources].sort());
    // Files of another tree: only Flux builds them (Argo CD's kustomize keeps to the directory), and each exists.
    if (elsewhere.length > 0) expect(dir).toMatch(/^flux\//);
    for (const resource of elsewhere) expect(files.has(posix.join(dir, resource))).toBe(true);
  });

  describe('built with a real kustomize (kubectl kustomize, v5)', () => {
    let outdir: string;
    beforeAll(() => {
      outdir = mkdtempSync(join(tmpdir(), 'spire-gitops-'));
      writeTree(files, join(outdir, 'dist'));
    });
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    test.each(treeDirs)('%s builds into exactly the synthesized objects', (dir) => {
      const elsewhere = (parse(files.get(`${dir}/kustomization.yaml`)!).resources as string[]).filter((resource) => resource.startsWith('../')).map((resource) => posix.join(dir, resource));
      const built = parseAllDocuments(kustomizeBuild(join(outdir, 'dist', dir), { anywhere: elsewhere.length > 0 })).map((document) => document.toJS());
      const expected = all.filter(({ path }) => elsewhere.includes(path)
        || (path.startsWith(`${dir}/`) && !treeDirs.some((other) => other !== dir && other.startsWith(`${dir}/`) && path.startsWith(`${other}/`))))
        .map(({ object }) => object);
      const byKey = (objects: any[]) => new Map(objects.map((object) => [key(object), object]));
      expect(byKey(built)).toEqual(byKey(expected));
    });
  });
});

describe('the output', () => {
  test('is byte-identical across processes, time zones and locales', () => {
    const script = `
      const { renderEstate } = require('./lib/synth');
      const { DEFAULT_ESTATE } = require('./lib/config/estate');
      const files = renderEstate(DEFAULT_ESTATE);
      const hash = require('node:crypto').createHash('sha256');
      for (const [path, content] of files) hash.update(path + '\\0' + content + '\\0');
      process.stdout.write(hash.digest('hex'));`;
    const run = (env: Record<string, string>, preload: string[] = []) => execFileSync(
      process.execPath, [...preload.flatMap((module) => ['-r', module]), '-r', require.resolve('../scripts/register-ts'), '-e', script],
      { cwd: join(__dirname, '..'), env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    const first = run({ TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
    // Another zone and locale, and locale-dependent APIs and the clock perturbed (see the helper).
    const second = run({ TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }, [require.resolve('./helpers/perturb-locale-and-clock.js')]);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  test('matches the committed dist/ (run `npm run synth` after changing the code)', () => {
    // The same comparison as `spire-gitops synth --check`, the gate CI runs.
    expect(diffTree(files, join(__dirname, '..', 'dist'))).toEqual({ added: [], changed: [], removed: [] });
  });

  test('contains no secret material and no Secret objects', () => {
    for (const { path, object } of all) {
      expect({ path, kind: object.kind }).not.toEqual({ path, kind: 'Secret' });
    }
    for (const [path, content] of files) {
      expect({ path, key: /PRIVATE KEY-----/.test(content) }).toEqual({ path, key: false });
    }
  });
});
