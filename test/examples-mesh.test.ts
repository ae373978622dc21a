import { estate } from '../examples/mesh/estate';
import { renderEstate } from '../lib/synth';
import { find } from './helpers/estate';

/* examples/mesh synthesizes as it is, into the trees its README names. */

describe('examples/mesh', () => {
  const files = renderEstate(estate);

  test('synthesizes one cluster tree with the mesh parts, and the Argo CD trees', () => {
    const roots = new Set([...files.keys()].map((path) => path.split('/').slice(0, path.startsWith('staging/') ? 2 : 1).join('/')));
    expect([...roots].sort()).toEqual(['README.md', 'argocd', 'argocd-bootstrap', 'staging/mesh-a']);
    expect(files.has('staging/mesh-a/clusterspiffeid-istio-mesh.yaml')).toBe(true);
    expect(files.has('staging/mesh-a/spire-system/configmap-spire-istio-values.yaml')).toBe(true);
  });

  test('lists the mesh files in the tree\'s kustomization', () => {
    const kustomization = files.get('staging/mesh-a/kustomization.yaml')!;
    expect(kustomization).toContain('clusterspiffeid-istio-mesh.yaml');
    expect(kustomization).toContain('spire-system/configmap-spire-istio-values.yaml');
  });
});

describe('examples/mesh agent options', () => {
  const conf: string = find(renderEstate(estate), 'staging/mesh-a/spire-system/configmap-spire-agent.yaml').data['agent.conf'];

  test('verifies the kubelet by its host certificate, attests by pod alone, runs the unix attestor and rebootstraps, as its README says', () => {
    expect(conf).toContain('disable_container_selectors = true');
    expect(conf).toContain('kubelet_ca_path = "/run/spire/kubelet-serving-cert/kubelet.crt"');
    expect(conf).toContain('WorkloadAttestor "unix"');
    expect(conf).toContain('rebootstrap_mode = "auto"');
    expect(conf).toContain('rebootstrap_delay = "10m"');
  });
});
