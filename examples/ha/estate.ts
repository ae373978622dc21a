import { environment } from '../../lib/config/presets';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * Topology `ha`: two clusters in two regions, one trust domain, one root of trust. Both clusters' servers
 * (two replicas each) share one PostgreSQL database, so they publish one bundle that carries every
 * server's signing key, and an SVID one of them signs verifies with the bundle any of them serves.
 */

const database = {
  type: 'postgres' as const,
  host: 'spire-db.example.org',
  port: 5432,
  database: 'spire',
  user: 'spire',
  passwordSecret: { name: 'spire-server-db', key: 'password' },
  sslMode: 'verify-full' as const,
  caConfigMap: 'spire-server-db-ca',
  maxOpenConns: 20,
  maxIdleConns: 5,
};

export const estate: EstateConfig = {
  repository: { url: 'https://git.example.org/platform/spire.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example:platform-admins'], operator: ['example:platform-oncall'], viewer: ['example:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [
    environment({
      name: 'production',
      preset: 'production',
      trustDomain: 'prod.example.org',
      topology: { type: 'ha' },
      clusters: [
        { name: 'prod-a', region: 'region-a', apiServer: 'https://prod-a.k8s.example.org' },
        { name: 'prod-b', region: 'region-b', apiServer: 'https://prod-b.k8s.example.org' },
      ],
      server: {
        replicas: 2,
        caSubject: { country: 'US', organization: 'Example', commonName: 'Example SPIRE CA' },
        datastore: database,
      },
      // The database password Secret and CA ConfigMap are created before the first sync.
      gitops: { secretDelivery: { type: 'prerequisite' } },
      identities: [{
        name: 'checkout',
        spiffeIDTemplate: namespaceServiceAccountId(),
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
        workloadSelectorTemplates: ['k8s:sa:checkout'],
        ttl: '1h',
        admin: false,
      }],
    }),
  ],
};
