import { environment } from '../../lib/config/presets';
import { EstateConfig } from '../../lib/config/types';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE on EKS with AWS doing what AWS does best: signing keys in KMS, the registration database on RDS
 * with IAM authentication (no password anywhere), the trust bundle published to S3, and every AWS call
 * made with IRSA roles. Values are documentation samples (account 111122223333, example.org); see
 * README.md next to this file for what to replace.
 */

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

const production = environment({
  name: 'production',
  preset: 'production',
  trustDomain: 'example.org',
  clusters: [
    // The agents on the EKS nodes attest with k8s_psat (what the controller manager's entries expect).
    { name: 'eks-use1', region: REGION, apiServer: 'https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com' },
  ],
  server: {
    replicas: 2,
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example Org SPIRE CA' },
    // RDS PostgreSQL with IAM authentication: the server signs a token with its IRSA role.
    datastore: {
      type: 'postgres',
      host: 'spire.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 5432,
      database: 'spire',
      user: 'spire_server',
      iamAuth: { region: REGION },
      sslMode: 'verify-full',
      caConfigMap: 'spire-server-db-ca',
      maxOpenConns: 20,
      maxIdleConns: 10,
    },
    // Keys in KMS; each replica keeps the identifier SPIRE generates for it on a small claim of its own.
    keyManager: { type: 'aws_kms', region: REGION, keyIdentifier: { type: 'file', storageSize: '1Gi', storageClass: 'gp3' }, tagBasedKeyDiscovery: true },
    // EC2 instances outside the cluster (with a spire-agent of their own) may attest with their
    // instance identity document, beside the cluster's k8s_psat agents.
    vmNodeAttestors: [{ type: 'aws_iid', accountIdsForLocalValidation: [ACCOUNT], disableInstanceProfileSelectors: true }],
    bundlePublishers: [
      { type: 'aws_s3', region: REGION, bucket: 'example-org-spire-bundle', objectKey: 'example.org/bundle.jwks', format: 'jwks' },
    ],
    cloudCredentials: { aws: { type: 'irsa', roleArn: `arn:aws:iam::${ACCOUNT}:role/spire-server` } },
  },
  identities: [
    {
      name: 'checkout',
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
      workloadSelectorTemplates: ['k8s:sa:checkout'],
      ttl: '1h',
      admin: false,
    },
  ],
});

export const estate: EstateConfig = {
  repository: { url: 'https://github.com/example-org/spire-gitops.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example-org:platform'], operator: ['example-org:oncall'], viewer: ['example-org:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [production],
};
