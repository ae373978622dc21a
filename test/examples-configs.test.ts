import { parse } from 'yaml';
import { renderEstate } from '../lib/synth';
import { EstateConfig } from '../lib/config/types';
import { estate as azure } from '../examples/azure/estate';
import { estate as gcp } from '../examples/gcp/estate';

/*
 * The cloud examples synthesize, and their SPIRE configs are what their READMEs describe: a snapshot of
 * server.conf and agent.conf of each (the e2e examples level runs the real spire-server and spire-agent on
 * them).
 */

describe.each<[string, EstateConfig]>([['azure', azure], ['gcp', gcp]])('examples/%s', (_name, estate) => {
  const files = renderEstate(estate);
  const cluster = `${estate.environments[0].name}/${estate.environments[0].clusters[0].name}`;

  function configMapData(path: string, key: string): string {
    const text = files.get(`${cluster}/${path}`);
    if (text === undefined) throw new Error(`no file ${cluster}/${path}`);
    return parse(text, { version: '1.1' }).data[key];
  }

  test('server.conf', () => {
    expect(configMapData('spire-server/configmap-spire-server.yaml', 'server.conf')).toMatchSnapshot();
  });

  test('agent.conf', () => {
    expect(configMapData('spire-system/configmap-spire-agent.yaml', 'agent.conf')).toMatchSnapshot();
  });
});
