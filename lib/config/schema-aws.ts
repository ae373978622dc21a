import { z } from 'zod';

/*
 * The estate's AWS options: SPIRE 1.15's AWS plugins as typed fields. Each schema names the plugin and
 * the SPIRE source that defines its keys; what a value must satisfy beyond its type (ARN and region
 * shapes, keys that exclude each other, what needs credentials) is checked in lib/config/validate-aws.ts.
 * Credentials never appear here: a pod reaches AWS through IRSA or an access key in a Secret
 * (`awsCredentials` of the server and of the agent).
 */

const regionSchema = z.string().describe('AWS region, e.g. `us-east-1`.');

export const awsCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('irsa').describe('IAM Roles for Service Accounts: the ServiceAccount carries the role ARN, EKS injects a web identity token.'),
    roleArn: z.string().describe('ARN of the IAM role, e.g. `arn:aws:iam::111122223333:role/spire-server`; becomes the `eks.amazonaws.com/role-arn` annotation.'),
  }),
  z.strictObject({
    type: z.literal('secret').describe('An access key in an existing Secret, given to the container as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'),
    secretName: z.string().describe('Name of the Secret (in the component\'s namespace), created out of band; never rendered.'),
    accessKeyIdKey: z.string().describe('Key of the access key id in the Secret.'),
    secretAccessKeyKey: z.string().describe('Key of the secret access key in the Secret.'),
  }),
]).describe('How the component\'s pods reach AWS: IRSA, or an access key from a Secret. Never inline.');

/** pkg/server/plugin/keymanager/awskms/awskms.go, Config and buildConfig. */
export const awsKmsKeyManagerSchema = z.strictObject({
  type: z.literal('aws_kms').describe('AWS KMS holds the signing keys; private keys never leave KMS.'),
  region: regionSchema.describe('Region the keys are created in (region).'),
  keyIdentifierValue: z.string().optional().describe(
    'A fixed identifier of the server (key_identifier_value): one server replica only, since two servers with one identifier '
    + 'would manage the same keys. Not together with `storageSize`.',
  ),
  storageSize: z.string().optional().describe(
    'Size of a claim per replica keeping the identifier SPIRE generates (key_identifier_file on the server\'s data volume), '
    + 'so a restarted server finds its keys. Not together with `keyIdentifierValue`.',
  ),
  storageClass: z.string().optional().describe('StorageClass of that claim; none: the cluster\'s default.'),
  keyPolicyConfigMap: z.strictObject({
    name: z.string().describe('Name of the ConfigMap, created out of band in the server namespace.'),
    key: z.string().describe('Key holding the policy JSON.'),
  }).optional().describe('A custom key policy (key_policy_file), mounted from this ConfigMap. None: KMS\'s default key policy.'),
  tagBasedKeyDiscovery: z.boolean().optional().describe(
    'enable_tag_based_key_discovery: find keys by tags instead of aliases (needs tag:GetResources). Default: false, as SPIRE.',
  ),
}).describe('KeyManager aws_kms.');

/** pkg/server/plugin/upstreamauthority/awspca/pca.go, Configuration and buildConfig. */
export const awsPcaUpstreamAuthoritySchema = z.strictObject({
  type: z.literal('aws_pca').describe('AWS Private CA signs the server\'s CA.'),
  region: regionSchema,
  certificateAuthorityArn: z.string().describe('ARN of the private CA (certificate_authority_arn).'),
  signingAlgorithm: z.enum(['SHA256WITHECDSA', 'SHA384WITHECDSA', 'SHA512WITHECDSA', 'SHA256WITHRSA', 'SHA384WITHRSA', 'SHA512WITHRSA'])
    .optional().describe('signing_algorithm; none: the CA\'s own default.'),
  caSigningTemplateArn: z.string().optional().describe('ca_signing_template_arn; none: SPIRE\'s default (SubordinateCACertificate_PathLen0).'),
  assumeRoleArn: z.string().optional().describe('assume_role_arn: a role the server assumes to reach the CA; none: its own credentials.'),
  supplementalBundleConfigMap: z.strictObject({
    name: z.string().describe('Name of the ConfigMap, created out of band in the server namespace.'),
    key: z.string().describe('Key holding the PEM certificates.'),
  }).optional().describe('Extra root certificates for the bundle (supplemental_bundle_path), mounted from this ConfigMap.'),
}).describe('UpstreamAuthority aws_pca.');

