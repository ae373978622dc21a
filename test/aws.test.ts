import { renderAgentConf } from '../lib/render/agent-conf';
import { ServerConfOptions, renderServerConf } from '../lib/render/server-conf';
import { renderEstate } from '../lib/synth';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { estate as awsExample } from '../examples/aws/estate';
import { find, problemsOf } from './helpers/estate';

/*
 * SPIRE's AWS plugins: how each renders (exact HCL), what the estate refuses (one test per refusal, each
 * matched by field and rule), and what the constructs add for credentials and mounted files. The
 * example estate (examples/aws) is the base every case changes.
 */

const baseServer: ServerConfOptions = {
  trustDomain: 'td.example',
  bindPort: 8081,
  dataDir: '/run/spire/data',
  socketPath: '/tmp/spire-server/private/api.sock',
  logLevel: 'INFO',
  logFormat: 'text',
  caTtl: '24h',
  caKeyType: 'ec-p256',
  caSubject: { country: 'US', organization: 'Example', commonName: 'td' },
  defaultX509SvidTtl: '1h',
  defaultJwtSvidTtl: '5m',
  datastore: { type: 'sqlite3', path: '/d.sqlite3' },
  keyManager: { type: 'memory' },
  psatClusters: [{ name: 'c1', serviceAccountAllowList: ['spire-system:spire-agent'], audience: ['spire-server'] }],
  bundle: { cluster: 'c1', namespace: 'spire-system', configMapName: 'spire-bundle', configMapKey: 'bundle.spiffe', format: 'spiffe' },
  health: { port: 8080, livePath: '/live', readyPath: '/ready' },
};

/** The `plugins { }` block of a rendered server.conf, one level dedented. */
function pluginsOf(conf: string): string {
  const start = conf.indexOf('plugins {\n');
  const end = conf.indexOf('\n}\n', start);
  return conf.slice(start + 'plugins {\n'.length, end + 1).split('\n').map((line) => line.replace(/^ {2}/, '')).join('\n');
}

/** One plugin's block (`KeyManager "aws_kms" { ... }`) out of a plugins block. */
function block(plugins: string, header: string): string {
  const start = plugins.indexOf(`${header} {\n`);
  if (start < 0) throw new Error(`no ${header} in\n${plugins}`);
  const end = plugins.indexOf('\n}\n', start);
  return plugins.slice(start, end + 3);
}

