import { estate } from '../examples/mesh/estate';
import { renderEstate } from '../lib/synth';

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
