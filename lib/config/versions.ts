/**
 * Every container image the estate runs, in one place. Digests are OCI index digests (multi-arch) of the
 * upstream releases; re-verify them against the registry when upgrading (`crane digest IMAGE:TAG`).
 */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
  /** `sha256:...`; environments with `requireImageDigests` refuse an image without one. */
  readonly digest?: string;
}

export function imageString(image: ImageRef): string {
  return image.digest ? `${image.repository}:${image.tag}@${image.digest}` : `${image.repository}:${image.tag}`;
}

export const SPIRE_VERSION = '1.15.2';
export const CONTROLLER_MANAGER_VERSION = '0.7.0';
/** The upstream spire-crds Helm chart whose CRDs match controller manager 0.7.0. */
export const SPIRE_CRDS_CHART = {
  repoURL: 'https://spiffe.github.io/helm-charts-hardened/',
  chart: 'spire-crds',
  version: '0.6.0',
} as const;

export interface ImageCatalogue {
  readonly spireServer: ImageRef;
  readonly spireAgent: ImageRef;
  readonly controllerManager: ImageRef;
  readonly csiDriver: ImageRef;
  readonly csiNodeDriverRegistrar: ImageRef;
  readonly oidcDiscoveryProvider: ImageRef;
  /** Small image with `wget`, used by the PostSync health check hook. */
  readonly healthProbe: ImageRef;
}

export const DEFAULT_IMAGES: ImageCatalogue = {
  spireServer: {
    repository: 'ghcr.io/spiffe/spire-server',
    tag: SPIRE_VERSION,
    digest: 'sha256:aa74ef1be86bc8e0684007d84a4d9859d294384d842c30425048d73429f3216e',
  },
  spireAgent: {
    repository: 'ghcr.io/spiffe/spire-agent',
    tag: SPIRE_VERSION,
    digest: 'sha256:1d042e4040466686e0ee46f74981ff2167c86adfadca19b3835946f4d6047536',
  },
  controllerManager: {
    repository: 'ghcr.io/spiffe/spire-controller-manager',
    tag: CONTROLLER_MANAGER_VERSION,
    digest: 'sha256:d7b9e710f5428ea25daa35a07083fe517ed70c23df902d21c54a0f444455a84b',
  },
  csiDriver: {
    repository: 'ghcr.io/spiffe/spiffe-csi-driver',
    tag: '0.2.13',
    digest: 'sha256:6f1ba5d635ba9bf55ae69ba11d71bf169c8fa3e0139a5063738cbc227c8b5546',
  },
  csiNodeDriverRegistrar: {
    repository: 'registry.k8s.io/sig-storage/csi-node-driver-registrar',
    tag: 'v2.15.0',
    digest: 'sha256:11f199f6bec47403b03cb49c79a41f445884b213b382582a60710b8c6fdc316a',
  },
  // No verified digest is recorded for these two yet: environments that require digests refuse them
  // until one is added here.
  oidcDiscoveryProvider: { repository: 'ghcr.io/spiffe/oidc-discovery-provider', tag: SPIRE_VERSION },
  healthProbe: { repository: 'docker.io/library/busybox', tag: '1.37.0-uclibc' },
};
