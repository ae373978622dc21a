import { ViolationDetails } from './violation';
import { parseGoUrl } from './go-url';
import { CONFIG_KEY, DNS_SUBDOMAIN, quantityValue } from './validate-fields';
import { AwsCredentials, EnvironmentConfig } from './types';
import { DEFAULT_AGENT_NODE_ATTESTOR } from '../resolve/resolve';

/*
 * The AWS options of an environment, checked against what SPIRE 1.15.2's AWS plugins accept (each check
 * cites the plugin's buildConfig) and against what a pod needs to reach AWS at all. They run on an
 * estate the schema has accepted (lib/config/schema-aws.ts), so types and enumerations are settled.
 */

type Report = (details: ViolationDetails) => void;

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
/** A role name: what aws_iid's assume_role takes (it builds the ARN from the agent's account). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PCA_ARN = new RegExp(`^arn:${PARTITION}:acm-pca:[a-z0-9-]+:\\d{12}:certificate-authority/[0-9a-f-]{36}$`);
const PCA_TEMPLATE_ARN = new RegExp(`^arn:${PARTITION}:acm-pca:::template/[A-Za-z0-9_]+/V\\d+$`);
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@-]+$`);
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
/** S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, letter or digit at both ends, no `..`, not an IP. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What aws_kms accepts in key_identifier_value: its buildConfig's `.*[^A-z0-9/_-].*` refuses anything else (A-z as Go reads it). */
const KMS_KEY_IDENTIFIER_BYTE = /[^A-z0-9/_-]/;

function region(report: Report, resource: string, field: string, value: string): void {
  if (!REGION.test(value)) report({ resource, field, value, rule: 'is not an AWS region', fix: 'use a region code like us-east-1' });
}

function roleArn(report: Report, resource: string, field: string, value: string | undefined): void {
  if (value !== undefined && !ROLE_ARN.test(value)) {
    report({ resource, field, value, rule: 'is not an IAM role ARN', fix: 'use arn:aws:iam::<12-digit account>:role/<name>' });
  }
}

function configMapRef(report: Report, resource: string, field: string, ref: { readonly name: string; readonly key: string } | undefined): void {
  if (ref === undefined) return;
  if (!DNS_SUBDOMAIN.test(ref.name) || ref.name.length > 253) report({ resource, field: `${field}.name`, value: ref.name, rule: 'is not a ConfigMap name', fix: 'use lowercase letters, digits, - and .' });
  if (!CONFIG_KEY.test(ref.key)) report({ resource, field: `${field}.key`, value: ref.key, rule: 'is not a ConfigMap key', fix: 'use letters, digits, -, _ and .' });
}

function credentials(report: Report, resource: string, field: string, value: AwsCredentials | undefined): void {
  if (value?.type === 'irsa') roleArn(report, resource, `${field}.roleArn`, value.roleArn);
  if (value?.type === 'secret') {
    if (!DNS_SUBDOMAIN.test(value.secretName) || value.secretName.length > 253) {
      report({ resource, field: `${field}.secretName`, value: value.secretName, rule: 'is not a Secret name', fix: 'use lowercase letters, digits, - and .' });
    }
    for (const key of ['accessKeyIdKey', 'secretAccessKeyKey'] as const) {
      if (!CONFIG_KEY.test(value[key])) report({ resource, field: `${field}.${key}`, value: value[key], rule: 'is not a Secret key', fix: 'use letters, digits, -, _ and .' });
    }
  }
}

/** The server's plugins that call AWS APIs, by the field that configures them. */
function serverAwsPlugins(env: EnvironmentConfig): string[] {
  const { server } = env;
  const datastores = [server.datastore, ...env.clusters.map((cluster) => cluster.serverOverrides?.datastore)];
  return [
    ...server.keyManager.type === 'aws_kms' ? ['server.keyManager (aws_kms)'] : [],
    ...server.upstreamAuthority?.type === 'aws_pca' || server.upstreamAuthority?.type === 'awssecret' ? [`server.upstreamAuthority (${server.upstreamAuthority.type})`] : [],
    // aws_iid describes the attesting instance through the EC2 API (iid.go, Attest).
    ...server.awsIid ? ['server.awsIid'] : [],
    ...datastores.some((datastore) => datastore && datastore.type !== 'sqlite3' && datastore.iamAuth) ? ['server.datastore.iamAuth'] : [],
    ...(server.bundlePublishers ?? []).map((publisher) => `server.bundlePublishers (${publisher.type})`),
  ];
}

