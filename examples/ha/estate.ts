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
  // Connections are renewed hourly, so they move to the primary that comes back after a failover.
  connMaxLifetime: '1h',
  // Reads that tolerate a little staleness go to a replica, as a role that may only SELECT.
  readReplica: {
    host: 'spire-db-ro.example.org',
    user: 'spire_ro',
    passwordSecret: { name: 'spire-server-db-ro', key: 'password' },
  },
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
        // Agents renew their own SVIDs every few hours rather than hourly: less load on the shared database.
        agentTtl: '4h',
        // One JSON line per API call (production logs JSON), for the audit trail of who changed which entry.
        auditLog: true,
        // SPIRE's defaults, stated: both servers' APIs stay rate limited per caller.
        rateLimit: { attestation: true, signing: true },
        // Nodes gone for a week leave the database (k8s_psat agents attest again if they come back).
        pruneAttestedNodes: { expiredFor: '168h' },
        // Ten seconds of cached agent state spare the shared database a read on every agent call.
        maxAttestedNodeInfoStaleness: '10s',
        // Distinct certificate subjects for software that keys on the subject DN.
        credentialComposers: [{ type: 'uniqueid' }],
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
