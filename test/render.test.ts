import { parse } from 'yaml';
import { renderAgentConf } from '../lib/render/agent-conf';
import { renderControllerManagerConfig } from '../lib/render/controller-manager-config';
import { renderOidcConf } from '../lib/render/oidc-conf';
import { renderServerConf } from '../lib/render/server-conf';
import { renderEstate } from '../lib/synth';
import { defaultEstate, estateWith } from './helpers/estate';
import { MINIMAL_SERVER } from './helpers/render-options';


describe('renderServerConf', () => {
  test('minimal options give exactly this HCL', () => {
    expect(renderServerConf(MINIMAL_SERVER)).toBe(`server {
  bind_address = "0.0.0.0"
  bind_port = "8081"
  trust_domain = "td.example"
  data_dir = "/run/spire/data"
  socket_path = "/tmp/spire-server/private/api.sock"
  log_level = "INFO"
  log_format = "text"
  ca_key_type = "ec-p256"
  ca_ttl = "24h"
  default_x509_svid_ttl = "1h"
  default_jwt_svid_ttl = "5m"
  ca_subject {
    country = ["US"]
    organization = ["Example"]
    common_name = "td"
  }
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "/run/spire/data/datastore.sqlite3"
    }
  }
  NodeAttestor "k8s_psat" {
    plugin_data {
      clusters = {
        "c1" = {
          "service_account_allow_list" = ["spire-system:spire-agent"]
          "audience" = ["spire-server"]
        }
      }
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  BundlePublisher "k8s_configmap" {
    plugin_data {
      clusters = {
        "c1" = {
          "configmap_name" = "spire-bundle"
          "configmap_key" = "bundle.spiffe"
          "namespace" = "spire-system"
          "format" = "spiffe"
        }
      }
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "8080"
  live_path = "/live"
  ready_path = "/ready"
}
`);
  });

  test('full options: postgres (password from PGPASSWORD), disk keys, cert-manager, federation, telemetry', () => {
    const full = renderServerConf({
      ...MINIMAL_SERVER,
      jwtIssuer: 'https://oidc.td.example',
      datastore: {
        type: 'postgres', host: 'db', port: 5432, database: 'spire', user: 'spire',
        sslMode: 'verify-full', rootCertPath: '/run/spire/db-ca/ca.crt', maxOpenConns: 20, maxIdleConns: 5,
      },
      keyManager: { type: 'disk', keysPath: '/run/spire/data/keys.json' },
      upstreamAuthority: { type: 'cert-manager', issuerName: 'spire-ca', issuerKind: 'ClusterIssuer', issuerGroup: 'cert-manager.io', namespace: 'spire-server' },
      telemetry: { prometheusPort: 9988 },
      federation: { bundleEndpointPort: 8443, profile: { type: 'https_spiffe' } },
    });
    expect(full).toContain('connection_string = "dbname=spire user=spire host=db port=5432 sslmode=verify-full sslrootcert=/run/spire/db-ca/ca.crt"');
    expect(full).not.toContain('federates_with');
    expect(full).toContain('jwt_issuer = "https://oidc.td.example"');
    expect(full).toContain('profile "https_spiffe" {}');
    expect(full).toContain('UpstreamAuthority "cert-manager" {');
    expect(full).toMatchSnapshot();
  });

  test('mysql: go-sql-driver DSN with the password from ${DBPW} and a verified TLS server', () => {
    const text = renderServerConf({
      ...MINIMAL_SERVER,
      datastore: { type: 'mysql', host: 'db', port: 3306, database: 'spire', user: 'spire', passwordEnv: 'DBPW', rootCertPath: '/run/spire/db-ca/ca.crt', maxOpenConns: 10, maxIdleConns: 2 },
    });
    expect(text).toContain(`    plugin_data {
      database_type = "mysql"
      connection_string = "spire:\${DBPW}@tcp(db:3306)/spire?parseTime=true&tls=custom"
      root_ca_path = "/run/spire/db-ca/ca.crt"
      max_open_conns = 10
      max_idle_conns = 2
    }`);
  });

  test('never renders a key SPIRE 1.15 removed', () => {
    const removed = ['default_svid_ttl', 'service_account_whitelist', 'registration_uds_path', 'k8s_sat', 'omit_x509svid_uid', 'use_legacy_downstream_x509_ca_ttl', 'key_metadata_file', 'exclude_sn_from_ca_subject'];
    const text = renderServerConf({ ...MINIMAL_SERVER, telemetry: { prometheusPort: 9988 } });
    for (const key of removed) expect(text).not.toContain(key);
  });
});

