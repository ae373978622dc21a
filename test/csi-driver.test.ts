import { renderEstate } from '../lib/synth';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * agent.kubeletRootDir: the kubelet's --root-dir, under which the SPIFFE CSI driver registers its socket
 * (plugins_registry, plugins/<driver>) and bind-mounts volumes into pods (pods/). Every path of the
 * DaemonSet follows it; a path the kubelet could not mean is refused.
 */

const withRootDir = (kubeletRootDir: string | undefined) => estateWith('staging', (env) => ({ ...env, agent: { ...env.agent, kubeletRootDir } }));
const daemonSet = (files: ReadonlyMap<string, string>) => find(files, 'staging/stg-euw1/spire-system/daemonset-spiffe-csi-driver.yaml').spec.template.spec;

function kubeletPaths(spec: any): string[] {
  const hostPaths = spec.volumes.map((volume: any) => volume.hostPath?.path).filter(Boolean);
  const mounts = spec.containers.flatMap((container: any) => container.volumeMounts.map((mount: any) => mount.mountPath));
  const args = spec.containers.flatMap((container: any) => container.args ?? []);
  return [...hostPaths, ...mounts, ...args].filter((text: string) => /kubelet/.test(text)).sort();
}

describe('agent.kubeletRootDir', () => {
  test('every kubelet path of the CSI driver moves under it, and none stays under /var/lib/kubelet', () => {
    const paths = kubeletPaths(daemonSet(renderEstate(withRootDir('/var/lib/k0s/kubelet'))));
    expect(paths).toEqual(expect.arrayContaining([
      '/var/lib/k0s/kubelet/pods',
      '/var/lib/k0s/kubelet/plugins_registry',
      '/var/lib/k0s/kubelet/plugins/csi.spiffe.io',
      '/var/lib/k0s/kubelet/plugins/csi.spiffe.io/csi.sock',
    ]));
    expect(paths.filter((path) => path.startsWith('/var/lib/kubelet'))).toEqual([]);
  });

  test('without it the driver uses /var/lib/kubelet', () => {
    const paths = kubeletPaths(daemonSet(renderEstate(withRootDir(undefined))));
    expect(paths).toContain('/var/lib/kubelet/pods');
    expect(paths.filter((path) => path.includes('k0s'))).toEqual([]);
  });

  test.each(['var/lib/kubelet', '/var/lib/kubelet/', '/var/lib/../kubelet', '/', '/var/lib/kube let'])('refuses %j, naming the field and the fix', (dir) => {
    expect(problemsOf(withRootDir(dir))).toEqual([
      expect.stringMatching(/^staging: DaemonSet "spiffe-csi-driver" agent\.kubeletRootDir: must be an absolute, normalized directory without a trailing slash, got .*; fix: write the kubelet's --root-dir, like \/var\/lib\/k0s\/kubelet$/),
    ]);
  });
});
