import { DEFAULT_IMAGES, ImageRef, SPIRE_SERVER_BIN, catalogueImages, containerCommand, effectiveArgv, imageString } from '../lib/config/versions';
import { defaultFiles, manifests } from './helpers/estate';

const byImage = new Map<string, ImageRef>(catalogueImages(DEFAULT_IMAGES).map(([, image]) => [imageString(image), image]));

interface Run { readonly where: string; readonly container: string; readonly argv: string[] }

/** What every container of the default estate executes, resolved against its image's ENTRYPOINT and CMD. */
function runs(): Run[] {
  const result: Run[] = [];
  for (const { path, object } of manifests(defaultFiles())) {
    const pod = object.spec?.template?.spec;
    if (!pod) continue;
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      const image = byImage.get(container.image);
      if (!image) throw new Error(`${path}: container ${container.name} runs ${container.image}, which is not in the image catalogue`);
      result.push({ where: `${path} ${container.name}`, container: container.name, argv: effectiveArgv(image, container.command, container.args) });
    }
  }
  return result;
}

describe('container command lines', () => {
  test('containerCommand gives only args when the command line starts with the ENTRYPOINT', () => {
    expect(containerCommand(DEFAULT_IMAGES.spireServer, [SPIRE_SERVER_BIN, 'run', '-config', 'x'])).toStrictEqual({ args: ['-config', 'x'] });
    expect(containerCommand(DEFAULT_IMAGES.spireServer, [SPIRE_SERVER_BIN, 'validate', '-config', 'x']))
      .toStrictEqual({ command: [SPIRE_SERVER_BIN], args: ['validate', '-config', 'x'] });
    expect(containerCommand(DEFAULT_IMAGES.healthProbe, ['/bin/sh', '-c', 'true'])).toStrictEqual({ command: ['/bin/sh'], args: ['-c', 'true'] });
  });

  test('effectiveArgv resolves args against the ENTRYPOINT, and CMD when nothing is given', () => {
    expect(effectiveArgv(DEFAULT_IMAGES.spireServer, undefined, ['validate'])).toEqual([SPIRE_SERVER_BIN, 'run', 'validate']);
    expect(effectiveArgv(DEFAULT_IMAGES.healthProbe, undefined, undefined)).toEqual(['sh']);
  });

  test('the PreSync Job runs spire-server validate, not spire-server run validate', () => {
    const validate = runs().filter((run) => run.container === 'validate');
    expect(validate.length).toBeGreaterThan(0);
    for (const run of validate) {
      expect({ where: run.where, argv: run.argv }).toEqual({
        where: run.where,
        argv: [SPIRE_SERVER_BIN, 'validate', ...run.argv.slice(2)],
      });
      expect(run.argv.slice(2)).toEqual(expect.arrayContaining(['-config', '/run/spire/validate/server.conf']));
    }
  });

  test('every SPIRE binary gets exactly one subcommand followed by flags only', () => {
    const subcommands: Record<string, string[]> = {
      [SPIRE_SERVER_BIN]: ['run', 'validate', 'healthcheck'],
      '/opt/spire/bin/spire-agent': ['run', 'api', 'healthcheck', 'validate'],
    };
    const problems: string[] = [];
    for (const run of runs()) {
      const allowed = subcommands[run.argv[0]];
      if (!allowed) continue;
      if (!allowed.includes(run.argv[1])) problems.push(`${run.where}: ${run.argv.join(' ')}: unknown subcommand`);
      // `api` takes one more word (api watch, api fetch); everything after it is a flag or a flag's value.
      const flagsFrom = run.argv[1] === 'api' ? 3 : 2;
      if (run.argv.length > flagsFrom && !run.argv[flagsFrom].startsWith('-')) problems.push(`${run.where}: ${run.argv.join(' ')}: a second subcommand`);
    }
    expect(problems).toEqual([]);
  });

  test('the server, agent, manager, CSI and OIDC containers run their own binaries', () => {
    const first = new Map(runs().map((run) => [run.container, run.argv.slice(0, 2).join(' ')]));
    expect(first.get('spire-server')).toBe(`${SPIRE_SERVER_BIN} run`);
    expect(first.get('spire-agent')).toBe('/opt/spire/bin/spire-agent run');
    expect(first.get('spire-controller-manager')).toMatch(/^\/spire-controller-manager --config=/);
    expect(first.get('spiffe-csi-driver')).toMatch(/^\/spiffe-csi-driver -workload-api-socket-dir$/);
    expect(first.get('node-driver-registrar')).toMatch(/^\/csi-node-driver-registrar -csi-address$/);
    expect(first.get('spiffe-oidc-discovery-provider')).toBe('/opt/spire/bin/oidc-discovery-provider -config');
    expect(first.get('check')).toBe('/bin/sh -c');
  });
});
