import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { defaultFiles, environment, find, manifests } from './helpers/estate';
import { CASCADE_FINALIZER } from '../lib/gitops/argocd-application';
import { CRD_DIR, describeErrors, loadStrictValidators, sharedSchemasPresent } from './helpers/schemas';

const files = defaultFiles();
const all = manifests(files);
const options = (object: any): string[] => (object.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').filter(Boolean);

function withGitops(name: string, gitops: Partial<EnvironmentConfig['gitops']>, estate: EstateConfig = DEFAULT_ESTATE): EstateConfig {
  return { ...estate, environments: estate.environments.map((env) => env.name === name ? { ...env, gitops: { ...env.gitops, ...gitops } } : env) };
}

describe('one engine per environment, and a defined handover between them', () => {
  test('fails when an environment names two engines', () => {
    expect(() => renderEstate(withGitops('staging', { engines: ['argocd', 'flux'] })))
      .toThrow(/staging: environment "staging" gitops.engines: two engines would apply and prune the same objects, got \["argocd","flux"\]; fix: keep one; to move between them use gitops.handover/);
  });

  test('fails when the handover starts from the engine the environment is already on', () => {
    expect(() => renderEstate(withGitops('staging', { handover: { from: 'argocd', phase: 'orphan' } }))).toThrow(/gitops.handover.from: must be the engine the environment leaves/);
  });

  /**
   * What each engine would do with the staging objects at one step: who applies them, and whether
   * removing the engine's objects at the next step deletes what they applied.
   */
  function engines(rendered: ReadonlyMap<string, string>) {
    const application = rendered.get('argocd/application-spire-staging-stg-euw1.yaml') && find(rendered, 'argocd/application-spire-staging-stg-euw1.yaml');
    const kustomizationPath = 'flux/staging/stg-euw1/kustomization-spire.yaml';
    const kustomization = rendered.get(kustomizationPath) && find(rendered, kustomizationPath);
    const fluxDir = rendered.get('flux/staging/stg-euw1/kustomization.yaml');
    return {
      argocd: application ? {
        applies: application.spec.syncPolicy.automated !== undefined,
        cascadesOnRemoval: (application.metadata.finalizers ?? []).includes(CASCADE_FINALIZER),
      } : undefined,
      flux: kustomization ? {
        applies: !kustomization.spec.suspend,
        cascadesOnRemoval: kustomization.spec.prune && kustomization.spec.deletionPolicy !== 'Orphan',
      } : undefined,
      // An empty directory still exists for the root Kustomization, so it prunes rather than failing.
      fluxDirectoryKept: fluxDir !== undefined,
    };
  }

  test.each([
    ['argocd', 'flux'],
    ['flux', 'argocd'],
  ] as const)('%s to %s: orphan, then adopt; never two engines applying, never a cascading delete', (from, to) => {
    const start = withGitops('staging', { engines: [from] });
    const steps = [
      start,
      withGitops('staging', { engines: [to], handover: { from, phase: 'orphan' } }),
      withGitops('staging', { engines: [to], handover: { from, phase: 'adopt' } }),
      withGitops('staging', { engines: [to] }),
    ].map((estate) => engines(renderEstate(estate)));

    for (const step of steps) expect([step.argocd?.applies, step.flux?.applies].filter(Boolean).length).toBeLessThanOrEqual(1);
    // The old engine goes away only after a step in which its removal deletes nothing.
    for (let i = 1; i < steps.length; i++) {
      for (const engine of ['argocd', 'flux'] as const) {
        if (steps[i - 1][engine] && !steps[i][engine]) expect({ step: i, engine, cascades: steps[i - 1][engine]!.cascadesOnRemoval }).toEqual({ step: i, engine, cascades: false });
      }
    }
    expect(steps[0][from]?.applies).toBe(true);
    expect(steps[1][from]).toMatchObject({ applies: from === 'flux', cascadesOnRemoval: false });
    expect(steps[1][to]).toBeUndefined();
    expect(steps[2][to]?.applies).toBe(true);
    expect(steps[3][to]?.applies).toBe(true);
    if (from === 'flux') {
      // The Flux root Kustomization keeps its path and prunes the orphaning Kustomizations.
      expect(steps[2].fluxDirectoryKept).toBe(true);
      expect(find(renderEstate(withGitops('staging', { engines: [to], handover: { from, phase: 'adopt' } })), 'flux-bootstrap/staging/stg-euw1/kustomization-spire-root.yaml').spec.prune).toBe(true);
    } else {
      // The Argo CD root prunes the Application, which has no finalizer any more.
      expect(find(renderEstate(start), 'argocd-bootstrap/application-spire-root.yaml').spec.syncPolicy.automated.prune).toBe(true);
    }
  });
});

describe('what holds state is never deleted or pruned by either engine', () => {
  const trees = all.filter(({ path }) => /^(development|staging|production)\//.test(path));

  test('namespaces, StatefulSets with volume claims and the delivered database credentials carry Delete=false, Prune=false and Flux prune disabled', () => {
    const stateful = trees.filter(({ object }) => object.kind === 'Namespace'
      || (object.kind === 'StatefulSet' && object.spec.volumeClaimTemplates?.length)
      || object.kind === 'ExternalSecret');
    expect(stateful.filter(({ object }) => object.kind === 'StatefulSet').length).toBe(4);
    expect(stateful.filter(({ object }) => object.kind === 'ExternalSecret').length).toBe(4);
    for (const { path, object } of stateful) {
      expect({ path, options: options(object) }).toEqual({ path, options: expect.arrayContaining(['Delete=false', 'Prune=false']) });
      expect(object.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    }
  });

  test('stateless objects are still pruned, so removing an identity from Git revokes it', () => {
    for (const { object } of trees.filter(({ object }) => ['ClusterSPIFFEID', 'DaemonSet', 'Deployment', 'ConfigMap'].includes(object.kind))) {
      expect(options(object)).not.toContain('Prune=false');
      expect(object.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
    }
  });
});

describe('Flux', () => {
  const flux = all.filter(({ path }) => path.startsWith('flux/development/dev-euw1/')).map(({ object }) => object);
  const tree = all.filter(({ path }) => path.startsWith('development/dev-euw1/')).map(({ object }) => object);

  test('is bootstrapped outside dist/: the root Kustomization is rendered for a path the synth never touches to hold', () => {
    const root = find(files, 'flux-bootstrap/development/dev-euw1/kustomization-spire-root.yaml');
    expect(root.spec).toMatchObject({ path: './dist/flux/development/dev-euw1', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
  });

  test('every Kustomization of dist/flux impersonates a ServiceAccount that dist/flux creates', () => {
    const kustomizations = flux.filter((object) => object.kind === 'Kustomization');
    expect(kustomizations.length).toBeGreaterThan(1);
    const accounts = new Set(flux.filter((object) => object.kind === 'ServiceAccount').map((object) => object.metadata.name));
    for (const kustomization of kustomizations) expect(accounts.has(kustomization.spec.serviceAccountName)).toBe(true);
    const release = find(files, 'flux/development/dev-euw1/crds/helmrelease-spire-crds.yaml');
    expect(accounts.has(release.spec.serviceAccountName)).toBe(true);
  });

  test('least privilege: the tree\'s account manages exactly the kinds of the tree, with no wildcard', () => {
    const role = flux.find((object) => object.kind === 'ClusterRole' && object.metadata.name === 'spire-gitops-applier');
    const plurals: Record<string, string> = {
      ConfigMap: 'configmaps', Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', Service: 'services', StatefulSet: 'statefulsets',
      DaemonSet: 'daemonsets', Deployment: 'deployments', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles',
      RoleBinding: 'rolebindings', CSIDriver: 'csidrivers', ValidatingWebhookConfiguration: 'validatingwebhookconfigurations', Job: 'jobs',
      NetworkPolicy: 'networkpolicies', PodDisruptionBudget: 'poddisruptionbudgets',
      ValidatingAdmissionPolicy: 'validatingadmissionpolicies', ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
    };
    // The SPIRE kinds' plurals come from their pinned CRDs.
    if (existsSync(join(CRD_DIR, 'spire'))) {
      for (const file of readdirSync(join(CRD_DIR, 'spire')).filter((name) => name.endsWith('.yaml'))) {
        for (const document of parseAllDocuments(readFileSync(join(CRD_DIR, 'spire', file), 'utf8'))) {
          const crd = document.toJS();
          if (crd?.kind === 'CustomResourceDefinition') plurals[crd.spec.names.kind] = crd.spec.names.plural;
        }
      }
    }
    const granted = tree.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role').flatMap((object) => object.rules);
    const own = role.rules.filter((rule: any) => !granted.some((grant: any) => JSON.stringify(grant) === JSON.stringify(rule)));
    const managed = new Set(own.flatMap((rule: any) => rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}`)));
    const needed = new Set(tree.map((object) => `${object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : ''}/${plurals[object.kind] ?? `unknown plural of ${object.kind}`}`));
    expect([...managed].sort()).toEqual([...needed].sort());
    for (const rule of role.rules) {
      expect(rule.resources).not.toContain('*');
      expect(rule.verbs).not.toContain('*');
      expect(rule.verbs).not.toContain('escalate');
      expect(rule.verbs).not.toContain('bind');
    }
    // Whatever the tree's roles grant, the account holds (Kubernetes refuses to create them otherwise).
    for (const grant of granted) expect(role.rules).toContainEqual(grant);
  });

  test('the CRD HelmRelease sets no crds policy (the chart\'s CRDs are templates) and keeps its CRDs on uninstall', () => {
    const release = find(files, 'flux/development/dev-euw1/crds/helmrelease-spire-crds.yaml');
    expect(release.spec.install).toBeUndefined();
    expect(release.spec.upgrade).toBeUndefined();
    expect(release.spec.values.annotations['helm.sh/resource-policy']).toBe('keep');
  });

  test('errors of every Flux object of the environment reach the configured Provider', () => {
    const alert = find(files, 'flux/development/dev-euw1/alert-spire.yaml');
    const provider = find(files, 'flux/development/dev-euw1/provider-spire-alerts.yaml');
    expect(provider.spec).toEqual({ type: 'slack', channel: 'spire-alerts', secretRef: { name: 'spire-alerts-slack' } });
    expect(alert.spec.providerRef).toEqual({ name: provider.metadata.name });
    expect(alert.spec.eventSeverity).toBe('error');
    const sources = all.filter(({ path }) => path.startsWith('flux/development/dev-euw1/') && /fluxcd\.io/.test(path) === false)
      .map(({ object }) => object).filter((object) => ['GitRepository', 'Kustomization', 'HelmRepository', 'HelmRelease'].includes(object.kind));
    expect(alert.spec.eventSources.map((source: any) => `${source.kind}/${source.name}`).sort())
      .toEqual(sources.map((object) => `${object.kind}/${object.metadata.name}`).sort());
  });
});

/** Secrets and ConfigMaps a pod spec reads. */
function podReferences(object: any): string[] {
  const pod = object.spec?.template?.spec;
  if (!pod) return [];
  const refs: string[] = [];
  for (const volume of pod.volumes ?? []) {
    if (volume.configMap) refs.push(`ConfigMap/${volume.configMap.name}`);
    if (volume.secret) refs.push(`Secret/${volume.secret.secretName}`);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) refs.push(`ConfigMap/${source.configMap.name}`);
      if (source.secret) refs.push(`Secret/${source.secret.name}`);
    }
  }
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.secretKeyRef) refs.push(`Secret/${env.valueFrom.secretKeyRef.name}`);
      if (env.valueFrom?.configMapKeyRef) refs.push(`ConfigMap/${env.valueFrom.configMapKeyRef.name}`);
    }
  }
  return refs;
}

describe('secrets are delivered from Git, never in plaintext', () => {
  test.each(['staging/stg-euw1', 'production/prod-euw1', 'production/prod-use1', 'development/dev-euw1'])(
    '%s: every Secret and ConfigMap a pod reads is rendered, delivered by an ExternalSecret or a cert-manager Certificate, or published by the server at runtime', (dir) => {
      const objects = all.filter(({ path }) => path.startsWith(`${dir}/`)).map(({ object }) => object);
      const rendered = new Set(objects.filter((object) => object.kind === 'ConfigMap' || object.kind === 'Secret').map((object) => `${object.kind}/${object.metadata.name}`));
      const delivered = new Set(objects.filter((object) => object.kind === 'ExternalSecret')
        .map((object) => `${object.spec.target.manifest?.kind ?? 'Secret'}/${object.spec.target.name}`));
      // A Certificate's key pair is made by cert-manager in the cluster, in the Secret it names.
      for (const certificate of objects.filter((object) => object.kind === 'Certificate')) delivered.add(`Secret/${certificate.spec.secretName}`);
      const serverConf = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'spire-server').data['server.conf'];
      const published = new Set([...serverConf.matchAll(/"configmap_name" = "([^"]+)"/g)].map((match) => `ConfigMap/${match[1]}`));
      for (const object of objects) {
        for (const ref of podReferences(object)) {
          expect({ object: object.metadata.name, ref, source: rendered.has(ref) || delivered.has(ref) || published.has(ref) })
            .toEqual({ object: object.metadata.name, ref, source: true });
        }
      }
    });

  test('production\'s ExternalSecrets are Ready before the PreSync hook that reads them runs, and never delete their target', () => {
    const externalSecrets = all.filter(({ path, object }) => path.startsWith('production/prod-euw1/') && object.kind === 'ExternalSecret').map(({ object }) => object);
    const job = find(files, 'production/prod-euw1/spire-server/job-spire-server-validate.yaml');
    expect(externalSecrets.map((object) => object.metadata.name).sort()).toEqual(['spire-server-db', 'spire-server-db-ca']);
    for (const externalSecret of externalSecrets) {
      expect(externalSecret.metadata.annotations['argocd.argoproj.io/hook']).toBe(job.metadata.annotations['argocd.argoproj.io/hook']);
      expect(Number(externalSecret.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(Number(job.metadata.annotations['argocd.argoproj.io/sync-wave'] ?? 0));
      expect(externalSecret.spec.target).toMatchObject({ creationPolicy: 'Orphan', deletionPolicy: 'Retain' });
      expect(externalSecret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'platform-vault' });
      expect(externalSecret.spec.data.map((entry: any) => entry.remoteRef.key)).toEqual(['spire/production/prod-euw1/database']);
    }
  });

  test('ExternalSecrets use only the documented external-secrets.io/v1 fields', () => {
    // The fields of ExternalSecretSpec (external-secrets apis/externalsecrets/v1/externalsecret_types.go) used here.
    const allowed: Record<string, string[]> = {
      spec: ['refreshInterval', 'secretStoreRef', 'target', 'data'],
      'spec.secretStoreRef': ['kind', 'name'],
      'spec.target': ['name', 'creationPolicy', 'deletionPolicy', 'manifest'],
      'spec.target.manifest': ['apiVersion', 'kind'],
      'spec.data[]': ['secretKey', 'remoteRef'],
      'spec.data[].remoteRef': ['key', 'property'],
    };
    const externalSecrets = all.filter(({ object }) => object.kind === 'ExternalSecret');
    expect(externalSecrets.length).toBe(4);
    for (const { object } of externalSecrets) {
      const keys = (value: any) => Object.keys(value ?? {});
      expect(keys(object.spec).every((key) => allowed.spec.includes(key))).toBe(true);
      expect(keys(object.spec.secretStoreRef).every((key) => allowed['spec.secretStoreRef'].includes(key))).toBe(true);
      expect(keys(object.spec.target).every((key) => allowed['spec.target'].includes(key))).toBe(true);
      expect(keys(object.spec.target.manifest).every((key) => allowed['spec.target.manifest'].includes(key))).toBe(true);
      for (const entry of object.spec.data) {
        expect(keys(entry).every((key) => allowed['spec.data[]'].includes(key))).toBe(true);
        expect(keys(entry.remoteRef).every((key) => allowed['spec.data[].remoteRef'].includes(key))).toBe(true);
      }
      expect(['Owner', 'Orphan', 'Merge', 'None']).toContain(object.spec.target.creationPolicy);
    }
  });

  test('a Flux environment can take SOPS-encrypted manifests, decrypted by their own Kustomization with a narrow grant', () => {
    const production = environment('production');
    const estate: EstateConfig = {
      ...DEFAULT_ESTATE,
      teams: undefined,
      environments: [{ ...production, gitops: { ...production.gitops, engines: ['flux'], secretDelivery: { type: 'sops', path: 'secrets/production', decryptionSecret: 'sops-age' } } }],
    };
    const rendered = renderEstate(estate);
    const secrets = find(rendered, 'flux/production/prod-euw1/kustomization-spire-secrets.yaml');
    expect(secrets.spec).toMatchObject({
      path: './secrets/production/prod-euw1', prune: false, deletionPolicy: 'Orphan', targetNamespace: 'spire-server',
      decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
    });
    // The tree creates the namespace the secrets go to: neither may wait for the other.
    expect(find(rendered, 'flux/production/prod-euw1/kustomization-spire.yaml').spec.dependsOn).toEqual([{ name: 'spire-crds' }]);
    expect(secrets.spec.dependsOn).toBeUndefined();
    expect(secrets.spec.retryInterval).toBe('1m');
    // The applier may write exactly those two objects besides the tree.
    const applier = find(rendered, 'flux/production/prod-euw1/clusterrole-spire-gitops-applier.yaml');
    const named = applier.rules.filter((rule: any) => rule.resources.includes('secrets'));
    expect(named).toEqual([
      { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'update', 'patch', 'delete'], resourceNames: ['spire-server-db', 'spire-server-db-ca'] },
    ]);
    expect([...rendered.keys()].filter((path) => path.includes('externalsecret'))).toEqual([]);
  });

  test('fails when SOPS is chosen for an environment Argo CD deploys (Argo CD cannot decrypt)', () => {
    expect(() => renderEstate(withGitops('production', { secretDelivery: { type: 'sops', path: 'secrets/production', decryptionSecret: 'sops-age' } })))
      .toThrow(/production: environment "production" gitops.secretDelivery.type: SOPS files are decrypted by Flux/);
  });

  test('fails when a datastore needs a password Secret and the environment does not say how it arrives', () => {
    expect(() => renderEstate(withGitops('production', { secretDelivery: undefined }))).toThrow(/gitops.secretDelivery: the datastore reads a password Secret that nothing delivers/);
    expect(() => renderEstate(withGitops('production', { secretDelivery: { type: 'prerequisite' } }))).not.toThrow();
  });
});

describe('ApplicationSet per environment', () => {
  let rendered: Map<string, string>;
  let set: any;
  beforeAll(() => {
    rendered = renderEstate(withGitops('production', { argoDelivery: 'applicationset' }));
    set = find(rendered, 'argocd/applicationset-spire-production.yaml');
  });

  test('replaces the hand-listed Applications of the environment', () => {
    expect([...rendered.keys()].filter((path) => path.startsWith('argocd/application-spire-production'))).toEqual([]);
    expect(rendered.has('argocd/application-spire-staging-stg-euw1.yaml')).toBe(true);
  });

  test('generates from the cluster Secrets labelled for the environment and syncs one region after the other', () => {
    expect(set.spec.generators).toEqual([{ clusters: { selector: {
      matchLabels: { 'spire-gitops/environment': 'production' },
      matchExpressions: [{ key: 'spire-gitops/cluster', operator: 'In', values: ['prod-euw1', 'prod-use1'] }],
    } } }]);
    expect(set.spec.strategy).toEqual({ type: 'RollingSync', rollingSync: { steps: [
      { matchExpressions: [{ key: 'spire-gitops/region', operator: 'In', values: ['eu-west-1'] }] },
      { matchExpressions: [{ key: 'spire-gitops/region', operator: 'In', values: ['us-east-1'] }] },
    ] } });
    expect(set.spec.template.metadata.labels['spire-gitops/region']).toBe('{{ index .metadata.labels "spire-gitops/region" }}');
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
  });

  test('generates, for each cluster, the Application the hand-listed form would have', () => {
    for (const cluster of environment('production').clusters) {
      const application = find(files, `argocd/application-spire-production-${cluster.name}.yaml`);
      const substitute = (value: any): any => typeof value === 'string'
        ? value.replace('{{ index .metadata.labels "spire-gitops/cluster" }}', cluster.name).replace('{{ .server }}', cluster.apiServer)
        : Array.isArray(value) ? value.map(substitute)
          : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, substitute(inner)])) : value;
      const generated = substitute(set.spec.template);
      expect(generated.spec).toEqual(application.spec);
      expect(generated.metadata.name).toBe(application.metadata.name);
    }
  });

  const strict = sharedSchemasPresent ? test : test.skip;
  strict('validates strictly against the pinned ApplicationSet CRD', () => {
    const validate = loadStrictValidators()('argoproj.io/v1alpha1', 'ApplicationSet')!;
    expect(validate).toBeDefined();
    const ok = validate(set);
    expect(ok ? '' : describeErrors(validate)).toBe('');
  });
});

describe('handover of the last Argo CD environment', () => {
  test('dist/argocd stays, without Applications, so the root prunes them instead of failing on a missing path', () => {
    const onlyFlux: EstateConfig = {
      ...DEFAULT_ESTATE,
      teams: undefined,
      environments: [{ ...environment('staging'), gitops: { ...environment('staging').gitops, engines: ['flux'], handover: { from: 'argocd', phase: 'adopt' } } }],
    };
    const rendered = renderEstate(onlyFlux);
    expect(rendered.has('argocd/kustomization.yaml')).toBe(true);
    expect([...rendered.keys()].filter((path) => path.startsWith('argocd/application-'))).toEqual([]);
    expect(find(rendered, 'argocd-bootstrap/application-spire-root.yaml').spec.syncPolicy.automated.prune).toBe(true);
  });
});
