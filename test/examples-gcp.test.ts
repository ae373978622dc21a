import { parse } from 'yaml';
import { renderEstate } from '../lib/synth';
import { estate } from '../examples/gcp/estate';

/*
 * examples/gcp synthesizes, and its SPIRE configs are what the README describes: a snapshot of server.conf
 * and agent.conf (the e2e config level runs the real spire-server and spire-agent validate on them).
 */

const files = renderEstate(estate);
const cluster = `${estate.environments[0].name}/${estate.environments[0].clusters[0].name}`;

function configMapData(path: string, key: string): string {
  const text = files.get(`${cluster}/${path}`);
  if (text === undefined) throw new Error(`no file ${cluster}/${path}`);
  return parse(text, { version: '1.1' }).data[key];
}

describe('examples/gcp', () => {
  test('server.conf', () => {
    expect(configMapData('spire-server/configmap-spire-server.yaml', 'server.conf')).toMatchSnapshot();
  });

  test('agent.conf', () => {
    expect(configMapData('spire-system/configmap-spire-agent.yaml', 'agent.conf')).toMatchSnapshot();
  });
});
