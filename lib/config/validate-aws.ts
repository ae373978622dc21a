import { ViolationDetails } from './violation';
import { parseDuration } from '../duration';
import { parseGoUrl } from './go-url';
import { CONFIG_KEY, DNS_SUBDOMAIN } from './validate-fields';
import { datastoresOf } from './topology';
import { keyIdentifier } from './validate-cloud';
import { AwsCredentials, EnvironmentConfig } from './types';

/*
 * The AWS options of an environment, checked against what SPIRE 1.15.2's AWS plugins accept (each check
 * cites the plugin's buildConfig) and against what a pod needs to reach AWS at all. They run on an
 * estate the schema has accepted (lib/config/schema.ts), so types and enumerations are settled. What every
 * cloud plugin shares (a key identifier per server, one plugin of a name) is lib/config/validate-cloud.ts's.
 */

type Report = (details: ViolationDetails) => void;

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
/** A role name: what aws_iid's assume_role takes (it builds the ARN from the agent's account). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** awsiid/organization.go orgAccountMinListTTL. */
const ORG_ACCOUNT_MAP_MIN_TTL_MS = 60_000;
const PCA_ARN = new RegExp(`^arn:${PARTITION}:acm-pca:[a-z0-9-]+:\\d{12}:certificate-authority/[0-9a-f-]{36}$`);
const PCA_TEMPLATE_ARN = new RegExp(`^arn:${PARTITION}:acm-pca:::template/[A-Za-z0-9_]+/V\\d+$`);
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@-]+$`);
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
/** S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, letter or digit at both ends, no `..`, not an IP. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function region(report: Report, resource: string, field: string, value: string): void {
  if (!REGION.test(value)) report({ resource, field, value, rule: 'is not an AWS region', fix: 'use a region code like us-east-1' });
}

function roleArn(report: Report, resource: string, field: string, value: string | undefined): void {
  if (value !== undefined && !ROLE_ARN.test(value)) {
    report({ resource, field, value, rule: 'is not an IAM role ARN', fix: 'use arn:aws:iam::<12-digit account>:role/<name>' });
  }
}

function configMapRef(report: Report, resource: string, field: string, ref: { readonly configMap: string; readonly key: string } | undefined): void {
  if (ref === undefined) return;
  if (!DNS_SUBDOMAIN.test(ref.configMap) || ref.configMap.length > 253) report({ resource, field: `${field}.configMap`, value: ref.configMap, rule: 'is not a ConfigMap name', fix: 'use lowercase letters, digits, - and .' });
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
  const datastores = datastoresOf(env).map(({ datastore }) => datastore);
  return [
    ...server.keyManager.type === 'aws_kms' ? ['server.keyManager (aws_kms)'] : [],
    ...server.upstreamAuthority?.type === 'aws_pca' || server.upstreamAuthority?.type === 'awssecret' ? [`server.upstreamAuthority (${server.upstreamAuthority.type})`] : [],
    // aws_iid describes the attesting instance through the EC2 API (iid.go, Attest).
    ...(server.vmNodeAttestors ?? []).flatMap((attestor, index) => (attestor.type === 'aws_iid' ? [`server.vmNodeAttestors[${index}] (aws_iid)`] : [])),
    ...datastores.some((datastore) => datastore && datastore.type !== 'sqlite3' && datastore.iamAuth) ? ['server.datastore.iamAuth'] : [],
    ...(server.bundlePublishers ?? []).flatMap((publisher, index) => (publisher.type === 'gcp_cloudstorage' ? [] : [`server.bundlePublishers[${index}] (${publisher.type})`])),
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
    keyIdentifier(report, env, `${field}.keyIdentifier`, keyManager.keyIdentifier, 'aws_kms');
    configMapRef(report, resource, `${field}.keyPolicy`, keyManager.keyPolicy);
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
    configMapRef(report, resource, `${field}.supplementalBundle`, upstream.supplementalBundle);
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

  // NodeAttestor aws_iid for agents on EC2 instances: pkg/server/plugin/nodeattestor/awsiid/iid.go buildConfig.
  for (const [index, attestor] of (server.vmNodeAttestors ?? []).entries()) {
    if (attestor.type !== 'aws_iid') continue;
    const field = `server.vmNodeAttestors[${index}]`;
    const { assumeRole } = attestor;
    if (assumeRole !== undefined && !ROLE_NAME.test(assumeRole)) {
      report({ resource, field: `${field}.assumeRole`, value: assumeRole, rule: 'is not an IAM role name (aws_iid builds the role\'s ARN from each agent\'s account itself)', fix: 'give the role\'s name only, e.g. spire-server-describe-instances' });
    }
    for (const account of attestor.accountIdsForLocalValidation ?? []) {
      if (!ACCOUNT_ID.test(account)) report({ resource, field: `${field}.accountIdsForLocalValidation`, value: account, rule: 'is not a 12-digit AWS account ID', fix: 'use the account ID, e.g. 111122223333' });
    }
    // iid.go validateOrganizationConfig: both IDs present, the TTL a Go duration of at least 1m.
    const organization = attestor.verifyOrganization;
    if (organization) {
      const orgField = `${field}.verifyOrganization`;
      if (!ACCOUNT_ID.test(organization.managementAccountId)) {
        report({ resource, field: `${orgField}.managementAccountId`, value: organization.managementAccountId, rule: 'is not a 12-digit AWS account ID', fix: 'give the organization\'s management account ID, e.g. 111122223333' });
      }
      if (!ROLE_NAME.test(organization.assumeOrgRole)) {
        report({ resource, field: `${orgField}.assumeOrgRole`, value: organization.assumeOrgRole, rule: 'is not an IAM role name (aws_iid builds its ARN in the management account)', fix: 'give the role\'s name only, e.g. spire-server-list-accounts' });
      }
      if (organization.managementAccountRegion !== undefined) region(report, resource, `${orgField}.managementAccountRegion`, organization.managementAccountRegion);
      const ttl = organization.orgAccountMapTtl;
      const ttlMs = ttl === undefined ? undefined : parseDuration(ttl);
      if (ttl !== undefined && (ttlMs === undefined || ttlMs < ORG_ACCOUNT_MAP_MIN_TTL_MS)) {
        report({ resource, field: `${orgField}.orgAccountMapTtl`, value: ttl, rule: 'must be a Go duration of at least 1m (SPIRE aws_iid org_account_map_ttl)', fix: 'give e.g. 5m, or leave it out for 3m' });
      }
    }
    const template = attestor.agentPathTemplate;
    if (template !== undefined && !template.startsWith('/')) {
      report({ resource, field: `${field}.agentPathTemplate`, value: template, rule: 'must render a path starting with / (SPIRE puts it after spiffe://<trust domain>/spire/agent)', fix: 'start it with /, e.g. /{{ .PluginName }}/{{ .AccountID }}/{{ .InstanceID }}' });
    }
  }

  // DataStore sql with RDS IAM authentication: pkg/server/datastore/sqlstore/sqlstore.go awsConfig.validate.
  const datastores = datastoresOf(env);
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
  for (const [index, publisher] of (server.bundlePublishers ?? []).entries()) {
    const field = `server.bundlePublishers[${index}]`;
    if (publisher.type === 'gcp_cloudstorage') continue;
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
  const awsStores = (agent.svidStores ?? []).flatMap((store, index) => (store.type === 'aws_secretsmanager' ? [{ store, field: `agent.svidStores[${index}]` }] : []));
  for (const { store, field } of awsStores) region(report, resource, `${field}.region`, store.region);

  // Credentials: every plugin above calls AWS; none is given an access key in its config.
  const serverCredentials = server.cloudCredentials?.aws;
  const agentCredentials = agent.cloudCredentials?.aws;
  credentials(report, resource, 'server.cloudCredentials.aws', serverCredentials);
  credentials(report, resource, 'agent.cloudCredentials.aws', agentCredentials);
  const serverPlugins = serverAwsPlugins(env);
  if (serverPlugins.length > 0 && !serverCredentials) {
    report({ resource, field: 'server.cloudCredentials.aws', value: undefined, rule: `is needed by ${serverPlugins.join(', ')}, which call AWS`, fix: "set it to { type: 'irsa', roleArn } on EKS, or { type: 'secret', ... } naming an access key Secret" });
  }
  if (serverCredentials && serverPlugins.length === 0) {
    report({ resource, field: 'server.cloudCredentials.aws', value: serverCredentials.type, rule: 'is given but no AWS plugin of the server uses it', fix: 'remove it, or configure the plugin that needs it' });
  }
  if (awsStores.length > 0 && !agentCredentials) {
    report({ resource, field: 'agent.cloudCredentials.aws', value: undefined, rule: `is needed by ${awsStores.map(({ field }) => `${field} (aws_secretsmanager)`).join(', ')}, which calls AWS`, fix: "set it to { type: 'irsa', roleArn } on EKS, or { type: 'secret', ... } naming an access key Secret" });
  }
  if (agentCredentials && awsStores.length === 0) {
    report({ resource, field: 'agent.cloudCredentials.aws', value: agentCredentials.type, rule: 'is given but no AWS plugin of the agents uses it', fix: 'remove it, or configure the plugin that needs it' });
  }
}