describe('renderServerConf with AWS plugins', () => {
  test('aws_kms with a fixed identifier and a key policy', () => {
    const conf = renderServerConf({ ...baseServer, keyManager: { type: 'aws_kms', region: 'us-east-1', keyIdentifierValue: 'spire-a', keyPolicyFile: '/p/policy.json' } });
    expect(block(pluginsOf(conf), 'KeyManager "aws_kms"')).toBe(`KeyManager "aws_kms" {
  plugin_data {
    region = "us-east-1"
    key_identifier_value = "spire-a"
    key_policy_file = "/p/policy.json"
  }
}
`);
  });

  test('aws_pca with every option', () => {
    const conf = renderServerConf({
      ...baseServer,
      upstreamAuthority: {
        type: 'aws_pca', region: 'us-east-1', certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x',
        signingAlgorithm: 'SHA256WITHECDSA', caSigningTemplateArn: 'arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen1/V1',
        assumeRoleArn: 'arn:aws:iam::111122223333:role/pca', supplementalBundlePath: '/b/bundle.pem',
      },
    });
    expect(block(pluginsOf(conf), 'UpstreamAuthority "aws_pca"')).toBe(`UpstreamAuthority "aws_pca" {
  plugin_data {
    region = "us-east-1"
    certificate_authority_arn = "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x"
    signing_algorithm = "SHA256WITHECDSA"
    ca_signing_template_arn = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen1/V1"
    assume_role_arn = "arn:aws:iam::111122223333:role/pca"
    supplemental_bundle_path = "/b/bundle.pem"
  }
}
`);
  });

  test('awssecret leaves out what is not given', () => {
    const conf = renderServerConf({ ...baseServer, upstreamAuthority: { type: 'awssecret', region: 'eu-west-1', certFileArn: 'ca-cert', keyFileArn: 'ca-key' } });
    expect(block(pluginsOf(conf), 'UpstreamAuthority "awssecret"')).toBe(`UpstreamAuthority "awssecret" {
  plugin_data {
    region = "eu-west-1"
    cert_file_arn = "ca-cert"
    key_file_arn = "ca-key"
  }
}
`);
  });

  test('aws_iid comes right after k8s_psat, and an empty one is still a plugin', () => {
    const plugins = pluginsOf(renderServerConf({ ...baseServer, awsIid: {} }));
    expect(plugins.indexOf('NodeAttestor "aws_iid"')).toBeGreaterThan(plugins.indexOf('NodeAttestor "k8s_psat"'));
    expect(block(plugins, 'NodeAttestor "aws_iid"')).toBe('NodeAttestor "aws_iid" {\n  plugin_data {}\n}\n');
    const full = pluginsOf(renderServerConf({
      ...baseServer,
      awsIid: { assumeRole: 'describe', skipBlockDevice: true, disableInstanceProfileSelectors: false, agentPathTemplate: '/{{ .InstanceID }}', accountIdsForLocalValidation: ['111122223333'], partition: 'aws-cn' },
    }));
    expect(block(full, 'NodeAttestor "aws_iid"')).toBe(`NodeAttestor "aws_iid" {
  plugin_data {
    assume_role = "describe"
    skip_block_device = true
    disable_instance_profile_selectors = false
    agent_path_template = "/{{ .InstanceID }}"
    account_ids_for_local_validation = ["111122223333"]
    partition = "aws-cn"
  }
}
`);
  });

  test('bundle publishers follow k8s_configmap in the order given', () => {
    const plugins = pluginsOf(renderServerConf({
      ...baseServer,
      bundlePublishers: [
        { type: 'aws_rolesanywhere_trustanchor', region: 'us-east-1', trustAnchorId: '0f0e0d0c-0b0a-0908-0706-050403020100' },
        { type: 'aws_s3', region: 'us-east-1', bucket: 'b', objectKey: 'k', format: 'pem', endpoint: 'https://s3.example.org' },
      ],
    }));
    expect(plugins.indexOf('"aws_rolesanywhere_trustanchor"')).toBeGreaterThan(plugins.indexOf('"k8s_configmap"'));
    expect(plugins.indexOf('"aws_s3"')).toBeGreaterThan(plugins.indexOf('"aws_rolesanywhere_trustanchor"'));
    expect(block(plugins, 'BundlePublisher "aws_s3"')).toBe(`BundlePublisher "aws_s3" {
  plugin_data {
    region = "us-east-1"
    bucket = "b"
    object_key = "k"
    format = "pem"
    endpoint = "https://s3.example.org"
  }
}
`);
    expect(block(plugins, 'BundlePublisher "aws_rolesanywhere_trustanchor"')).toContain('trust_anchor_id = "0f0e0d0c-0b0a-0908-0706-050403020100"');
  });

  const database = { host: 'db.example.org', port: 5432, database: 'spire', user: 'spire', maxOpenConns: 5, maxIdleConns: 2 };

  test('postgres with IAM authentication: the database_type block and no password anywhere', () => {
    const conf = renderServerConf({ ...baseServer, datastore: { ...database, type: 'postgres', sslMode: 'require', iamAuthRegion: 'us-east-1' } });
    expect(block(pluginsOf(conf), 'DataStore "sql"')).toBe(`DataStore "sql" {
  plugin_data {
    database_type "aws_postgres" {
      region = "us-east-1"
    }
    connection_string = "dbname=spire user=spire host=db.example.org port=5432 sslmode=require"
    max_open_conns = 5
    max_idle_conns = 2
  }
}
`);
  });

  test('mysql with IAM authentication: an empty password, clear-text tokens inside TLS', () => {
    const conf = renderServerConf({ ...baseServer, datastore: { ...database, port: 3306, type: 'mysql', iamAuthRegion: 'us-east-1' } });
    const datastore = block(pluginsOf(conf), 'DataStore "sql"');
    expect(datastore).toContain('database_type "aws_mysql" {\n      region = "us-east-1"\n    }');
    expect(datastore).toContain('connection_string = "spire:@tcp(db.example.org:3306)/spire?parseTime=true&allowCleartextPasswords=1&tls=true"');
    expect(datastore).not.toContain('${');
  });
});