describe('renderAgentConf', () => {
  test('minimal options give exactly this HCL', () => {
    expect(renderAgentConf({
      trustDomain: 'td.example',
      serverAddress: 'spire-server.spire-server.svc',
      serverPort: 443,
      dataDir: '/var/lib/spire',
      socketPath: '/tmp/spire-agent/public/spire-agent.sock',
      trustBundlePath: '/run/spire/bundle/bundle.spiffe',
      trustBundleFormat: 'spiffe',
      logLevel: 'INFO',
      logFormat: 'text',
      nodeAttestor: { type: 'k8s_psat', cluster: 'c1', tokenPath: '/var/run/secrets/tokens/spire-agent' },
      keyManager: { type: 'memory' },
      kubelet: { verification: 'skip' },
      health: { port: 9982, livePath: '/live', readyPath: '/ready' },
    })).toBe(`agent {
  data_dir = "/var/lib/spire"
  log_level = "INFO"
  log_format = "text"
  server_address = "spire-server.spire-server.svc"
  server_port = "443"
  socket_path = "/tmp/spire-agent/public/spire-agent.sock"
  trust_bundle_path = "/run/spire/bundle/bundle.spiffe"
  trust_bundle_format = "spiffe"
  trust_domain = "td.example"
}

plugins {
  NodeAttestor "k8s_psat" {
    plugin_data {
      cluster = "c1"
      token_path = "/var/run/secrets/tokens/spire-agent"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "k8s" {
    plugin_data {
      skip_kubelet_verification = true
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "9982"
  live_path = "/live"
  ready_path = "/ready"
}
`);
  });

  test('apiServerCA verification reads the cluster CA and reaches the kubelet at the host IP', () => {
    const text = renderAgentConf({
      trustDomain: 'td.example', serverAddress: 's', serverPort: 443, dataDir: '/d', socketPath: '/s.sock',
      trustBundlePath: '/b', trustBundleFormat: 'spiffe', logLevel: 'DEBUG', logFormat: 'json', nodeAttestor: { type: 'k8s_psat', cluster: 'c1', tokenPath: '/t' }, keyManager: { type: 'memory' },
      kubelet: { verification: 'apiServerCA', caPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', addressEnv: 'KUBELET_ADDRESS' },
      health: { port: 9982, livePath: '/live', readyPath: '/ready' }, telemetry: { prometheusPort: 9988 },
    });
    expect(text).toContain('kubelet_ca_path = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"');
    expect(text).toContain('node_name_env = "KUBELET_ADDRESS"');
    expect(text).not.toContain('skip_kubelet_verification');
    expect(text).toMatchSnapshot();
  });
});

describe('renderControllerManagerConfig', () => {
  test('anchors ignored namespaces and enables leader election when asked', () => {
    const base = {
      trustDomain: 'td.example', clusterName: 'c1', clusterDomain: 'cluster.local', className: 'spire-c1', ignoreNamespaces: ['kube-system', 'a.b'],
      validatingWebhookConfigurationName: 'vwc', spireServerSocketPath: '/tmp/spire-server/private/api.sock', entryIDPrefix: 'c1',
      logLevel: 'info', metricsPort: 8082, healthPort: 8083, webhookPort: 9443,
      logEncoding: 'json' as const, watchClassless: false, reconcile: { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: true },
    };
    const single = renderControllerManagerConfig(base);
    expect(single).toContain('- ^kube-system$');
    expect(single).toContain('- ^a\\.b$');
    expect(single).toContain('leaderElect: false');
    expect(single).toMatchSnapshot();
    const ha = renderControllerManagerConfig({ ...base, leaderElection: { resourceName: 'spire-c1.spiffe.io', resourceNamespace: 'spire-server' } });
    expect(ha).toContain('leaderElect: true');
    expect(ha).toContain('resourceName: spire-c1.spiffe.io');
    expect(ha).toContain('clusterDomain: cluster.local');
  });

  test('every cluster tree\'s manager elects a leader and is told its cluster domain (replicas may grow)', () => {
    const files = renderEstate(defaultEstate);
    for (const tree of ['development/dev-euw1', 'staging/stg-euw1', 'production/prod-euw1']) {
      const config = parse(files.get(`${tree}/spire-server/configmap-spire-controller-manager.yaml`)!).data['controller-manager-config.yaml'];
      expect(parse(config)).toMatchObject({ leaderElection: { leaderElect: true }, clusterDomain: 'cluster.local' });
    }
    const custom = renderEstate(estateWith('staging', (env) => ({ ...env, clusters: [{ ...env.clusters[0], clusterDomain: 'stg.internal' }] })));
    const config = parse(parse(custom.get('staging/stg-euw1/spire-server/configmap-spire-controller-manager.yaml')!).data['controller-manager-config.yaml']);
    expect(config.clusterDomain).toBe('stg.internal');
    expect(parse(custom.get('staging/stg-euw1/clusterspiffeid-web-frontend.yaml')!).spec.dnsNameTemplates).toEqual(['web-frontend.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}']);
  });
});

describe('renderOidcConf', () => {
  test('gives exactly this HCL', () => {
    expect(renderOidcConf({
      domains: ['oidc.td.example'], jwtIssuer: 'https://oidc.td.example', trustDomain: 'td.example',
      socketPath: '/spiffe-workload-api/spire-agent.sock', httpPort: 8080, healthPort: 8008,
    })).toBe(`domains = ["oidc.td.example"]
jwt_issuer = "https://oidc.td.example"
log_level = "INFO"
insecure_addr = ":8080"

workload_api {
  socket_path = "/spiffe-workload-api/spire-agent.sock"
  trust_domain = "td.example"
}

health_checks {
  bind_port = "8008"
  live_path = "/live"
  ready_path = "/ready"
}
`);
  });
});
