import { environment } from '../../lib/config/presets';
import { EstateConfig } from '../../lib/config/types';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE on GKE: signing keys in Cloud KMS, the CA signed by Certificate Authority Service, agents attested
 * by their nodes' instance identity tokens (gcp_iit), the servers on a Cloud SQL for PostgreSQL database
 * as a Deployment that a HorizontalPodAutoscaler scales (nothing of theirs is on a volume),
 * the trust bundle also published to a Cloud Storage bucket, and every Google API reached through GKE
 * Workload Identity. Replace the project, key ring, CA pool, bucket, database host and service accounts
 * with yours (examples/gcp/README.md lists them).
 */

const PROJECT = 'example-project';

const gke = environment({
  name: 'production',
  preset: 'staging',
  trustDomain: 'gcp.spire.example.org',
  clusters: [{ name: 'gke-usc1', region: 'us-central1', apiServer: 'https://gke-usc1.k8s.example.org' }],
  server: {
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example SPIRE CA' },
    // Two servers on one Cloud SQL database: one restarts while the other signs. The autoscaler adds up to
    // three more under load; it owns the count, so the Deployment carries none.
    replicas: 2,
    workload: {
      kind: 'Deployment',
      autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 75 },
      // A stopping server finishes the signing requests it holds before the pod is killed.
      terminationGracePeriodSeconds: 60,
    },
    datastore: {
      type: 'postgres',
      // The instance's private IP address or a DNS name for it (Cloud SQL private service access).
      host: 'spire-db.cloudsql.example.org',
      port: 5432,
      database: 'spire',
      user: 'spire',
      passwordSecret: { name: 'spire-server-db', key: 'password' },
      sslMode: 'verify-full',
      caConfigMap: 'spire-server-db-ca',
      maxOpenConns: 20,
      maxIdleConns: 5,
    },
    keyManager: {
      type: 'gcp_kms',
      keyRing: `projects/${PROJECT}/locations/us-central1/keyRings/spire`,
      // Each pod is its own key identifier (its name), so no two servers touch each other's keys and no
      // claim is needed; a new pod creates keys of its own, and those of pods gone are destroyed once stale.
      keyIdentifier: { type: 'podName' },
    },
    upstreamAuthority: {
      type: 'gcp_cas',
      projectName: PROJECT,
      regionName: 'us-central1',
      caPool: 'spire-pool',
      labelKey: 'spire-upstream',
      labelValue: 'gcp-spire-example-org',
    },
    cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: `spire-server@${PROJECT}.iam.gserviceaccount.com` } },
    bundlePublishers: [{ type: 'gcp_cloudstorage', bucketName: 'example-org-spire-bundles', objectName: 'gcp.spire.example.org/bundle.spiffe', format: 'spiffe' }],
  },
  agent: {
    nodeAttestor: { type: 'gcp_iit', projectIdAllowList: [PROJECT] },
    // Entries that ask for it (storeSVID) also get their SVID in Secret Manager. The agents run on the host
    // network, where Workload Identity does not reach: a key file from a Secret in spire-system.
    svidStores: [{ type: 'gcp_secretmanager', serviceAccountSecret: { name: 'spire-agent-gcp', key: 'service-account.json' } }],
  },
  // The database password Secret and CA ConfigMap (and any cloud credential Secret) are created out of band.
  gitops: { secretDelivery: { type: 'prerequisite' } },
  identities: [
    {
      name: 'web-frontend',
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-frontend' } },
      workloadSelectorTemplates: ['k8s:sa:web-frontend'],
      ttl: '1h',
    },
  ],
});

export const estate: EstateConfig = {
  repository: { url: 'https://git.example.org/platform/spire-gitops.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example:platform-admins'], operator: ['example:platform-oncall'], viewer: ['example:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [gke],
};