describe('renderAgentConf with AWS plugins', () => {
  const agent = {
    trustDomain: 'td.example', serverAddress: 's', serverPort: 443, dataDir: '/d', socketPath: '/s', trustBundlePath: '/b',
    trustBundleFormat: 'spiffe' as const, logLevel: 'INFO' as const, logFormat: 'text' as const, kubelet: { verification: 'skip' as const },
    health: { port: 9982, livePath: '/live', readyPath: '/ready' },
  };

  test('aws_iid is the one NodeAttestor, and an SVIDStore follows the KeyManager', () => {
    const conf = renderAgentConf({ ...agent, nodeAttestor: { type: 'aws_iid', ec2MetadataEndpoint: 'http://169.254.169.254/latest' }, svidStore: { type: 'aws_secretsmanager', region: 'us-east-1' } });
    expect(conf.match(/NodeAttestor "/g)).toHaveLength(1);
    expect(conf).toContain(`  NodeAttestor "aws_iid" {
    plugin_data {
      ec2_metadata_endpoint = "http://169.254.169.254/latest"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  SVIDStore "aws_secretsmanager" {
    plugin_data {
      region = "us-east-1"
    }
  }
`);
    expect(conf).not.toContain('k8s_psat');
  });
});

// ------------------------------------------------------------------------------- the estate's refusals

const awsProduction = awsExample.environments[0];

function withServer(change: Partial<EnvironmentConfig['server']>): EstateConfig {
  return { ...awsExample, environments: [{ ...awsProduction, server: { ...awsProduction.server, ...change } as EnvironmentConfig['server'] }] };
}

function withEnv(change: (env: EnvironmentConfig) => EnvironmentConfig): EstateConfig {
  return { ...awsExample, environments: [change(awsProduction)] };
}

const kms = awsProduction.server.keyManager as Extract<EnvironmentConfig['server']['keyManager'], { type: 'aws_kms' }>;
const pca = {
  type: 'aws_pca' as const, region: 'us-east-1',
  certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/12345678-1234-1234-1234-123456789012',
};
const postgres = awsProduction.server.datastore as Extract<EnvironmentConfig['server']['datastore'], { type: 'postgres' }>;

describe('AWS options the estate refuses', () => {
  test('the example estate itself has no problem', () => {
    expect(problemsOf(awsExample)).toEqual([]);
  });

  const cases: [string, EstateConfig, RegExp][] = [
    ['fails aws_kms with both a key identifier value and a claim', withServer({ keyManager: { ...kms, keyIdentifierValue: 'spire' } }),
      /server\.keyManager\.keyIdentifierValue: and storageSize both name where/],
    ['fails aws_kms with neither a key identifier value nor a claim', withServer({ keyManager: { type: 'aws_kms', region: 'us-east-1' } }),
      /server\.keyManager\.storageSize: or keyIdentifierValue must say where/],
    ['fails an aws_kms key identifier with characters aws_kms refuses', withServer({ replicas: 1, keyManager: { type: 'aws_kms', region: 'us-east-1', keyIdentifierValue: 'spire a' } }),
      /server\.keyManager\.keyIdentifierValue: holds characters other than letters, digits, \/, _ and -, which aws_kms refuses/],
    ['fails an aws_kms key identifier under alias/aws/', withServer({ replicas: 1, keyManager: { type: 'aws_kms', region: 'us-east-1', keyIdentifierValue: 'alias/aws/spire' } }),
      /keyIdentifierValue: starts with alias\/aws\//],
    ['fails one aws_kms key identifier shared by several replicas', withServer({ keyManager: { type: 'aws_kms', region: 'us-east-1', keyIdentifierValue: 'spire' } }),
      /keyIdentifierValue: is one identifier for several servers \(server\.replicas is 2\)/],
    ['fails an aws_kms claim size that is not a quantity', withServer({ keyManager: { ...kms, storageSize: '1 GB' } }),
      /server\.keyManager\.storageSize: is not a Kubernetes quantity/],
    ['fails an aws_kms StorageClass name Kubernetes refuses', withServer({ keyManager: { ...kms, storageClass: 'GP3' } }),
      /server\.keyManager\.storageClass: is not a StorageClass name/],
    ['fails a region that is not one', withServer({ keyManager: { ...kms, region: 'US East' } }),
      /server\.keyManager\.region: is not an AWS region, got "US East"/],
    ['fails an aws_pca certificate authority that is not a Private CA ARN', withServer({ upstreamAuthority: { ...pca, certificateAuthorityArn: 'arn:aws:acm:us-east-1:111122223333:certificate/x' } }),
      /server\.upstreamAuthority\.certificateAuthorityArn: is not an AWS Private CA ARN/],
    ['fails an aws_pca region other than its certificate authority\'s', withServer({ upstreamAuthority: { ...pca, region: 'eu-west-1' } }),
      /server\.upstreamAuthority\.region: is not the region of the certificate authority \(us-east-1\)/],
    ['fails an aws_pca signing template that is not a template ARN', withServer({ upstreamAuthority: { ...pca, caSigningTemplateArn: 'SubordinateCACertificate_PathLen0' } }),
      /server\.upstreamAuthority\.caSigningTemplateArn: is not an AWS Private CA template ARN/],
    ['fails an assumed role that is not a role ARN', withServer({ upstreamAuthority: { ...pca, assumeRoleArn: 'spire-pca' } }),
      /server\.upstreamAuthority\.assumeRoleArn: is not an IAM role ARN/],
    ['fails an awssecret certificate that is neither secret ARN nor name', withServer({ upstreamAuthority: { type: 'awssecret', region: 'us-east-1', certFileArn: 'arn:aws:s3:::bucket/ca.pem', keyFileArn: 'ca-key' } }),
      /server\.upstreamAuthority\.certFileArn: is neither a Secrets Manager secret ARN nor a secret name/],
    ['fails an aws_iid assume_role given as an ARN', withServer({ awsIid: { assumeRole: 'arn:aws:iam::111122223333:role/describe' } }),
      /server\.awsIid\.assumeRole: is not an IAM role name/],
    ['fails an aws_iid account that is not 12 digits', withServer({ awsIid: { accountIdsForLocalValidation: ['1111-2222-3333'] } }),
      /server\.awsIid\.accountIdsForLocalValidation: is not a 12-digit AWS account ID/],
    ['fails an aws_iid agent path template without a leading /', withServer({ awsIid: { agentPathTemplate: '{{ .InstanceID }}' } }),
      /server\.awsIid\.agentPathTemplate: must render a path starting with \//],
    ['fails aws_iid agents when the server does not accept aws_iid', withEnv((env) => ({
      ...env, identities: [], server: { ...env.server, awsIid: undefined }, clusters: env.clusters.map((cluster) => ({ ...cluster, agentNodeAttestor: 'aws_iid' as const })),
    })), /clusters\["eks-use1"\]\.agentNodeAttestor: needs the server to accept aws_iid/],
    ['fails aws_iid agents on a cluster whose pods are given identities', withEnv((env) => ({
      ...env, clusters: env.clusters.map((cluster) => ({ ...cluster, agentNodeAttestor: 'aws_iid' as const })),
    })), /clusters\["eks-use1"\]\.agentNodeAttestor: makes the cluster's agents aws_iid agents, but the controller manager parents every ClusterSPIFFEID entry on a k8s_psat agent ID/],
    ['fails an EC2 metadata endpoint that is not a URL', withEnv((env) => ({ ...env, agent: { ...env.agent, awsIid: { ec2MetadataEndpoint: '169.254.169.254' } } })),
      /agent\.awsIid\.ec2MetadataEndpoint: is not an http\(s\) URL/],
    ['fails a database with both IAM authentication and a password', withServer({ datastore: { ...postgres, passwordSecret: { name: 'db', key: 'password' } } }),
      /server\.datastore\.passwordSecret: is given with iamAuth/],
    ['fails a database with neither IAM authentication nor a password', withServer({ datastore: { ...postgres, iamAuth: undefined } }),
      /server\.datastore\.passwordSecret: is needed: the server has no other way to log in/],
    ['fails an IAM authentication region that is not one', withServer({ datastore: { ...postgres, iamAuth: { region: 'virginia' } } }),
      /server\.datastore\.iamAuth\.region: is not an AWS region/],
    ['fails two bundle publishers of one type', withServer({ bundlePublishers: [...awsProduction.server.bundlePublishers!, ...awsProduction.server.bundlePublishers!] }),
      /server\.bundlePublishers\[1\]\.type: is listed twice/],
    ['fails an S3 bucket name S3 refuses', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'Spire_Bundle', objectKey: 'b', format: 'spiffe' }] }),
      /server\.bundlePublishers\[0\]\.bucket: is not an S3 bucket name/],
    ['fails an empty S3 object key', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'spire', objectKey: '', format: 'spiffe' }] }),
      /server\.bundlePublishers\[0\]\.objectKey: must be an S3 object key of 1 to 1024 characters/],
    ['fails an S3 endpoint that is not an absolute URL', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'spire', objectKey: 'b', format: 'spiffe', endpoint: 's3.example.org' }] }),
      /server\.bundlePublishers\[0\]\.endpoint: is not an absolute URL/],
    ['fails a Roles Anywhere trust anchor ID that is not a UUID', withServer({ bundlePublishers: [{ type: 'aws_rolesanywhere_trustanchor', region: 'us-east-1', trustAnchorId: 'spire-anchor' }] }),
      /server\.bundlePublishers\[0\]\.trustAnchorId: is not a Roles Anywhere trust anchor ID/],
    ['fails server AWS plugins without credentials', withServer({ awsCredentials: undefined }),
      /server\.awsCredentials: is needed by server\.keyManager \(aws_kms\), server\.awsIid, server\.datastore\.iamAuth, server\.bundlePublishers \(aws_s3\), which call AWS/],
    ['fails an agent SVIDStore without credentials', withEnv((env) => ({ ...env, agent: { ...env.agent, svidStore: { type: 'aws_secretsmanager', region: 'us-east-1' } } })),
      /agent\.awsCredentials: is needed by agent\.svidStore \(aws_secretsmanager\)/],
    ['fails an IRSA role that is not a role ARN', withServer({ awsCredentials: { type: 'irsa', roleArn: 'arn:aws:iam::111122223333:user/spire' } }),
      /server\.awsCredentials\.roleArn: is not an IAM role ARN/],
    ['fails a key policy ConfigMap name Kubernetes refuses', withServer({ keyManager: { ...kms, keyPolicyConfigMap: { name: 'KMS_Policy', key: 'policy.json' } } }),
      /server\.keyManager\.keyPolicyConfigMap\.name: is not a ConfigMap name/],
    ['fails a supplemental bundle ConfigMap key Kubernetes refuses', withServer({ upstreamAuthority: { ...pca, supplementalBundleConfigMap: { name: 'roots', key: 'roots/ca.pem' } } }),
      /server\.upstreamAuthority\.supplementalBundleConfigMap\.key: is not a ConfigMap key/],
    ['fails an access key Secret name Kubernetes refuses', withServer({ awsCredentials: { type: 'secret', secretName: 'AWS Keys', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' } }),
      /server\.awsCredentials\.secretName: is not a Secret name/],
    ['fails an access key Secret key Kubernetes refuses', withServer({ awsCredentials: { type: 'secret', secretName: 'aws', accessKeyIdKey: 'access key', secretAccessKeyKey: 'secret' } }),
      /server\.awsCredentials\.accessKeyIdKey: is not a Secret key/],
  ];

  test.each(cases)('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    // Each problem names the environment and the fix.
    for (const problem of problems.filter((text) => message.test(text))) expect(problem).toMatch(/^production: environment "production" .*; fix: /);
  });

  test('fails an upstream authority of a type the estate does not know, before any other check', () => {
    expect(() => renderEstate(withServer({ upstreamAuthority: { type: 'aws_acm' } as never }))).toThrow(/upstreamAuthority/);
  });
});

