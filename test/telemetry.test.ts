import { renderEstate } from '../lib/synth';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * monitoring.dogStatsd: the SPIRE server and the agents also send their metrics to DogStatsD listeners,
 * one `DogStatsd` block per listener in each `telemetry` block (spire pkg/common/telemetry/config.go,
 * FileConfig.DogStatsd), beside the Prometheus listener the monitors scrape.
 */

const sinks = [{ address: 'datadog.kube-system.svc:8125' }, { address: '10.0.0.7:9125' }];
const withSinks = (dogStatsd: { address: string }[]) => estateWith('staging', (env) => ({ ...env, monitoring: { ...env.monitoring, dogStatsd } }));

function configText(files: ReadonlyMap<string, string>, path: string, key: string): string {
  return find(files, path).data[key] as string;
}

describe('monitoring.dogStatsd', () => {
  const files = renderEstate(withSinks(sinks));

  test.each([
    ['server', 'staging/stg-euw1/spire-server/configmap-spire-server.yaml', 'server.conf'],
    ['agent', 'staging/stg-euw1/spire-system/configmap-spire-agent.yaml', 'agent.conf'],
  ])('the %s sends to every listener and still serves Prometheus', (_component, path, key) => {
    const text = configText(files, path, key);
    const telemetry = text.slice(text.indexOf('telemetry {'));
    expect(telemetry).toMatch(/Prometheus \{\n\s+host = "0.0.0.0"\n\s+port = \d+\n\s+\}/);
    expect(telemetry).toContain('DogStatsd {\n    address = "datadog.kube-system.svc:8125"\n  }');
    expect(telemetry).toContain('DogStatsd {\n    address = "10.0.0.7:9125"\n  }');
  });

  test('without listeners the telemetry block is Prometheus alone', () => {
    const text = configText(renderEstate(withSinks([])), 'staging/stg-euw1/spire-server/configmap-spire-server.yaml', 'server.conf');
    expect(text).not.toContain('DogStatsd');
    expect(text).toContain('Prometheus {');
  });

  test.each([
    ['udp://datadog:8125'],
    ['datadog.kube-system.svc'],
    ['datadog:0'],
    ['datadog:65536'],
    ['Datadog_Agent:8125'],
  ])('refuses the address %j, naming environment, field and fix', (address) => {
    expect(problemsOf(withSinks([{ address }]))).toEqual([
      expect.stringMatching(new RegExp(`^staging: environment "staging" monitoring\\.dogStatsd\\[0\\]\\.address: must be host:port .*got ${JSON.stringify(JSON.stringify(address)).slice(1, -1).replace(/[.]/g, '\\.')}; fix: write it like datadog\\.kube-system\\.svc:8125$`)),
    ]);
  });
});
