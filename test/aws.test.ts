import { renderAgentConf } from '../lib/render/agent-conf';
import { renderServerConf } from '../lib/render/server-conf';
import { renderEstate } from '../lib/synth';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { estate as awsExample } from '../examples/aws/estate';
import { find, problemsOf } from './helpers/estate';
import { MINIMAL_SERVER } from './helpers/render-options';

/*
 * SPIRE's AWS plugins: how each renders (exact HCL), what the estate refuses (one test per refusal, each
 * matched by field and rule), and what the constructs add for credentials and mounted files. The
 * example estate (examples/aws) is the base every case changes.
 */


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
    const conf = renderServerConf({ ...MINIMAL_SERVER, keyManager: { type: 'aws_kms', region: 'us-east-1', keyIdentifier: { value: 'spire-a' }, keyPolicyFile: '/p/policy.json' } });
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
      ...MINIMAL_SERVER,
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
    const conf = renderServerConf({ ...MINIMAL_SERVER, upstreamAuthority: { type: 'awssecret', region: 'eu-west-1', certFileArn: 'ca-cert', keyFileArn: 'ca-key' } });
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
    const plugins = pluginsOf(renderServerConf({ ...MINIMAL_SERVER, nodeAttestors: [{ type: 'aws_iid' }] }));
    expect(plugins.indexOf('NodeAttestor "aws_iid"')).toBeGreaterThan(plugins.indexOf('NodeAttestor "k8s_psat"'));
    expect(block(plugins, 'NodeAttestor "aws_iid"')).toBe('NodeAttestor "aws_iid" {\n  plugin_data {}\n}\n');
    const full = pluginsOf(renderServerConf({
      ...MINIMAL_SERVER,
      nodeAttestors: [{ type: 'aws_iid', assumeRole: 'describe', skipBlockDevice: true, disableInstanceProfileSelectors: false, agentPathTemplate: '/{{ .InstanceID }}', accountIdsForLocalValidation: ['111122223333'], partition: 'aws-cn' }],
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
      ...MINIMAL_SERVER,
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
    const conf = renderServerConf({ ...MINIMAL_SERVER, datastore: { ...database, type: 'postgres', sslMode: 'require', iamAuthRegion: 'us-east-1' } });
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
    const conf = renderServerConf({ ...MINIMAL_SERVER, datastore: { ...database, port: 3306, type: 'mysql', iamAuthRegion: 'us-east-1' } });
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

  test('an aws_secretsmanager SVIDStore names its region only, after the WorkloadAttestor', () => {
    const conf = renderAgentConf({
      ...agent, nodeAttestor: { type: 'k8s_psat', cluster: 'c1', tokenPath: '/t' }, keyManager: { type: 'memory' },
      svidStores: [{ type: 'aws_secretsmanager', region: 'us-east-1' }],
    });
    expect(conf.indexOf('SVIDStore "aws_secretsmanager"')).toBeGreaterThan(conf.indexOf('WorkloadAttestor "k8s"'));
    expect(conf).toContain(`  SVIDStore "aws_secretsmanager" {
    plugin_data {
      region = "us-east-1"
    }
  }
`);
    expect(conf).not.toMatch(/access_key|secret_access/);
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

  const kmsValue = (value: string) => ({ ...kms, keyIdentifier: { type: 'value' as const, value } });
  const iid = { type: 'aws_iid' as const, accountIdsForLocalValidation: ['111122223333'] };
  const cases: [string, EstateConfig, RegExp][] = [
    ['fails aws_kms with both a key identifier value and a claim', withServer({ keyManager: { ...kms, keyIdentifier: { type: 'value', value: 'spire', storageSize: '1Gi' } as never } }),
      /server\.keyManager\.keyIdentifier\.storageSize: unknown key storageSize/],
    ['fails aws_kms with neither a key identifier value nor a claim', withServer({ keyManager: { type: 'aws_kms', region: 'us-east-1' } as never }),
      /server\.keyManager\.keyIdentifier: is required/],
    ['fails an aws_kms key identifier with characters aws_kms refuses', withServer({ replicas: 1, keyManager: kmsValue('spire a') }),
      /server\.keyManager\.keyIdentifier\.value: holds characters other than letters, digits, \/, _ and -, which SPIRE aws_kms refuses/],
    ['fails an aws_kms key identifier under alias/aws/', withServer({ replicas: 1, keyManager: kmsValue('alias/aws/spire') }),
      /keyIdentifier\.value: starts with alias\/aws\//],
    ['fails one aws_kms key identifier shared by several replicas', withServer({ keyManager: kmsValue('spire') }),
      /keyIdentifier\.value: is one identifier for 2 server replicas \(server\.replicas\)/],
    ['fails an aws_kms claim size that is not a quantity', withServer({ keyManager: { ...kms, keyIdentifier: { type: 'file', storageSize: '1 GB' } } }),
      /server\.keyManager\.keyIdentifier\.storageSize: is not a Kubernetes quantity/],
    ['fails an aws_kms StorageClass name Kubernetes refuses', withServer({ keyManager: { ...kms, keyIdentifier: { type: 'file', storageSize: '1Gi', storageClass: 'GP3' } } }),
      /keyIdentifier\.storageClass: is not a StorageClass name/],
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
    ['fails an aws_iid assume_role given as an ARN', withServer({ vmNodeAttestors: [{ ...iid, assumeRole: 'arn:aws:iam::111122223333:role/describe' }] }),
      /server\.vmNodeAttestors\[0\]\.assumeRole: is not an IAM role name/],
    ['fails an aws_iid account that is not 12 digits', withServer({ vmNodeAttestors: [{ ...iid, accountIdsForLocalValidation: ['1111-2222-3333'] }] }),
      /server\.vmNodeAttestors\[0\]\.accountIdsForLocalValidation: is not a 12-digit AWS account ID/],
    ['fails an aws_iid agent path template without a leading /', withServer({ vmNodeAttestors: [{ ...iid, agentPathTemplate: '{{ .InstanceID }}' }] }),
      /server\.vmNodeAttestors\[0\]\.agentPathTemplate: must render a path starting with \//],
    ['fails two aws_iid attestors', withServer({ vmNodeAttestors: [iid, iid] }),
      /server\.vmNodeAttestors\[1\]\.type: appears twice; SPIRE loads one plugin of a name/],
    ['fails aws_iid for the clusters\' own agents', withEnv((env) => ({ ...env, agent: { ...env.agent, nodeAttestor: { type: 'aws_iid' } as never } })),
      /agent\.nodeAttestor\.type: .*one of k8s_psat, gcp_iit, x509pop, got "aws_iid"/],
    ['fails a database with both IAM authentication and a password', withServer({ datastore: { ...postgres, passwordSecret: { name: 'db', key: 'password' } } }),
      /server\.datastore\.passwordSecret: is given with iamAuth/],
    ['fails a database with neither IAM authentication nor a password', withServer({ datastore: { ...postgres, iamAuth: undefined } }),
      /server\.datastore\.passwordSecret: is needed: the server has no other way to log in/],
    ['fails an IAM authentication region that is not one', withServer({ datastore: { ...postgres, iamAuth: { region: 'virginia' } } }),
      /server\.datastore\.iamAuth\.region: is not an AWS region/],
    ['fails two bundle publishers of one type', withServer({ bundlePublishers: [...awsProduction.server.bundlePublishers!, ...awsProduction.server.bundlePublishers!] }),
      /server\.bundlePublishers\[1\]\.type: appears twice; SPIRE loads one plugin of a name/],
    ['fails an S3 bucket name S3 refuses', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'Spire_Bundle', objectKey: 'b', format: 'spiffe' }] }),
      /server\.bundlePublishers\[0\]\.bucket: is not an S3 bucket name/],
    ['fails an empty S3 object key', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'spire', objectKey: '', format: 'spiffe' }] }),
      /server\.bundlePublishers\[0\]\.objectKey: must be an S3 object key of 1 to 1024 characters/],
    ['fails an S3 endpoint that is not an absolute URL', withServer({ bundlePublishers: [{ type: 'aws_s3', region: 'us-east-1', bucket: 'spire', objectKey: 'b', format: 'spiffe', endpoint: 's3.example.org' }] }),
      /server\.bundlePublishers\[0\]\.endpoint: is not an absolute URL/],
    ['fails a Roles Anywhere trust anchor ID that is not a UUID', withServer({ bundlePublishers: [{ type: 'aws_rolesanywhere_trustanchor', region: 'us-east-1', trustAnchorId: 'spire-anchor' }] }),
      /server\.bundlePublishers\[0\]\.trustAnchorId: is not a Roles Anywhere trust anchor ID/],
    ['fails server AWS plugins without credentials', withServer({ cloudCredentials: undefined }),
      /server\.cloudCredentials\.aws: is needed by server\.keyManager \(aws_kms\), server\.vmNodeAttestors\[0\] \(aws_iid\), server\.datastore\.iamAuth, server\.bundlePublishers\[0\] \(aws_s3\), which call AWS/],
    ['fails server AWS credentials no plugin uses', withServer({ keyManager: { type: 'memory' }, vmNodeAttestors: undefined, bundlePublishers: undefined, datastore: { ...postgres, iamAuth: undefined, passwordSecret: { name: 'db', key: 'password' } } }),
      /server\.cloudCredentials\.aws: is given but no AWS plugin of the server uses it/],
    ['fails an agent SVIDStore without credentials', withEnv((env) => ({ ...env, agent: { ...env.agent, svidStores: [{ type: 'aws_secretsmanager', region: 'us-east-1' }] } })),
      /agent\.cloudCredentials\.aws: is needed by agent\.svidStores\[0\] \(aws_secretsmanager\)/],
    ['fails agent AWS credentials no plugin uses', withEnv((env) => ({
      ...env, agent: { ...env.agent, cloudCredentials: { aws: { type: 'irsa', roleArn: 'arn:aws:iam::111122223333:role/spire-agent' } } },
    })), /agent\.cloudCredentials\.aws: is given but no AWS plugin of the agents uses it/],
    ['fails an SVIDStore region that is not one', withEnv((env) => ({
      ...env, agent: { ...env.agent, svidStores: [{ type: 'aws_secretsmanager', region: 'east' }], cloudCredentials: { aws: { type: 'irsa', roleArn: 'arn:aws:iam::111122223333:role/spire-agent' } } },
    })), /agent\.svidStores\[0\]\.region: is not an AWS region/],
    ['fails an IRSA role that is not a role ARN', withServer({ cloudCredentials: { aws: { type: 'irsa', roleArn: 'arn:aws:iam::111122223333:user/spire' } } }),
      /server\.cloudCredentials\.aws\.roleArn: is not an IAM role ARN/],
    ['fails a key policy ConfigMap name Kubernetes refuses', withServer({ keyManager: { ...kms, keyPolicy: { configMap: 'KMS_Policy', key: 'policy.json' } } }),
      /server\.keyManager\.keyPolicy\.configMap: is not a ConfigMap name/],
    ['fails a supplemental bundle ConfigMap key Kubernetes refuses', withServer({ upstreamAuthority: { ...pca, supplementalBundle: { configMap: 'roots', key: 'roots/ca.pem' } } }),
      /server\.upstreamAuthority\.supplementalBundle\.key: is not a ConfigMap key/],
    ['fails an access key Secret name Kubernetes refuses', withServer({ cloudCredentials: { aws: { type: 'secret', secretName: 'AWS Keys', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' } } }),
      /server\.cloudCredentials\.aws\.secretName: is not a Secret name/],
    ['fails an access key Secret key Kubernetes refuses', withServer({ cloudCredentials: { aws: { type: 'secret', secretName: 'aws', accessKeyIdKey: 'access key', secretAccessKeyKey: 'secret' } } }),
      /server\.cloudCredentials\.aws\.accessKeyIdKey: is not a Secret key/],
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
        cloudCredentials: { aws: secret },
        keyManager: { ...kms, keyPolicy: { configMap: 'kms-policy', key: 'policy.json' } },
        upstreamAuthority: { ...pca, supplementalBundle: { configMap: 'extra-roots', key: 'roots.pem' } },
      },
      agent: { ...env.agent, cloudCredentials: { aws: secret }, svidStores: [{ type: 'aws_secretsmanager', region: 'us-east-1' }] },
    })));
    const statefulSet = find(files, 'production/eks-use1/spire-server/statefulset-spire-server.yaml');
    const pod = statefulSet.spec.template.spec;
    const server = pod.containers.find((container: any) => container.name === 'spire-server');
    const awsEnv = [
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'spire-aws', key: 'id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'spire-aws', key: 'key' } } },
    ];
    expect(server.env).toEqual(awsEnv);
    // The AWS SDK reads the variables itself; the config never names them, so nothing runs with -expandEnv.
    expect([...server.command ?? [], ...server.args ?? []]).not.toContain('-expandEnv');
    const conf: string = find(files, 'production/eks-use1/spire-server/configmap-spire-server.yaml').data['server.conf'];
    expect(conf).toContain('key_policy_file = "/run/spire/key-policy/policy.json"');
    expect(conf).toContain('supplemental_bundle_path = "/run/spire/aws-pca-bundle/bundle.pem"');
    expect(conf).not.toMatch(/access_key|secret_access/);
    expect(server.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'key-policy', mountPath: '/run/spire/key-policy', readOnly: true },
      { name: 'aws-pca-bundle', mountPath: '/run/spire/aws-pca-bundle', readOnly: true },
    ]));
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'key-policy', configMap: { name: 'kms-policy', items: [{ key: 'policy.json', path: 'policy.json' }] } },
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
