import { ViolationDetails } from './violation';
import { EnvironmentConfig, KeyIdentifier } from './types';
import { DNS_SUBDOMAIN, quantityValue } from './validate-fields';
import { SPIRE_AGENT } from './spire-facts';
import { serverOverridesOf } from './topology';

/*
 * The cloud plugins' options, checked against what SPIRE v1.15.2 accepts (each rule cites the plugin's
 * buildConfig, which `spire-server validate` runs) and against what this project demands on top: a
 * plugin's cloud credentials are stated (workload identity or a Secret, never the node's own account by
 * accident), and each server keeps its keys apart from the others'.
 */

type Report = (details: ViolationDetails) => void;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** keymanager/gcpkms/gcpkms.go buildConfig: validateCharacters, at most 63. */
const GCP_KEY_IDENTIFIER = /^[A-Za-z0-9_-]{1,63}$/;
const GCP_KEY_RING = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+$/;
const GCP_SERVICE_ACCOUNT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.iam\.gserviceaccount\.com$/;
/** Cloud Storage bucket names: 3-63 lowercase letters, digits, -, _ and ., starting and ending alphanumeric. */
const GCS_BUCKET = /^[a-z0-9][-_.a-z0-9]{1,61}[a-z0-9]$/;
/** What aws_kms accepts in key_identifier_value: its buildConfig's `.*[^A-z0-9/_-].*` refuses anything else (A-z as Go reads it). */
const AWS_KMS_KEY_IDENTIFIER_BYTE = /[^A-z0-9/_-]/;
const AZURE_VAULT_URI = /^https:\/\/[a-zA-Z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)\/?$/;

function secretRef(report: Report, resource: string, field: string, ref: { name: string; key: string }): void {
  if (!DNS_SUBDOMAIN.test(ref.name) || ref.name.length > 253) {
    report({ resource, field: `${field}.name`, value: ref.name, rule: 'is not a valid Secret name', fix: 'use lowercase letters, digits, - and .' });
  }
  if (!SECRET_KEY.test(ref.key)) report({ resource, field: `${field}.key`, value: ref.key, rule: 'is not a valid Secret key', fix: 'use letters, digits, -, _ and .' });
}

function guid(report: Report, resource: string, field: string, value: string, what: string): void {
  if (!GUID.test(value)) report({ resource, field, value, rule: `is not ${what} (a GUID)`, fix: 'copy it from the Azure portal, like 00000000-0000-0000-0000-000000000000' });
}

/** A key of an existing ConfigMap holding a PEM CA bundle (x509pop ca_bundle_path: util.LoadCertificates reads the file). */
function configMapKey(report: Report, resource: string, field: string, ref: { name: string; key: string }): void {
  if (!DNS_SUBDOMAIN.test(ref.name) || ref.name.length > 253) {
    report({ resource, field: `${field}.name`, value: ref.name, rule: 'is not a valid ConfigMap name', fix: 'use lowercase letters, digits, - and .' });
  }
  if (!SECRET_KEY.test(ref.key)) {
    report({ resource, field: `${field}.key`, value: ref.key, rule: 'is not a valid ConfigMap key', fix: 'name the key holding the PEM CA bundle, e.g. ca.crt' });
  }
}

/** A file name inside the node certificate directory: no directories, nothing that leaves it. */
const FILE_NAME = /^[-._a-zA-Z0-9]{1,255}$/;

function nonEmpty(report: Report, resource: string, field: string, value: string, rule: string, fix: string): void {
  if (value.trim() === '') report({ resource, field, value, rule, fix });
}

/** keymanager/awskms/awskms.go buildConfig: the problem aws_kms has with a key_identifier_value, if any. */
function awsKmsKeyIdentifierProblem(value: string): string | undefined {
  return value === '' ? 'is empty'
    : AWS_KMS_KEY_IDENTIFIER_BYTE.test(value) ? 'holds characters other than letters, digits, /, _ and -'
      : value.startsWith('alias/aws/') ? 'starts with alias/aws/, which AWS reserves'
        : value.length > 256 ? 'is longer than 256 characters' : undefined;
}

