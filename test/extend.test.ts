import { k8s } from 'cdk8s-plus-28';
import { ClusterExtension, renderEstate } from '../lib/synth';
import { defaultEstate, find, problemsOf } from './helpers/estate';

/*
 * The typed extension point: a function given each cluster chart adds what the estate's data cannot say,
 * and what it adds goes through the same output checks into the same tree.
 */

describe('extend', () => {
  test('an object added by extend reaches its cluster\'s tree, kustomization and sync waves', () => {
    const seen: string[] = [];
    const extend: ClusterExtension = (chart, { environment, cluster, server }) => {
      seen.push(`${environment.name}/${cluster.name}`);
      new k8s.KubeConfigMap(chart, 'Contacts', {
        metadata: { name: 'spire-contacts', namespace: server.namespace },
        data: { oncall: `${environment.name}-oncall@acme.example` },
      });
    };
    const files = renderEstate(defaultEstate, { extend });
    expect(seen).toEqual(['development/dev-euw1', 'staging/stg-euw1', 'production/prod-euw1', 'production/prod-use1']);
    const configMap = find(files, 'production/prod-use1/spire-server/configmap-spire-contacts.yaml');
    expect(configMap.data).toEqual({ oncall: 'production-oncall@acme.example' });
    expect(configMap.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeDefined();
    expect(find(files, 'production/prod-use1/kustomization.yaml').resources).toContain('spire-server/configmap-spire-contacts.yaml');
  });

  test('fails when extend adds a Secret with data: the same output checks refuse it', () => {
    const extend: ClusterExtension = (chart, { server }) => {
      new k8s.KubeSecret(chart, 'Leak', { metadata: { name: 'leak', namespace: server.namespace }, stringData: { token: 'x' } });
    };
    expect(problemsOf(defaultEstate, { extend })).toContain(
      'development/dev-euw1: Secret "leak" data: secret material must never be written to dist/, got "<redacted>"; fix: reference an existing Secret (created out of band, or by External Secrets/SOPS) instead',
    );
  });

  test('fails with a named problem when extend adds a kind that has no sync wave', () => {
    const extend: ClusterExtension = (chart, { server }) => {
      new k8s.KubeLimitRange(chart, 'LimitRange', { metadata: { name: 'limits', namespace: server.namespace }, spec: { limits: [] } });
    };
    expect(problemsOf(defaultEstate, { extend })).toContain(
      'staging/stg-euw1: LimitRange "limits" kind: has no Argo CD sync wave (lib/build/sync-waves.ts), got "LimitRange"; fix: add the kind to lib/build/sync-waves.ts with the wave its readiness needs',
    );
  });

  test('without extend the trees hold no extra object', () => {
    const files = renderEstate(defaultEstate);
    expect([...files.keys()].filter((path) => path.includes('spire-contacts'))).toEqual([]);
  });
});
