import { AgentNodeAttestor, AgentSettings, AwsCredentials, ServerSettings } from '../config/types';
import { CLOUD, SPIRE_AGENT, SPIRE_SERVER } from '../config/spire-facts';

/*
 * What the cloud plugins need of the pods that run them, decided once: workload identity annotations and
 * labels, the Secrets and ConfigMaps mounted as files or read into variables, and the config paths those
 * files get. The renderers and constructs read these and never look at the credentials themselves.
 */

export interface SecretKeyRef { readonly name: string; readonly key: string }

/** A key of a Secret or ConfigMap mounted as one read-only file. */
export interface MountedFile {
  readonly volume: string;
  readonly source: { readonly kind: 'Secret' | 'ConfigMap'; readonly name: string; readonly key: string };
  readonly dir: string;
  readonly file: string;
  /** `spire-server validate` opens it too (the plugin's buildConfig loads it), so the PreSync validation mounts it. */
  readonly readByValidate?: boolean;
}

/** A directory of the node mounted read-only into the pod (files node provisioning put there, never in Git). */
export interface HostDirectory {
  readonly volume: string;
  readonly hostPath: string;
  readonly dir: string;
}

export interface ResolvedCloudAccess {
  /** Workload identity annotations on the ServiceAccount. */
  readonly serviceAccountAnnotations: Record<string, string>;
  /** Labels a workload identity webhook acts on, on the pod template. */
  readonly podLabels: Record<string, string>;
  readonly files: readonly MountedFile[];
  /** Variables read from Secrets. */
  readonly secretEnv: readonly { readonly name: string; readonly secret: SecretKeyRef }[];
  /** Plain variables. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /** The Google key file's path, for plugins with a `service_account_file` key; none: Workload Identity. */
  readonly gcpServiceAccountFile?: string;
  /** The variable holding the Azure client secret, for `app_secret` through `-expandEnv`; none: Workload Identity. */
  readonly azureAppSecretEnv?: string;
  /** The variables holding the azure_msi tenants' client secrets, by tenant ID. */
  readonly azureMsiAppSecretEnv?: Record<string, string>;
  /** The config file reads variables of secretEnv (`${NAME}`), so the program runs with `-expandEnv`. */
  readonly configReadsEnv: boolean;
  /** Node directories mounted read-only (the x509pop node certificate). */
  readonly hostDirectories?: readonly HostDirectory[];
}

/**
 * AWS credentials: IRSA annotates the ServiceAccount; an access key reaches the AWS SDK's environment
 * credentials provider through its two variables. The config file never names them (the plugins' own
 * access_key_id and secret_access_key stay empty), so nothing needs `-expandEnv`.
 */
function awsAccess(credentials: AwsCredentials | undefined): { annotations: Record<string, string>; secretEnv: { name: string; secret: SecretKeyRef }[] } {
  if (credentials?.type === 'irsa') return { annotations: { [CLOUD.aws.irsaRoleAnnotation]: credentials.roleArn }, secretEnv: [] };
  if (credentials?.type === 'secret') {
    return {
      annotations: {},
      secretEnv: [
        { name: CLOUD.aws.accessKeyIdEnv, secret: { name: credentials.secretName, key: credentials.accessKeyIdKey } },
        { name: CLOUD.aws.secretAccessKeyEnv, secret: { name: credentials.secretName, key: credentials.secretAccessKeyKey } },
      ],
    };
  }
  return { annotations: {}, secretEnv: [] };
}

/**
 * The CA bundle ConfigMap of the server's x509pop NodeAttestor: the agents' own (agent.nodeAttestor) or the
 * VMs' (server.vmNodeAttestors); validation refuses both at once, since SPIRE loads one plugin of a name.
 */
export function x509popCaBundle(settings: ServerSettings, agentAttestor: AgentNodeAttestor | undefined): { readonly name: string; readonly key: string } | undefined {
  if (agentAttestor?.type === 'x509pop') return agentAttestor.caBundleConfigMap;
  for (const attestor of settings.vmNodeAttestors ?? []) if (attestor.type === 'x509pop') return attestor.caBundleConfigMap;
  return undefined;
}