/** The key identifier of a cloud KeyManager: what its plugin accepts, and one identifier per server. */
export function keyIdentifier(report: Report, env: EnvironmentConfig, field: string, identifier: KeyIdentifier, plugin: 'gcp_kms' | 'azure_key_vault' | 'aws_kms'): void {
  const resource = `environment "${env.name}"`;
  if (identifier.type === 'value') {
    const value = identifier.value;
    // gcpkms.go, azure_key_vault.go and awskms.go buildConfig: the value's characters and length.
    const awsProblem = plugin === 'aws_kms' ? awsKmsKeyIdentifierProblem(value) : undefined;
    const ok = plugin === 'gcp_kms' ? GCP_KEY_IDENTIFIER.test(value) : plugin === 'aws_kms' ? awsProblem === undefined : value.length >= 1 && value.length <= 256;
    if (!ok) {
      report({
        resource, field: `${field}.value`, value,
        rule: plugin === 'gcp_kms' ? 'must be 1 to 63 letters, digits, _ or - (SPIRE gcp_kms)'
          : plugin === 'aws_kms' ? `${awsProblem}, which SPIRE aws_kms refuses` : 'must be 1 to 256 characters (SPIRE azure_key_vault)',
        fix: plugin === 'aws_kms' ? 'use at most 256 letters, digits, /, _ and -, e.g. spire-server-prod' : 'name the server, e.g. spire-server-prod',
      });
    }
    const replicas = [
      { where: 'server.replicas', count: env.server.replicas },
      ...(env.server.workload?.autoscaling ? [{ where: 'server.workload.autoscaling.maxReplicas', count: env.server.workload.autoscaling.maxReplicas }] : []),
      ...serverOverridesOf(env).filter(({ overrides }) => overrides.replicas !== undefined)
        .map(({ field, overrides }) => ({ where: `${field}.replicas`, count: overrides.replicas! })),
    ];
    for (const { where, count } of replicas) {
      if (count > 1) {
        report({
          resource, field: `${field}.value`, value,
          rule: `is one identifier for ${count} server replicas (${where}); replicas with one identifier would rotate and delete each other's keys`,
          fix: "use keyIdentifier { type: 'file', storageSize: '1Gi' } (each replica keeps its own on its claim) or { type: 'podName' }",
        });
      }
    }
  } else if (identifier.type === 'file') {
    if (quantityValue(identifier.storageSize) === undefined) {
      report({ resource, field: `${field}.storageSize`, value: identifier.storageSize, rule: 'is not a Kubernetes quantity', fix: 'write it like 1Gi' });
    }
    if (identifier.storageClass !== undefined && !DNS_SUBDOMAIN.test(identifier.storageClass)) {
      report({ resource, field: `${field}.storageClass`, value: identifier.storageClass, rule: 'is not a StorageClass name', fix: 'use lowercase letters, digits, - and .' });
    }
  }
}

