import { environment } from '../../lib/config/presets';
import { EstateConfig, ImageCatalogue, ImageRef } from '../../lib/config/types';
import { DEFAULT_IMAGES, IMAGE_NAMES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE on AKS: signing keys in Azure Key Vault reached through Azure Workload Identity, the servers on
 * Azure Database for PostgreSQL, and the azure_msi node attestor for SPIRE agents on Azure VMs outside the
 * cluster (their workloads are static entries). The cluster's own agents keep k8s_psat: on AKS the nodes
 * of a pool share one managed identity, which azure_msi cannot tell apart. Replace the vault, tenant,
 * subscription, client IDs and database host with yours (examples/azure/README.md lists them).
 */

const TENANT = '00000000-0000-0000-0000-000000000001';

/**
 * The images, mirrored into a private Azure Container Registry (e.g. `az acr import`), which copies them
 * by digest: the same digests, another registry.
 */
const REGISTRY = 'spireexample.azurecr.io';
function mirrored(image: ImageRef): ImageRef {
  return { ...image, repository: `${REGISTRY}/${image.repository.split('/').slice(1).join('/')}` };
}
const images: ImageCatalogue = {
  ...DEFAULT_IMAGES,
  ...Object.fromEntries(IMAGE_NAMES.map((name) => [name, mirrored(DEFAULT_IMAGES[name])])),
  // A docker-registry Secret in every namespace the trees run pods in (the inventory lists them).
  pullSecrets: ['acr-pull'],
};
/** The managed identity of the VMs' agents (their SPIFFE IDs end in its principal ID). */
const VM_PRINCIPAL = '00000000-0000-0000-0000-000000000004';

const aks = environment({
  name: 'production',
  preset: 'staging',
  trustDomain: 'azure.spire.example.org',
  clusters: [{ name: 'aks-weu', region: 'westeurope', apiServer: 'https://aks-weu.k8s.example.org' }],
  server: {
    caSubject: { country: 'NL', organization: 'Example Org', commonName: 'Example SPIRE CA' },
    replicas: 2,
    datastore: {
      type: 'postgres',
      host: 'example-spire.postgres.database.azure.com',
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
      type: 'azure_key_vault',
      keyVaultUri: 'https://example-spire.vault.azure.net/',
      keyIdentifier: { type: 'file', storageSize: '1Gi' },
    },
    cloudCredentials: { azure: { type: 'workload-identity', clientId: '00000000-0000-0000-0000-000000000002' } },
    vmNodeAttestors: [{
      type: 'azure_msi',
      tenants: [{
        tenantId: TENANT,
        // A reader app registration resolves the VMs' selectors (resource group, VM name, network).
        appCredentials: {
          subscriptionId: '00000000-0000-0000-0000-000000000003',
          appId: '00000000-0000-0000-0000-000000000005',
          appSecret: { name: 'spire-server-azure-msi', key: 'client-secret' },
        },
      }],
    }],
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
  staticEntries: [{
    name: 'billing-batch-vm',
    spiffeIdPath: '/vm/billing-batch',
    parentIdPath: `/spire/agent/azure_msi/${TENANT}/${VM_PRINCIPAL}`,
    selectors: ['unix:uid:1000'],
  }],
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
  images,
  environments: [aks],
};
