import { DEFAULT_ESTATE } from '../lib/config/estate';
import { defaultFiles, find, manifests } from './helpers/estate';

/*
 * Delivery faults found by reading Argo CD v3.5 and Flux v2 against the committed output: each test
 * states what the controllers would do with it.
 */
const files = defaultFiles();
const all = manifests(files);
const argo = all.filter(({ path }) => path.startsWith('argocd/')).map(({ object }) => object);
const applications = argo.filter((object) => object.kind === 'Application');
const project = find(files, 'argocd/appproject-spire.yaml');
const root = find(files, 'argocd-bootstrap/application-spire-root.yaml');
const syncOptionsOf = (object: any): string[] => (object.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').filter(Boolean);

describe('the root app-of-apps', () => {
  test('GIVEN a cluster without the prometheus-operator CRDs THEN no kind in dist/argocd fails the dry run', () => {
    // Argo CD dry-runs every object before it applies any; an unknown kind fails the whole sync unless the
    // object opts out (SkipDryRunOnMissingResource). Argo CD's own kinds are there by installation.
    for (const object of argo.filter((candidate) => !candidate.apiVersion.startsWith('argoproj.io/'))) {
      expect({ name: object.metadata.name, options: syncOptionsOf(object) })
        .toEqual({ name: object.metadata.name, options: expect.arrayContaining(['SkipDryRunOnMissingResource=true']) });
    }
  });

  test('deleting the root orphans its children instead of cascading through the estate', () => {
    expect(root.metadata.finalizers).toBeUndefined();
  });

  test('the root prunes what leaves dist/argocd, so a removed Application stops syncing', () => {
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('the AppProject is applied in a lower wave than the Applications that use it; Applications carry no inert waves', () => {
    expect(Number(project.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(0);
    for (const application of applications) expect(application.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    const bootstrapProject = find(files, 'argocd-bootstrap/appproject-spire-bootstrap.yaml');
    expect(Number(bootstrapProject.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(0);
  });
});

describe('each cluster Application', () => {
  const argoClusters = DEFAULT_ESTATE.environments.filter((env) => env.gitops.engines.includes('argocd'))
    .flatMap((env) => env.clusters.map((cluster) => ({ env, cluster })));

  test('installs the CRDs and the tree in one sync (multi-source), CRDs in an earlier wave, so no cross-Application health is needed', () => {
    expect(applications.map((application) => application.metadata.name).sort())
      .toEqual(argoClusters.map(({ env, cluster }) => `spire-${env.name}-${cluster.name}`).sort());
    for (const { env, cluster } of argoClusters) {
      const application = find(files, `argocd/application-spire-${env.name}-${cluster.name}.yaml`);
      expect(application.spec.source).toBeUndefined();
      const [crds, tree] = application.spec.sources;
      expect(crds).toMatchObject({ repoURL: 'https://spiffe.github.io/helm-charts-hardened/', chart: 'spire-crds', targetRevision: '0.6.0' });
      expect(tree).toMatchObject({ repoURL: DEFAULT_ESTATE.repository.url, path: `dist/${env.name}/${cluster.name}` });
      // The chart renders .Values.annotations onto each CRD: an earlier wave than anything in the tree, and
      // never deleted or pruned with the Application (that would delete every ClusterSPIFFEID).
      const annotations = crds.helm.valuesObject.annotations;
      const treeWaves = all.filter(({ path }) => path.startsWith(`${env.name}/${cluster.name}/`))
        .map(({ object }) => Number(object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0));
      expect(Number(annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(Math.min(...treeWaves));
      expect(annotations['argocd.argoproj.io/sync-options'].split(',')).toEqual(expect.arrayContaining(['Delete=false', 'Prune=false']));
    }
  });

  test('a retried sync uses the latest revision, and retries are bounded', () => {
    for (const application of applications) {
      expect(application.spec.syncPolicy.retry).toMatchObject({ limit: 5, refresh: true });
    }
  });

  test('automated environments prune (removing an identity from Git revokes it); the project warns on orphans', () => {
    for (const application of applications.filter((candidate) => candidate.spec.syncPolicy.automated)) {
      expect(application.spec.syncPolicy.automated.prune).toBe(true);
    }
    expect(project.spec.orphanedResources).toEqual({ warn: true });
  });

  test('on-sync-failed and on-health-degraded subscriptions go to the configured service', () => {
    for (const application of applications) {
      const keys = Object.keys(application.metadata.annotations ?? {}).filter((key) => key.startsWith('notifications.argoproj.io/'));
      expect(keys.sort()).toEqual([
        'notifications.argoproj.io/subscribe.on-health-degraded.slack',
        'notifications.argoproj.io/subscribe.on-sync-failed.slack',
      ]);
    }
  });
});

describe('project RBAC under Argo CD v3', () => {
  test('every role that may get applications may also read their logs (enforced since 3.0)', () => {
    for (const role of project.spec.roles) {
      const gets = role.policies.some((policy: string) => /, applications, (get|\*),/.test(policy));
      if (gets) expect(role.policies).toContain(`p, proj:spire:${role.name}, logs, get, spire/*, allow`);
    }
  });

  test('on-call operators may run resource actions (restart) on every Application', () => {
    const operator = project.spec.roles.find((role: any) => role.name === 'operator');
    expect(operator.policies).toContain('p, proj:spire:operator, applications, action/*, spire/*, allow');
  });
});