/** The cloud plugins of one environment: their keys, their credentials and how they combine. */
export function checkCloudPlugins(env: EnvironmentConfig, report: Report): void {
  const resource = `environment "${env.name}"`;
  const { server, agent } = env;
  const credentials = server.cloudCredentials ?? {};
  const needsGcp: string[] = [];
  const needsAzure: string[] = [];

  const keyManager = server.keyManager;
  if (keyManager.type === 'gcp_kms') {
    needsGcp.push('server.keyManager (gcp_kms)');
    // gcpkms.go buildConfig demands a key ring; Cloud KMS names it by this resource ID.
    if (!GCP_KEY_RING.test(keyManager.keyRing)) {
      report({ resource, field: 'server.keyManager.keyRing', value: keyManager.keyRing, rule: 'is not a key ring resource ID', fix: 'write it like projects/my-project/locations/us-central1/keyRings/spire' });
    }
    keyIdentifier(report, env, 'server.keyManager.keyIdentifier', keyManager.keyIdentifier, 'gcp_kms');
    if (keyManager.keyPolicy) {
      if (!DNS_SUBDOMAIN.test(keyManager.keyPolicy.configMap)) report({ resource, field: 'server.keyManager.keyPolicy.configMap', value: keyManager.keyPolicy.configMap, rule: 'is not a valid ConfigMap name', fix: 'use lowercase letters, digits, - and .' });
      if (!SECRET_KEY.test(keyManager.keyPolicy.key)) report({ resource, field: 'server.keyManager.keyPolicy.key', value: keyManager.keyPolicy.key, rule: 'is not a valid ConfigMap key', fix: 'use letters, digits, -, _ and .' });
    }
  }
  if (keyManager.type === 'azure_key_vault') {
    needsAzure.push('server.keyManager (azure_key_vault)');
    // azure_key_vault.go buildConfig demands the URI; the client is built for it.
    if (!AZURE_VAULT_URI.test(keyManager.keyVaultUri)) {
      report({ resource, field: 'server.keyManager.keyVaultUri', value: keyManager.keyVaultUri, rule: 'is not a Key Vault URI', fix: 'write it like https://my-vault.vault.azure.net/' });
    }
    keyIdentifier(report, env, 'server.keyManager.keyIdentifier', keyManager.keyIdentifier, 'azure_key_vault');
  }

  const upstream = server.upstreamAuthority;
  if (upstream?.type === 'gcp_cas') {
    needsGcp.push('server.upstreamAuthority (gcp_cas)');
    // gcpcas.go buildConfig: project, location and the label pair are errors when missing; a missing ca_pool
    // is a note, and spire-server validate fails on any note.
    for (const key of ['projectName', 'regionName', 'caPool', 'labelKey', 'labelValue'] as const) {
      nonEmpty(report, resource, `server.upstreamAuthority.${key}`, upstream[key], 'must not be empty (SPIRE gcp_cas root_cert_spec)', 'fill it in from the CA pool');
    }
  }

  const publishers = server.bundlePublishers ?? [];
  const publisherTypes = new Set<string>();
  for (const [index, publisher] of publishers.entries()) {
    const field = `server.bundlePublishers[${index}]`;
    if (publisherTypes.has(publisher.type)) report({ resource, field: `${field}.type`, value: publisher.type, rule: 'appears twice; SPIRE loads one plugin of a name', fix: 'keep one' });
    publisherTypes.add(publisher.type);
    if (publisher.type !== 'gcp_cloudstorage') continue; // lib/config/validate-aws.ts
    needsGcp.push(`${field} (gcp_cloudstorage)`);
    if (!GCS_BUCKET.test(publisher.bucketName)) report({ resource, field: `${field}.bucketName`, value: publisher.bucketName, rule: 'is not a Cloud Storage bucket name', fix: 'use 3 to 63 lowercase letters, digits, - and _' });
    nonEmpty(report, resource, `${field}.objectName`, publisher.objectName, 'must not be empty (SPIRE gcp_cloudstorage object_name)', 'name the object, e.g. spire/bundle.json');
  }

  const attestor = agent.nodeAttestor;
  if (attestor?.type === 'gcp_iit') {
    // server gcpiit/iit.go buildConfig: "projectid_allow_list is required".
    if (attestor.projectIdAllowList.length === 0 || attestor.projectIdAllowList.some((project) => project.trim() === '')) {
      report({ resource, field: 'agent.nodeAttestor.projectIdAllowList', value: attestor.projectIdAllowList, rule: 'must name at least one project, none empty (SPIRE gcp_iit)', fix: 'list the projects of the GKE clusters\' nodes' });
    }
    if (attestor.useInstanceMetadata) needsGcp.push('agent.nodeAttestor (gcp_iit with useInstanceMetadata)');
    if (!attestor.useInstanceMetadata && (attestor.allowedLabelKeys?.length || attestor.allowedMetadataKeys?.length)) {
      report({ resource, field: 'agent.nodeAttestor.useInstanceMetadata', value: attestor.useInstanceMetadata, rule: 'is off, so allowedLabelKeys and allowedMetadataKeys would never be read', fix: 'set useInstanceMetadata: true, or remove the allowed keys' });
    }
    const size = attestor.maxMetadataValueSize;
    if (size !== undefined && (!Number.isInteger(size) || size < 1)) {
      report({ resource, field: 'agent.nodeAttestor.maxMetadataValueSize', value: size, rule: 'must be a positive whole number of bytes', fix: 'leave it out for 128, or set e.g. 256' });
    }
  }

  if (attestor?.type === 'x509pop') {
    configMapKey(report, resource, 'agent.nodeAttestor.caBundleConfigMap', attestor.caBundleConfigMap);
    const dir = attestor.nodeCertificateDir;
    // A hostPath must be absolute; `..` would reach outside the directory provisioning owns.
    if (!dir.startsWith('/') || dir.split('/').includes('..') || dir === '/') {
      report({ resource, field: 'agent.nodeAttestor.nodeCertificateDir', value: dir, rule: 'must be an absolute directory on the node, not / and without ..', fix: 'name the directory node provisioning writes the certificate to, e.g. /etc/spire-agent/pki' });
    }
    for (const key of ['certificateFile', 'keyFile'] as const) {
      const file = attestor[key];
      if (file !== undefined && (!FILE_NAME.test(file) || file === '.' || file === '..')) {
        report({ resource, field: `agent.nodeAttestor.${key}`, value: file, rule: 'must be a file name inside nodeCertificateDir, without /', fix: 'give the bare file name, e.g. node.crt, and put its directory in nodeCertificateDir' });
      }
    }
    if ((attestor.certificateFile ?? SPIRE_AGENT.x509popDefaultCertificateFile) === (attestor.keyFile ?? SPIRE_AGENT.x509popDefaultKeyFile)) {
      report({ resource, field: 'agent.nodeAttestor.keyFile', value: attestor.keyFile, rule: 'names the same file as certificateFile', fix: 'give the certificate and the key their own files' });
    }
  }

  const vmAttestorTypes = new Set<string>();
  for (const [index, vmAttestor] of (server.vmNodeAttestors ?? []).entries()) {
    const field = `server.vmNodeAttestors[${index}]`;
    if (vmAttestorTypes.has(vmAttestor.type)) report({ resource, field: `${field}.type`, value: vmAttestor.type, rule: 'appears twice; SPIRE loads one plugin of a name', fix: 'keep one (azure_msi: list every tenant in it)' });
    vmAttestorTypes.add(vmAttestor.type);
    if (vmAttestor.type === 'aws_iid') continue; // lib/config/validate-aws.ts
    if (vmAttestor.type === 'http_challenge' || vmAttestor.type === 'tpm_direct') continue; // lib/config/validate-node-attestors.ts
    // join_token.go buildConfig: no keys; tokens are made with `spire-server token generate`.
    if (vmAttestor.type === 'join_token') continue;
    if (vmAttestor.type === 'x509pop') {
      if (attestor?.type === 'x509pop') {
        report({
          resource, field: `${field}.type`, value: 'x509pop',
          rule: 'is also agent.nodeAttestor\'s type, and SPIRE loads one plugin of a name',
          fix: 'put the VMs\' CA into agent.nodeAttestor.caBundleConfigMap beside the nodes\' CA and drop this entry (the VMs then get /spire/agent/x509pop/<CN>)',
        });
      }
      configMapKey(report, resource, `${field}.caBundleConfigMap`, vmAttestor.caBundleConfigMap);
      // x509pop.go buildConfig: agentpathtemplate.Parse; an empty template would make every VM the same agent path.
      if (vmAttestor.agentPathTemplate !== undefined && !/^\/.*\{\{.+\}\}/.test(vmAttestor.agentPathTemplate)) {
        report({ resource, field: `${field}.agentPathTemplate`, value: vmAttestor.agentPathTemplate, rule: 'must be a path starting with / that uses the certificate, like /x509pop/{{ .Subject.CommonName }}', fix: 'leave it out for /x509pop/<fingerprint>, or template it on the certificate' });
      }
      continue;
    }

    // azuremsi/msi.go buildConfig: "configuration must have at least one tenant".
    if (vmAttestor.tenants.length === 0) report({ resource, field: `${field}.tenants`, value: [], rule: 'must list at least one tenant (SPIRE azure_msi)', fix: 'add the tenant ID of the VMs' });
    const seen = new Set<string>();
    for (const [tenantIndex, tenant] of vmAttestor.tenants.entries()) {
      const tenantField = `${field}.tenants[${tenantIndex}].tenantId`;
      guid(report, resource, tenantField, tenant.tenantId, 'a tenant ID');
      if (seen.has(tenant.tenantId)) report({ resource, field: tenantField, value: tenant.tenantId, rule: 'is listed twice (tenants are keyed by ID)', fix: 'keep one entry per tenant' });
      seen.add(tenant.tenantId);
      const credentialsField = `${field}.tenants[${tenantIndex}].appCredentials`;
      if (tenant.appCredentials) {
        guid(report, resource, `${credentialsField}.subscriptionId`, tenant.appCredentials.subscriptionId, 'a subscription ID');
        guid(report, resource, `${credentialsField}.appId`, tenant.appCredentials.appId, 'an application ID');
        secretRef(report, resource, `${credentialsField}.appSecret`, tenant.appCredentials.appSecret);
      } else if (credentials.azure?.type !== 'workload-identity') {
        // azuremsi/msi.go buildConfig: a tenant without app credentials gets DefaultAzureCredential.
        report({
          resource, field: credentialsField, value: undefined,
          rule: 'is needed unless server.cloudCredentials.azure is workload-identity: the plugin would otherwise read the VMs with whatever identity the node has',
          fix: 'give the tenant appCredentials { subscriptionId, appId, appSecret: { name, key } }, or set server.cloudCredentials.azure to workload-identity',
        });
      } else {
        needsAzure.push(`${credentialsField} (azure_msi with DefaultAzureCredential)`);
      }
    }
  }

  const storeTypes = new Set<string>();
  for (const [index, store] of (agent.svidStores ?? []).entries()) {
    const field = `agent.svidStores[${index}]`;
    if (storeTypes.has(store.type)) report({ resource, field: `${field}.type`, value: store.type, rule: 'appears twice; SPIRE loads one plugin of a name', fix: 'keep one' });
    storeTypes.add(store.type);
    if (store.type === 'gcp_secretmanager') secretRef(report, resource, `${field}.serviceAccountSecret`, store.serviceAccountSecret);
  }

  // Credentials: stated for every plugin that calls its cloud, and only then.
  const gcp = credentials.gcp;
  if (needsGcp.length > 0 && !gcp) {
    report({
      resource, field: 'server.cloudCredentials.gcp', value: undefined,
      rule: `is needed by ${needsGcp.join(', ')}: without it the plugins would act as whatever account the node has`,
      fix: "set { type: 'workload-identity', serviceAccount: '<name>@<project>.iam.gserviceaccount.com' } or { type: 'service-account-file', secret: { name, key } }",
    });
  }
  if (gcp && needsGcp.length === 0) {
    report({ resource, field: 'server.cloudCredentials.gcp', value: gcp.type, rule: 'is given but no Google Cloud plugin uses it', fix: 'remove it, or configure the plugin that needs it' });
  }
  if (gcp?.type === 'workload-identity' && !GCP_SERVICE_ACCOUNT.test(gcp.serviceAccount)) {
    report({ resource, field: 'server.cloudCredentials.gcp.serviceAccount', value: gcp.serviceAccount, rule: 'is not a Google service account email', fix: 'write it like spire-server@my-project.iam.gserviceaccount.com' });
  }
  if (gcp?.type === 'service-account-file') secretRef(report, resource, 'server.cloudCredentials.gcp.secret', gcp.secret);

  const azure = credentials.azure;
  if (needsAzure.length > 0 && !azure) {
    report({
      resource, field: 'server.cloudCredentials.azure', value: undefined,
      rule: `is needed by ${needsAzure.join(', ')}: without it the plugins would use whatever identity the node has`,
      fix: "set { type: 'workload-identity', clientId } or { type: 'app-secret', tenantId, subscriptionId, appId, appSecret: { name, key } }",
    });
  }
  if (azure && needsAzure.length === 0) {
    report({ resource, field: 'server.cloudCredentials.azure', value: azure.type, rule: 'is given but no Azure plugin uses it', fix: 'remove it, or configure the plugin that needs it' });
  }
  if (azure?.type === 'workload-identity') guid(report, resource, 'server.cloudCredentials.azure.clientId', azure.clientId, 'a client ID');
  if (azure?.type === 'app-secret') {
    guid(report, resource, 'server.cloudCredentials.azure.tenantId', azure.tenantId, 'a tenant ID');
    guid(report, resource, 'server.cloudCredentials.azure.subscriptionId', azure.subscriptionId, 'a subscription ID');
    guid(report, resource, 'server.cloudCredentials.azure.appId', azure.appId, 'an application ID');
    secretRef(report, resource, 'server.cloudCredentials.azure.appSecret', azure.appSecret);
  }
}