/** pkg/server/plugin/upstreamauthority/awssecret/awssecret.go, Configuration and buildConfig. */
export const awsSecretUpstreamAuthoritySchema = z.strictObject({
  type: z.literal('awssecret').describe('An upstream CA certificate and key kept in AWS Secrets Manager.'),
  region: regionSchema,
  certFileArn: z.string().describe('Secret (ARN or name) holding the CA certificate (cert_file_arn).'),
  keyFileArn: z.string().describe('Secret (ARN or name) holding the CA key (key_file_arn).'),
  bundleFileArn: z.string().optional().describe('Secret holding the upstream bundle (bundle_file_arn); none: the CA certificate is the root.'),
  assumeRoleArn: z.string().optional().describe('assume_role_arn: a role the server assumes to read the secrets.'),
}).describe('UpstreamAuthority awssecret.');

/** pkg/server/plugin/nodeattestor/awsiid/iid.go, IIDAttestorConfig and buildConfig (SessionConfig in session.go). */
export const awsIidServerSchema = z.strictObject({
  assumeRole: z.string().optional().describe(
    'assume_role: the name of a role in the agents\' accounts that the server assumes to describe their instances; none: its own credentials.',
  ),
  skipBlockDevice: z.boolean().optional().describe('skip_block_device: skip the root-volume anti-tampering check. Default: false.'),
  disableInstanceProfileSelectors: z.boolean().optional().describe(
    'disable_instance_profile_selectors: no IAM role selectors (for servers that cannot reach iam.amazonaws.com). Default: false.',
  ),
  agentPathTemplate: z.string().optional().describe(
    'agent_path_template: Go template of the agent\'s SPIFFE ID path. Default: SPIRE\'s `/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}`.',
  ),
  accountIdsForLocalValidation: z.array(z.string()).optional().describe('account_ids_for_local_validation: the AWS accounts whose instances may attest.'),
  partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']).optional().describe('partition. Default: aws.'),
}).describe('NodeAttestor aws_iid on the server, beside k8s_psat: agents of clusters with `agentNodeAttestor: aws_iid` attest with their EC2 instance identity document.');

/** pkg/agent/plugin/nodeattestor/awsiid/iid.go, IIDAttestorConfig. */
export const awsIidAgentSchema = z.strictObject({
  ec2MetadataEndpoint: z.string().optional().describe('ec2_metadata_endpoint: the instance metadata service; none: the SDK\'s default (169.254.169.254).'),
}).describe('NodeAttestor aws_iid on the agents of clusters with `agentNodeAttestor: aws_iid`.');

/** pkg/server/datastore/sqlstore/sqlstore.go, awsConfig (database_type aws_postgres / aws_mysql). */
export const awsDatabaseIamAuthSchema = z.strictObject({
  region: regionSchema.describe('Region of the RDS database.'),
}).describe(
  'RDS IAM authentication: database_type aws_postgres or aws_mysql, the server signs a short-lived token with its AWS '
  + 'credentials instead of a password. Not together with `passwordSecret`.',
);

/** pkg/server/plugin/bundlepublisher/awss3/awss3.go, Config and buildConfig. */
export const awsS3BundlePublisherSchema = z.strictObject({
  type: z.literal('aws_s3').describe('Publishes the trust bundle as an S3 object.'),
  region: regionSchema,
  bucket: z.string().describe('Bucket name.'),
  objectKey: z.string().describe('Object key, e.g. `example.org/bundle.json`.'),
  format: z.enum(['spiffe', 'jwks', 'pem']).describe('Bundle format of the object.'),
  endpoint: z.string().optional().describe('An S3-compatible endpoint URL; none: AWS S3.'),
}).describe('BundlePublisher aws_s3.');

/** pkg/server/plugin/bundlepublisher/awsrolesanywhere/awsrolesanywhere.go, Config and buildConfig. */
export const awsRolesAnywhereBundlePublisherSchema = z.strictObject({
  type: z.literal('aws_rolesanywhere_trustanchor').describe('Keeps an IAM Roles Anywhere trust anchor on the trust bundle.'),
  region: regionSchema,
  trustAnchorId: z.string().describe('ID of the trust anchor (a UUID).'),
}).describe('BundlePublisher aws_rolesanywhere_trustanchor.');

/** pkg/agent/plugin/svidstore/awssecretsmanager/aws.go, Configuration and buildConfig. */
export const awsSecretsManagerSvidStoreSchema = z.strictObject({
  type: z.literal('aws_secretsmanager').describe('Stores SVIDs of entries marked storeSVID in AWS Secrets Manager.'),
  region: regionSchema,
}).describe('SVIDStore aws_secretsmanager on the agents.');
