import { SPIRE_SERVER, TLS_SECRET_KEYS } from '../lib/config/spire-facts';
import { Datastore, EnvironmentConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * TLS to an external database beyond verifying its server: the CA from a Secret (caSecret) and a client
 * certificate and key from a kubernetes.io/tls Secret (clientCertificateSecret), as postgres' lib/pq
 * (sslrootcert, sslcert, sslkey in the connection string) and SPIRE's mysql dialect (root_ca_path,
 * client_cert_path, client_key_path: pkg/server/datastore/sqlstore/sqlstore.go configuration) read them.
 */

const POSTGRES: Datastore = {
  type: 'postgres', host: 'db.example.org', port: 5432, database: 'spire', user: 'spire',
  passwordSecret: { name: 'spire-db', key: 'password' }, sslMode: 'verify-full', maxOpenConns: 10, maxIdleConns: 5,
};
const MYSQL: Datastore = {
  type: 'mysql', host: 'db.example.org', port: 3306, database: 'spire', user: 'spire',
  passwordSecret: { name: 'spire-db', key: 'password' }, maxOpenConns: 10, maxIdleConns: 5,
};

function staging(datastore: Datastore) {
  // The Secrets and the CA ConfigMap are created out of band.
  return estateWith('staging', (env: EnvironmentConfig) => ({
    ...env, server: { ...env.server, replicas: 2, datastore }, gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' } },
  }));
}

function serverTree(datastore: Datastore) {
  const files = renderEstate(staging(datastore));
  const conf: string = find(files, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'];
  const pod = find(files, 'staging/stg-euw1/spire-server/statefulset-spire-server.yaml').spec.template.spec;
  return { conf, pod, server: pod.containers.find((container: any) => container.name === 'spire-server') };
}

/** The file at `path` as the server container sees it: the volume mounted over its directory, and the item. */
function mountedFile(pod: any, container: any, path: string): { volume: any; key: string } {
  const mount = container.volumeMounts.find((candidate: any) => path.startsWith(`${candidate.mountPath}/`));
  expect(mount).toBeDefined();
  const volume = pod.volumes.find((candidate: any) => candidate.name === mount.name);
  const file = path.slice(mount.mountPath.length + 1);
  const item = (volume.secret ?? volume.configMap).items?.find((candidate: any) => candidate.path === file);
  return { volume, key: item?.key ?? file };
}

describe('postgres', () => {
  const { conf, pod, server } = serverTree({ ...POSTGRES, caSecret: 'spire-db-ca', clientCertificateSecret: 'spire-db-client' });
  const connection = /connection_string = "([^"]+)"/.exec(conf)![1];
  const pairs = Object.fromEntries(connection.split(' ').map((pair) => pair.split('=')));

  test('the connection string names the CA, the client certificate and the key', () => {
    expect(pairs).toMatchObject({
      sslmode: 'verify-full',
      sslrootcert: `${SPIRE_SERVER.dbCaDir}/${SPIRE_SERVER.dbCaFile}`,
      sslcert: `${SPIRE_SERVER.dbClientCertDir}/${TLS_SECRET_KEYS.certificate}`,
      sslkey: `${SPIRE_SERVER.dbClientCertDir}/${TLS_SECRET_KEYS.privateKey}`,
    });
  });

  test('each file is mounted from its Secret where the string says', () => {
    expect(mountedFile(pod, server, pairs.sslrootcert)).toMatchObject({ volume: { secret: { secretName: 'spire-db-ca' } }, key: 'ca.crt' });
    expect(mountedFile(pod, server, pairs.sslcert)).toMatchObject({ volume: { secret: { secretName: 'spire-db-client' } }, key: 'tls.crt' });
    expect(mountedFile(pod, server, pairs.sslkey)).toMatchObject({ volume: { secret: { secretName: 'spire-db-client' } }, key: 'tls.key' });
  });

  test('the key is root-owned and readable by the pod\'s group only, as lib/pq demands of a root-owned key (at most 0640)', () => {
    const { volume } = mountedFile(pod, server, pairs.sslkey);
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(pod.securityContext.fsGroup).toBeDefined();
  });

  test('no certificate or key material is in the tree, only Secret names', () => {
    const files = renderEstate(staging({ ...POSTGRES, caSecret: 'spire-db-ca', clientCertificateSecret: 'spire-db-client' }));
    for (const content of files.values()) expect(content).not.toMatch(/BEGIN (CERTIFICATE|[A-Z ]*PRIVATE KEY)/);
  });
});

describe('mysql', () => {
  const { conf, pod, server } = serverTree({ ...MYSQL, caConfigMap: 'spire-db-ca', clientCertificateSecret: 'spire-db-client' });

  test('root_ca_path, client_cert_path and client_key_path are set, and mounted', () => {
    const path = (key: string) => new RegExp(`${key} = "([^"]+)"`).exec(conf)![1];
    expect(path('root_ca_path')).toBe(`${SPIRE_SERVER.dbCaDir}/${SPIRE_SERVER.dbCaFile}`);
    expect(mountedFile(pod, server, path('root_ca_path')).volume.configMap.name).toBe('spire-db-ca');
    expect(mountedFile(pod, server, path('client_cert_path'))).toMatchObject({ volume: { secret: { secretName: 'spire-db-client' } }, key: 'tls.crt' });
    expect(mountedFile(pod, server, path('client_key_path'))).toMatchObject({ volume: { secret: { secretName: 'spire-db-client' } }, key: 'tls.key' });
  });

  test('without a client certificate, neither client key appears', () => {
    const plain = serverTree({ ...MYSQL, caConfigMap: 'spire-db-ca' });
    expect(plain.conf).not.toContain('client_cert_path');
    expect(plain.conf).not.toContain('client_key_path');
    expect(plain.pod.volumes.map((volume: any) => volume.name)).not.toContain('db-client-certificate');
  });
});

describe('synth refuses', () => {
  test('fails when both caConfigMap and caSecret name the CA', () => {
    expect(problemsOf(staging({ ...POSTGRES, caConfigMap: 'a', caSecret: 'b' }))).toEqual([
      'staging: environment "staging" server.datastore.caSecret: and caConfigMap (a) both name the database server\'s CA; the server reads one file, got "b"; fix: keep one of them',
    ]);
  });

  test('fails when a Secret name is not a Kubernetes name', () => {
    expect(problemsOf(staging({ ...POSTGRES, caSecret: 'ca', clientCertificateSecret: 'Client_Cert' })))
      .toEqual([expect.stringMatching(/server.datastore.clientCertificateSecret: .*got "Client_Cert"/)]);
  });

  test('verify-full accepts a CA from a Secret as it does from a ConfigMap', () => {
    expect(problemsOf(staging({ ...POSTGRES, caSecret: 'spire-db-ca' }))).toEqual([]);
    expect(problemsOf(staging(POSTGRES))).toEqual([expect.stringMatching(/server.datastore.caConfigMap: sslmode verify-full verifies the server against a CA/)]);
  });
});