/** Every problem with the AWS options of one environment. */
export function checkAwsFields(env: EnvironmentConfig, report: Report): void {
  const resource = `environment "${env.name}"`;
  const { server, agent } = env;

  // KeyManager aws_kms: pkg/server/plugin/keymanager/awskms/awskms.go buildConfig.
  const keyManager = server.keyManager;
  if (keyManager.type === 'aws_kms') {
    const field = 'server.keyManager';
    region(report, resource, `${field}.region`, keyManager.region);
    const value = keyManager.keyIdentifierValue;
    if (value !== undefined && keyManager.storageSize !== undefined) {
      report({ resource, field: `${field}.keyIdentifierValue`, value, rule: 'and storageSize both name where the server\'s key identifier comes from (SPIRE refuses key_identifier_value with key_identifier_file)', fix: 'keep one: storageSize (an identifier SPIRE generates per replica) or keyIdentifierValue' });
    }
    if (value === undefined && keyManager.storageSize === undefined) {
      report({ resource, field: `${field}.storageSize`, value: undefined, rule: 'or keyIdentifierValue must say where the server\'s key identifier comes from (SPIRE needs key_identifier_file or key_identifier_value)', fix: 'set storageSize, e.g. 1Gi, so each replica keeps the identifier SPIRE generates' });
    }
    if (value !== undefined) {
      const problem = value === '' ? 'is empty'
        : KMS_KEY_IDENTIFIER_BYTE.test(value) ? 'holds characters other than letters, digits, /, _ and -'
          : value.startsWith('alias/aws/') ? 'starts with alias/aws/, which AWS reserves'
            : value.length > 256 ? 'is longer than 256 characters' : undefined;
      if (problem) report({ resource, field: `${field}.keyIdentifierValue`, value, rule: `${problem}, which aws_kms refuses`, fix: 'use letters, digits, /, _ and - (at most 256)' });
      const replicated = [
        ...server.replicas > 1 ? [`server.replicas is ${server.replicas}`] : [],
        ...env.clusters.filter((cluster) => (cluster.serverOverrides?.replicas ?? 0) > 1).map((cluster) => `cluster "${cluster.name}" runs ${cluster.serverOverrides!.replicas} replicas`),
      ];
      if (replicated.length > 0) {
        report({ resource, field: `${field}.keyIdentifierValue`, value, rule: `is one identifier for several servers (${replicated.join(', ')}); they would manage and delete each other's KMS keys`, fix: 'use storageSize instead, so each replica keeps an identifier of its own' });
      }
    }
    if (keyManager.storageSize !== undefined && quantityValue(keyManager.storageSize) === undefined) {
      report({ resource, field: `${field}.storageSize`, value: keyManager.storageSize, rule: 'is not a Kubernetes quantity', fix: 'write it like 1Gi' });
    }
    if (keyManager.storageClass !== undefined && !DNS_SUBDOMAIN.test(keyManager.storageClass)) {
      report({ resource, field: `${field}.storageClass`, value: keyManager.storageClass, rule: 'is not a StorageClass name', fix: 'use lowercase letters, digits, - and .' });
    }
    configMapRef(report, resource, `${field}.keyPolicyConfigMap`, keyManager.keyPolicyConfigMap);
  }

  // UpstreamAuthority aws_pca (awspca/pca.go buildConfig) and awssecret (awssecret/awssecret.go buildConfig).
  const upstream = server.upstreamAuthority;
  if (upstream?.type === 'aws_pca') {
    const field = 'server.upstreamAuthority';
    region(report, resource, `${field}.region`, upstream.region);
    if (!PCA_ARN.test(upstream.certificateAuthorityArn)) {
      report({ resource, field: `${field}.certificateAuthorityArn`, value: upstream.certificateAuthorityArn, rule: 'is not an AWS Private CA ARN', fix: 'use arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>' });
    } else if (upstream.certificateAuthorityArn.split(':')[3] !== upstream.region) {
      report({ resource, field: `${field}.region`, value: upstream.region, rule: `is not the region of the certificate authority (${upstream.certificateAuthorityArn.split(':')[3]}); the server would look for it in the wrong region`, fix: 'use the region of certificateAuthorityArn' });
    }
    if (upstream.caSigningTemplateArn !== undefined && !PCA_TEMPLATE_ARN.test(upstream.caSigningTemplateArn)) {
      report({ resource, field: `${field}.caSigningTemplateArn`, value: upstream.caSigningTemplateArn, rule: 'is not an AWS Private CA template ARN', fix: 'use arn:aws:acm-pca:::template/<name>/V<n>, or leave it out' });
    }
    roleArn(report, resource, `${field}.assumeRoleArn`, upstream.assumeRoleArn);
    configMapRef(report, resource, `${field}.supplementalBundleConfigMap`, upstream.supplementalBundleConfigMap);
  }
  if (upstream?.type === 'awssecret') {
    const field = 'server.upstreamAuthority';
    region(report, resource, `${field}.region`, upstream.region);
    for (const key of ['certFileArn', 'keyFileArn', 'bundleFileArn'] as const) {
      const value = upstream[key];
      if (value === undefined) continue;
      if (value.startsWith('arn:') ? !SECRET_ARN.test(value) : !SECRET_NAME.test(value)) {
        report({ resource, field: `${field}.${key}`, value, rule: 'is neither a Secrets Manager secret ARN nor a secret name', fix: 'use arn:aws:secretsmanager:<region>:<account>:secret:<name>, or the secret\'s name' });
      }
    }
    roleArn(report, resource, `${field}.assumeRoleArn`, upstream.assumeRoleArn);
  }

  // NodeAttestor aws_iid: server side pkg/server/plugin/nodeattestor/awsiid/iid.go buildConfig, agent side pkg/agent/plugin/nodeattestor/awsiid/iid.go.
  if (server.awsIid) {
    const field = 'server.awsIid';
    const { assumeRole } = server.awsIid;
    if (assumeRole !== undefined && !ROLE_NAME.test(assumeRole)) {
      report({ resource, field: `${field}.assumeRole`, value: assumeRole, rule: 'is not an IAM role name (aws_iid builds the role\'s ARN from each agent\'s account itself)', fix: 'give the role\'s name only, e.g. spire-server-describe-instances' });
    }
    for (const account of server.awsIid.accountIdsForLocalValidation ?? []) {
      if (!ACCOUNT_ID.test(account)) report({ resource, field: `${field}.accountIdsForLocalValidation`, value: account, rule: 'is not a 12-digit AWS account ID', fix: 'use the account ID, e.g. 111122223333' });
    }
    const template = server.awsIid.agentPathTemplate;
    if (template !== undefined && !template.startsWith('/')) {
      report({ resource, field: `${field}.agentPathTemplate`, value: template, rule: 'must render a path starting with / (SPIRE puts it after spiffe://<trust domain>/spire/agent)', fix: 'start it with /, e.g. /{{ .PluginName }}/{{ .AccountID }}/{{ .InstanceID }}' });
    }
  }
  for (const cluster of env.clusters) {
    if ((cluster.agentNodeAttestor ?? DEFAULT_AGENT_NODE_ATTESTOR) !== 'aws_iid') continue;
    const field = `clusters["${cluster.name}"].agentNodeAttestor`;
    if (!server.awsIid) {
      report({ resource, field, value: 'aws_iid', rule: 'needs the server to accept aws_iid, and server.awsIid is not set', fix: 'set server.awsIid (e.g. {}), or use k8s_psat' });
    }
    // spire-controller-manager registers pods under k8s_psat agent IDs (pkg/spireentry/entries.go,
    // defaultParentIDTemplate), which no aws_iid agent has: ClusterSPIFFEIDs would never reach a pod.
    if (env.identities.length > 0 || env.oidcDiscovery || env.sampleWorkload) {
      report({ resource, field, value: 'aws_iid', rule: 'makes the cluster\'s agents aws_iid agents, but the controller manager parents every ClusterSPIFFEID entry on a k8s_psat agent ID, so the environment\'s identities would never reach the cluster\'s pods', fix: 'keep k8s_psat for agents on Kubernetes nodes; aws_iid on the server (server.awsIid) still admits agents on EC2 instances' });
    }
  }
  const metadata = agent.awsIid?.ec2MetadataEndpoint;
  if (metadata !== undefined) {
    const url = parseGoUrl(metadata);
    if (url instanceof Error || !['http', 'https'].includes(url.scheme) || url.host === '') {
      report({ resource, field: 'agent.awsIid.ec2MetadataEndpoint', value: metadata, rule: 'is not an http(s) URL', fix: 'use e.g. http://169.254.169.254/latest, or leave it out' });
    }
  }

  // DataStore sql with RDS IAM authentication: pkg/server/datastore/sqlstore/sqlstore.go awsConfig.validate.
  const datastores = [
    { field: 'server.datastore', datastore: server.datastore },
    ...env.clusters.filter((cluster) => cluster.serverOverrides?.datastore)
      .map((cluster) => ({ field: `clusters["${cluster.name}"].serverOverrides.datastore`, datastore: cluster.serverOverrides!.datastore! })),
  ];
  for (const { field, datastore } of datastores) {
    if (datastore.type === 'sqlite3') continue;
    if (datastore.iamAuth && datastore.passwordSecret) {
      report({ resource, field: `${field}.passwordSecret`, value: datastore.passwordSecret.name, rule: 'is given with iamAuth; with RDS IAM authentication the server logs in with a signed token, never a password', fix: 'remove passwordSecret, or remove iamAuth to log in with the password' });
    }
    if (!datastore.iamAuth && !datastore.passwordSecret) {
      report({ resource, field: `${field}.passwordSecret`, value: undefined, rule: 'is needed: the server has no other way to log in to the database', fix: 'name the Secret holding the password, or set iamAuth: { region } for RDS IAM authentication' });
    }
    if (datastore.iamAuth) region(report, resource, `${field}.iamAuth.region`, datastore.iamAuth.region);
  }

  // BundlePublishers: awss3/awss3.go and awsrolesanywhere/awsrolesanywhere.go buildConfig.
  const seen = new Set<string>();
  for (const [index, publisher] of (server.bundlePublishers ?? []).entries()) {
    const field = `server.bundlePublishers[${index}]`;
    if (seen.has(publisher.type)) {
      report({ resource, field: `${field}.type`, value: publisher.type, rule: 'is listed twice; SPIRE loads one plugin of a name', fix: 'keep one publisher of each type' });
    }
    seen.add(publisher.type);
    region(report, resource, `${field}.region`, publisher.region);
    if (publisher.type === 'aws_s3') {
      if (!BUCKET.test(publisher.bucket) || publisher.bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(publisher.bucket)) {
        report({ resource, field: `${field}.bucket`, value: publisher.bucket, rule: 'is not an S3 bucket name', fix: 'use 3-63 lowercase letters, digits, . and -' });
      }
      if (publisher.objectKey === '' || publisher.objectKey.length > 1024) {
        report({ resource, field: `${field}.objectKey`, value: publisher.objectKey, rule: 'must be an S3 object key of 1 to 1024 characters', fix: 'use e.g. bundle.json' });
      }
      if (publisher.endpoint !== undefined) {
        const url = parseGoUrl(publisher.endpoint);
        if (url instanceof Error || url.scheme === '' || url.host === '') {
          report({ resource, field: `${field}.endpoint`, value: publisher.endpoint, rule: 'is not an absolute URL (SPIRE parses it with url.ParseRequestURI)', fix: 'use e.g. https://s3.example.org, or leave it out' });
        }
      }
    } else if (!UUID.test(publisher.trustAnchorId)) {
      report({ resource, field: `${field}.trustAnchorId`, value: publisher.trustAnchorId, rule: 'is not a Roles Anywhere trust anchor ID (a lowercase UUID)', fix: 'copy the trust anchor\'s ID from IAM Roles Anywhere' });
    }
  }

  // SVIDStore aws_secretsmanager: pkg/agent/plugin/svidstore/awssecretsmanager/aws.go buildConfig.
  if (agent.svidStore) region(report, resource, 'agent.svidStore.region', agent.svidStore.region);

  // Credentials: every plugin above calls AWS; none is given an access key in its config.
  credentials(report, resource, 'server.awsCredentials', server.awsCredentials);
  credentials(report, resource, 'agent.awsCredentials', agent.awsCredentials);
  const serverPlugins = serverAwsPlugins(env);
  if (serverPlugins.length > 0 && !server.awsCredentials) {
    report({ resource, field: 'server.awsCredentials', value: undefined, rule: `is needed by ${serverPlugins.join(', ')}, which call AWS`, fix: "set it to { type: 'irsa', roleArn } on EKS, or { type: 'secret', ... } naming an access key Secret" });
  }
  if (agent.svidStore && !agent.awsCredentials) {
    report({ resource, field: 'agent.awsCredentials', value: undefined, rule: `is needed by agent.svidStore (${agent.svidStore.type}), which calls AWS`, fix: "set it to { type: 'irsa', roleArn } on EKS, or { type: 'secret', ... } naming an access key Secret" });
  }
}