// ---------------------------------------------------------------------------------------- constructs

describe('AWS credentials and files in the manifests', () => {
  test('IRSA: the server ServiceAccount carries the role, and no AWS variable is set', () => {
    const files = renderEstate(awsExample);
    const serviceAccount = find(files, 'production/eks-use1/spire-server/serviceaccount-spire-server.yaml');
    expect(serviceAccount.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::111122223333:role/spire-server');
    const statefulSet = find(files, 'production/eks-use1/spire-server/statefulset-spire-server.yaml');
    const server = statefulSet.spec.template.spec.containers.find((container: any) => container.name === 'spire-server');
    expect(server.env).toEqual([]);
    // The KMS key identifier lives on the replica's claim.
    expect(statefulSet.spec.volumeClaimTemplates[0].spec).toMatchObject({ resources: { requests: { storage: '1Gi' } }, storageClassName: 'gp3' });
    const agentAccount = find(files, 'production/eks-use1/spire-system/serviceaccount-spire-agent.yaml');
    expect(agentAccount.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBeUndefined();
  });

  test('an access key Secret reaches server and agent as the SDK\'s variables, and mounted files land where the config says', () => {
    const secret = { type: 'secret' as const, secretName: 'spire-aws', accessKeyIdKey: 'id', secretAccessKeyKey: 'key' };
    const files = renderEstate(withEnv((env) => ({
      ...env,
      server: {
        ...env.server,
        awsCredentials: secret,
        keyManager: { ...kms, keyPolicyConfigMap: { name: 'kms-policy', key: 'policy.json' } },
        upstreamAuthority: { ...pca, supplementalBundleConfigMap: { name: 'extra-roots', key: 'roots.pem' } },
      },
      agent: { ...env.agent, awsCredentials: secret, svidStore: { type: 'aws_secretsmanager', region: 'us-east-1' } },
    })));
    const statefulSet = find(files, 'production/eks-use1/spire-server/statefulset-spire-server.yaml');
    const pod = statefulSet.spec.template.spec;
    const server = pod.containers.find((container: any) => container.name === 'spire-server');
    const awsEnv = [
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'spire-aws', key: 'id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'spire-aws', key: 'key' } } },
    ];
    expect(server.env).toEqual(awsEnv);
    const conf: string = find(files, 'production/eks-use1/spire-server/configmap-spire-server.yaml').data['server.conf'];
    expect(conf).toContain('key_policy_file = "/run/spire/aws-kms-policy/policy.json"');
    expect(conf).toContain('supplemental_bundle_path = "/run/spire/aws-pca-bundle/bundle.pem"');
    expect(conf).not.toMatch(/access_key|secret_access/);
    expect(server.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'aws-kms-policy', mountPath: '/run/spire/aws-kms-policy', readOnly: true },
      { name: 'aws-pca-bundle', mountPath: '/run/spire/aws-pca-bundle', readOnly: true },
    ]));
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'aws-kms-policy', configMap: { name: 'kms-policy', items: [{ key: 'policy.json', path: 'policy.json' }] } },
      { name: 'aws-pca-bundle', configMap: { name: 'extra-roots', items: [{ key: 'roots.pem', path: 'bundle.pem' }] } },
    ]));
    const serviceAccount = find(files, 'production/eks-use1/spire-server/serviceaccount-spire-server.yaml');
    expect(serviceAccount.metadata.annotations['eks.amazonaws.com/role-arn']).toBeUndefined();
    const agent = find(files, 'production/eks-use1/spire-system/daemonset-spire-agent.yaml').spec.template.spec.containers[0];
    expect(agent.env).toEqual(awsEnv);
  });

  test('mysql with IAM authentication: no password variable and no -expandEnv', () => {
    const { sslMode: _postgresOnly, ...database } = postgres;
    const files = renderEstate(withServer({ datastore: { ...database, type: 'mysql', port: 3306 } }));
    const statefulSet = find(files, 'production/eks-use1/spire-server/statefulset-spire-server.yaml');
    const server = statefulSet.spec.template.spec.containers.find((container: any) => container.name === 'spire-server');
    expect(server.env).toEqual([]);
    expect([...server.command ?? [], ...server.args ?? []]).not.toContain('-expandEnv');
  });
});

describe('examples/aws', () => {
  test('its server.conf and agent.conf', () => {
    const files = renderEstate(awsExample);
    expect(find(files, 'production/eks-use1/spire-server/configmap-spire-server.yaml').data['server.conf']).toMatchSnapshot('server.conf');
    expect(find(files, 'production/eks-use1/spire-system/configmap-spire-agent.yaml').data['agent.conf']).toMatchSnapshot('agent.conf');
  });
});