/** The server's cloud access, from its cloudCredentials and the plugins that need files. */
export function resolveServerCloud(settings: ServerSettings, agentAttestor?: AgentNodeAttestor): ResolvedCloudAccess {
  const { gcp, azure } = settings.cloudCredentials ?? {};
  const files: MountedFile[] = [];
  const serviceAccountAnnotations: Record<string, string> = {};
  const podLabels: Record<string, string> = {};
  const env: { name: string; value: string }[] = [];
  let gcpServiceAccountFile: string | undefined;
  if (gcp?.type === 'workload-identity') serviceAccountAnnotations[CLOUD.gcp.workloadIdentityAnnotation] = gcp.serviceAccount;
  if (gcp?.type === 'service-account-file') {
    gcpServiceAccountFile = `${SPIRE_SERVER.gcpCredentialsDir}/${SPIRE_SERVER.gcpCredentialsFile}`;
    files.push({ volume: 'gcp-credentials', source: { kind: 'Secret', ...gcp.secret }, dir: SPIRE_SERVER.gcpCredentialsDir, file: SPIRE_SERVER.gcpCredentialsFile });
    // gcp_cas has no service_account_file key: it finds the file as Application Default Credentials.
    env.push({ name: CLOUD.gcp.credentialsEnv, value: gcpServiceAccountFile });
  }
  if (azure?.type === 'workload-identity') {
    serviceAccountAnnotations[CLOUD.azure.workloadIdentityAnnotation] = azure.clientId;
    podLabels[CLOUD.azure.workloadIdentityPodLabel] = 'true';
  }
  const keyManager = settings.keyManager;
  if ((keyManager.type === 'gcp_kms' || keyManager.type === 'aws_kms') && keyManager.keyPolicy) {
    files.push({
      volume: 'key-policy', source: { kind: 'ConfigMap', name: keyManager.keyPolicy.configMap, key: keyManager.keyPolicy.key },
      dir: SPIRE_SERVER.keyPolicyDir, file: SPIRE_SERVER.keyPolicyFile,
    });
  }
  const upstream = settings.upstreamAuthority;
  if (upstream?.type === 'aws_pca' && upstream.supplementalBundle) {
    files.push({
      volume: 'aws-pca-bundle', source: { kind: 'ConfigMap', name: upstream.supplementalBundle.configMap, key: upstream.supplementalBundle.key },
      dir: SPIRE_SERVER.awsPcaBundleDir, file: SPIRE_SERVER.awsPcaBundleFile,
    });
  }
  const caBundle = x509popCaBundle(settings, agentAttestor);
  if (caBundle) {
    // nodeattestor/x509pop/x509pop.go buildConfig loads the bundle (util.LoadCertificates) in Validate and Configure.
    files.push({ volume: 'x509pop-ca', source: { kind: 'ConfigMap', ...caBundle }, dir: SPIRE_SERVER.x509popCaDir, file: SPIRE_SERVER.x509popCaFile, readByValidate: true });
  }
  const secretEnv: { name: string; secret: SecretKeyRef }[] = azure?.type === 'app-secret' ? [{ name: SPIRE_SERVER.env.azureAppSecret, secret: azure.appSecret }] : [];
  const azureMsiAppSecretEnv: Record<string, string> = {};
  const msiTenants = (settings.vmNodeAttestors ?? []).flatMap((attestor) => (attestor.type === 'azure_msi' ? attestor.tenants : []));
  for (const [index, tenant] of msiTenants.entries()) {
    if (!tenant.appCredentials) continue;
    const name = `${SPIRE_SERVER.env.azureMsiAppSecretPrefix}${index}`;
    azureMsiAppSecretEnv[tenant.tenantId] = name;
    secretEnv.push({ name, secret: tenant.appCredentials.appSecret });
  }
  // The Azure secrets reach the config through `-expandEnv`; the AWS access key does not (awsAccess).
  const configReadsEnv = secretEnv.length > 0;
  const aws = awsAccess(settings.cloudCredentials?.aws);
  Object.assign(serviceAccountAnnotations, aws.annotations);
  secretEnv.push(...aws.secretEnv);
  return {
    serviceAccountAnnotations,
    podLabels,
    files,
    secretEnv,
    configReadsEnv,
    azureMsiAppSecretEnv,
    env,
    gcpServiceAccountFile,
    azureAppSecretEnv: azure?.type === 'app-secret' ? SPIRE_SERVER.env.azureAppSecret : undefined,
  };
}

