import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { renderEstate } from '../lib/synth';
import { defaultFiles, find, manifests } from './helpers/estate';

const files = defaultFiles();
const all = manifests(files);
const applications = all.filter(({ object }) => object.kind === 'Application').map(({ object }) => object);
const project = find(files, 'argocd/appproject-spire.yaml');
const PROMOTED_PRODUCTION_REVISION: string = JSON.parse(readFileSync(join(__dirname, '..', 'promotion', 'revisions.json'), 'utf8')).production.revision;

describe('Argo CD bootstrap', () => {
  test('validates with @kubernetes-models/argo-cd', () => {
    for (const application of applications) expect(() => new Application(application).validate()).not.toThrow();
    for (const { object } of all.filter(({ object }) => object.kind === 'AppProject')) expect(() => new AppProject(object).validate()).not.toThrow();
  });

  test('one Application per cluster: its tree at the environment\'s revision, and the CRD chart in the same sync', () => {
    for (const env of DEFAULT_ESTATE.environments.filter((candidate) => candidate.gitops.engines.includes('argocd'))) {
      for (const cluster of env.clusters) {
        const application = find(files, `argocd/application-spire-${env.name}-${cluster.name}.yaml`);
        expect(application.spec.destination).toEqual({ server: cluster.apiServer, namespace: 'spire-server' });
        expect(application.spec.sources[0]).toMatchObject({ repoURL: 'https://spiffe.github.io/helm-charts-hardened/', chart: 'spire-crds', targetRevision: '0.6.0' });
        // Staging follows the branch; production the commit promotion/revisions.json records.
        const revision = env.name === 'production' ? PROMOTED_PRODUCTION_REVISION : 'main';
        expect(application.spec.sources[1]).toEqual({ repoURL: 'https://git.acme.example/platform/spire-gitops.git', path: `dist/${env.name}/${cluster.name}`, targetRevision: revision });
      }
    }
    expect([...files.keys()].filter((path) => path.startsWith('argocd/application-spire-crds-'))).toEqual([]);
  });

  test('every Application path exists in dist/ and has a kustomization', () => {
    const paths = applications.flatMap((application) => [application.spec.source, ...(application.spec.sources ?? [])])
      .filter((source) => source?.path).map((source) => source.path);
    const argoClusters = DEFAULT_ESTATE.environments.filter((env) => env.gitops.engines.includes('argocd')).flatMap((env) => env.clusters);
    expect(paths.length).toBe(argoClusters.length + 1); // one per cluster, and the root over dist/argocd
    for (const path of paths) {
      expect(path).toMatch(/^dist\//);
      expect(files.has(`${path.slice('dist/'.length)}/kustomization.yaml`)).toBe(true);
    }
  });

  test('every kind in every tree is admitted by the project, at the right scope', () => {
    const clusterKinds = new Set(project.spec.clusterResourceWhitelist.map((entry: any) => `${entry.group}/${entry.kind}`));
    const namespaceKinds = new Set(project.spec.namespaceResourceWhitelist.map((entry: any) => `${entry.group}/${entry.kind}`));
    const argoEnvironments = DEFAULT_ESTATE.environments.filter((env) => env.gitops.engines.includes('argocd')).map((env) => env.name);
    const trees = all.filter(({ path }) => argoEnvironments.includes(path.split('/')[0]));
    expect(trees.length).toBeGreaterThan(100);
    for (const { path, object } of trees) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
      const admitted = object.metadata.namespace ? namespaceKinds : clusterKinds;
      expect({ path, admitted: admitted.has(`${group}/${object.kind}`) }).toEqual({ path, admitted: true });
      if (object.metadata.namespace) {
        const cluster = DEFAULT_ESTATE.environments.flatMap((env) => env.clusters).find((candidate) => path.split('/')[1] === candidate.name)!;
        expect(project.spec.destinations).toContainEqual({ server: cluster.apiServer, namespace: object.metadata.namespace });
      }
    }
  });

  test('sync policy per environment: development and staging prune and self-heal, production is manual', () => {
    const policy = (name: string) => find(files, `argocd/application-${name}.yaml`).spec.syncPolicy;
    // Development is on Flux in the default estate; put it on Argo CD to see its sync policy.
    const withDevOnArgo = renderEstate({
      ...DEFAULT_ESTATE,
      environments: DEFAULT_ESTATE.environments.map((env) => env.name === 'development' ? { ...env, gitops: { ...env.gitops, engines: ['argocd'] } } : env),
    });
    expect(find(withDevOnArgo, 'argocd/application-spire-development-dev-euw1.yaml').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(files.has('argocd/application-spire-development-dev-euw1.yaml')).toBe(false);
    expect(policy('spire-staging-stg-euw1').automated).toEqual({ prune: true, selfHeal: true });
    for (const name of ['spire-production-prod-euw1', 'spire-production-prod-use1']) {
      expect(policy(name)).not.toHaveProperty('automated');
      expect(policy(name).retry.limit).toBe(5);
    }
  });

  test('the webhook caBundle the manager patches is ignored, and honoured during sync', () => {
    const tree = find(files, 'argocd/application-spire-production-prod-euw1.yaml');
    expect(tree.spec.ignoreDifferences).toEqual([{
      group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'spire-controller-manager-webhook',
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    }]);
    expect(tree.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test('project roles use policies Argo CD accepts; operators cannot sync production', () => {
    for (const role of project.spec.roles) {
      for (const policy of role.policies) {
        expect(policy).toMatch(new RegExp(`^p, proj:spire:${role.name}, (applications, (get|sync|\\*|action/\\*)|logs, get), spire/[a-z0-9*-]+, allow$`));
      }
    }
    const operator = project.spec.roles.find((role: any) => role.name === 'operator');
    expect(operator.policies.filter((policy: string) => policy.includes('production'))).toEqual([]);
    expect(project.spec.syncWindows.map((window: any) => window.kind)).toEqual(['allow', 'deny']);
  });

  test('sync waves inside a tree: namespaces, then config and RBAC, server, identities and agents, then workloads', () => {
    const wave = (path: string) => Number(find(files, `production/prod-euw1/${path}`).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('namespace-spire-server.yaml')).toBeLessThan(wave('spire-server/configmap-spire-server.yaml'));
    expect(wave('spire-server/configmap-spire-server.yaml')).toBeLessThan(wave('spire-server/statefulset-spire-server.yaml'));
    expect(wave('spire-server/statefulset-spire-server.yaml')).toBeLessThan(wave('spire-system/daemonset-spire-agent.yaml'));
    expect(wave('spire-server/statefulset-spire-server.yaml')).toBeLessThan(wave('clusterspiffeid-web-frontend.yaml'));
    expect(find(files, 'production/prod-euw1/clusterspiffeid-web-frontend.yaml').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('hooks: PreSync validates the exact server.conf with spire-server validate; PostSync checks readiness', () => {
    const job = find(files, 'staging/stg-euw1/spire-server/job-spire-server-validate.yaml');
    const config = find(files, 'staging/stg-euw1/spire-server/configmap-spire-server-validate.yaml');
    const serverConf = find(files, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'];
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect(job.spec.template.spec.containers[0].command).toEqual(['/opt/spire/bin/spire-server']);
    expect(job.spec.template.spec.containers[0].args).toEqual(['validate', '-config', '/run/spire/validate/server.conf']);
    expect(config.data['server.conf']).toBe(serverConf);
    const check = find(files, 'staging/stg-euw1/spire-server/job-spire-server-health-check.yaml');
    expect(check.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(check.spec.template.spec.containers[0].args[1]).toContain('http://spire-server.spire-server.svc:8080/ready');
    for (const hook of [job, check]) {
      expect(hook.spec.template.spec.containers[0].resources.limits).toBeDefined();
      expect(hook.spec.template.spec.containers[0].securityContext.runAsNonRoot).toBe(true);
    }
  });

  test('snapshot of one cluster Application: production prod-euw1', () => {
    // The commit production deploys is promotion state (promotion/revisions.json), not the shape of the
    // Application: a promotion changes that file and dist/, and must not need a snapshot update too.
    const { revision } = JSON.parse(readFileSync(join(__dirname, '..', 'promotion', 'revisions.json'), 'utf8')).production;
    const text = files.get('argocd/application-spire-production-prod-euw1.yaml')!;
    expect(text).toContain(revision);
    expect(text.split(revision).join('<promoted production revision>')).toMatchSnapshot();
  });

  test('snapshot of the AppProject\'s roles and sync windows', () => {
    expect({ roles: project.spec.roles, syncWindows: project.spec.syncWindows }).toMatchSnapshot();
  });
});