/** The agents' cloud access: the key file of the gcp_secretmanager SVIDStore, and the AWS credentials of aws_secretsmanager. */
export function resolveAgentCloud(settings: AgentSettings): ResolvedCloudAccess {
  const files = (settings.svidStores ?? []).flatMap((store): MountedFile[] => (store.type !== 'gcp_secretmanager' ? [] : [{
    volume: 'gcp-credentials', source: { kind: 'Secret', ...store.serviceAccountSecret }, dir: SPIRE_AGENT.gcpCredentialsDir, file: SPIRE_AGENT.gcpCredentialsFile,
  }]));
  const aws = awsAccess(settings.cloudCredentials?.aws);
  const attestor = settings.nodeAttestor;
  const hostDirectories = attestor?.type === 'x509pop'
    ? [{ volume: 'node-certificate', hostPath: attestor.nodeCertificateDir, dir: SPIRE_AGENT.x509popCertDir }]
    : [];
  return { serviceAccountAnnotations: aws.annotations, podLabels: {}, files, secretEnv: aws.secretEnv, env: [], configReadsEnv: false, hostDirectories };
}

/**
 * The agent ID gcp_iit gives a node, and the parent ID the controller manager gives the entries of the pods
 * on a Node: the two must be equal, or no workload on the node gets its SVID. The instance ID is on the
 * GKE Node as an annotation; the project is left out of the path because the controller manager's
 * templates (spire-controller-manager pkg/spireentry/entries.go renderPodEntry: TrustDomain, ClusterName,
 * NodeMeta, NodeSpec, no functions) cannot cut it out of spec.providerID. Compute Engine instance IDs are
 * unique, and projectid_allow_list still decides which projects may attest.
 */
export const GCP_IIT_AGENT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .InstanceID }}';

/**
 * The agent ID x509pop gives a node: its certificate's subject CN. The template data is the parsed
 * certificate itself (pkg/common/plugin/x509pop/x509pop.go agentPathTemplateData embeds *x509.Certificate,
 * MakeAgentID), so `.Subject.CommonName` is the CN. Node provisioning issues each node a certificate whose
 * CN is the Kubernetes node name, which the controller manager reads as `.NodeMeta.Name`.
 */
export const X509POP_AGENT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .Subject.CommonName }}';

/** The controller manager's parentIDTemplate for the agents' node attestor; none: its k8s_psat default. */
export function parentIdTemplate(attestor: AgentNodeAttestor | undefined): string | undefined {
  if (attestor?.type === 'x509pop') return 'spiffe://{{ .TrustDomain }}/spire/agent/x509pop/{{ .NodeMeta.Name }}';
  if (attestor?.type !== 'gcp_iit') return undefined;
  return `spiffe://{{ .TrustDomain }}/spire/agent/gcp_iit/{{ index .NodeMeta.Annotations "${CLOUD.gcp.nodeInstanceIdAnnotation}" }}`;
}

/** Whether SPIRE admits the attestor's node once only (CanReattest false), so the agent's data must outlive its pod. */
export function attestsOnce(attestor: AgentNodeAttestor | undefined): boolean {
  return attestor?.type === 'gcp_iit';
}

/**
 * The agent's KeyManager: the estate's choice, else `disk` where the node attests once (a restarted agent
 * without its key could not attest again) and `memory` where attesting again is cheap (k8s_psat, x509pop).
 */
export function agentKeyManager(settings: AgentSettings): 'memory' | 'disk' {
  return settings.keyManager ?? (attestsOnce(settings.nodeAttestor) ? 'disk' : 'memory');
}
