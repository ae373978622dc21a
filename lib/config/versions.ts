import {
  CONTROLLER_MANAGER_BIN, CSI_DRIVER_BIN, CSI_NODE_DRIVER_REGISTRAR_BIN, OIDC_DISCOVERY_PROVIDER_BIN, SPIRE_AGENT_BIN, SPIRE_SERVER_BIN,
} from './spire-facts';
import { ImageCatalogue, ImageRef } from './types';

/*
 * Every container image the estate runs, in one place (ImageRef and ImageCatalogue are described in
 * lib/config/schema.ts). Digests are OCI index digests (multi-arch) of the upstream releases; re-verify
 * them against the registry when upgrading (`crane digest IMAGE:TAG`).
 */

export type { ImageCatalogue, ImageRef };

/** The catalogue's images by name (its other fields say how they are pulled). */
export const IMAGE_NAMES = [
  'spireServer', 'spireAgent', 'controllerManager', 'csiDriver', 'csiNodeDriverRegistrar', 'oidcDiscoveryProvider', 'healthProbe',
] as const satisfies readonly (keyof ImageCatalogue)[];

/** Every image of the catalogue, by name, in the catalogue's order. */
export function catalogueImages(catalogue: ImageCatalogue): [typeof IMAGE_NAMES[number], ImageRef][] {
  return IMAGE_NAMES.map((name) => [name, catalogue[name]]);
}

export function imageString(image: ImageRef): string {
  return image.digest ? `${image.repository}:${image.tag}@${image.digest}` : `${image.repository}:${image.tag}`;
}

/** The `command`/`args` pair of a container spec. */
export interface ContainerCommand {
  readonly command?: string[];
  readonly args: string[];
}

/**
 * The container `command`/`args` that make the container run exactly `argv` in `image`. When `argv`
 * starts with the image's ENTRYPOINT only the rest is given as `args`; otherwise the ENTRYPOINT is
 * replaced. Giving `args` alone to an image whose ENTRYPOINT already names a subcommand (spire-server's
 * is `spire-server run`) would append them to it, so no container spells its command by hand.
 */
export function containerCommand(image: ImageRef, argv: readonly string[]): ContainerCommand {
  if (argv.length === 0) throw new Error(`empty command line for ${image.repository}`);
  const entrypoint = image.entrypoint;
  const startsWithEntrypoint = entrypoint.length > 0 && entrypoint.every((part, index) => argv[index] === part);
  if (startsWithEntrypoint) return { args: argv.slice(entrypoint.length) };
  return { command: [argv[0]], args: argv.slice(1) };
}

/** What a container with this `command` and `args` executes in `image`, as the container runtime resolves it. */
export function effectiveArgv(image: ImageRef, command: readonly string[] | undefined, args: readonly string[] | undefined): string[] {
  if (command !== undefined && command.length > 0) return [...command, ...(args ?? [])];
  return [...image.entrypoint, ...(args !== undefined && args.length > 0 ? args : image.cmd)];
}

export const SPIRE_VERSION = '1.15.2';
/** Paths of the SPIRE binaries inside their images: their one home is lib/config/spire-facts.ts. */
export { SPIRE_AGENT_BIN, SPIRE_SERVER_BIN } from './spire-facts';
export const CONTROLLER_MANAGER_VERSION = '0.7.0';
/** The upstream spire-crds Helm chart whose CRDs match controller manager 0.7.0. */
export const SPIRE_CRDS_CHART = {
  repoURL: 'https://spiffe.github.io/helm-charts-hardened/',
  chart: 'spire-crds',
  version: '0.6.0',
} as const;

export const DEFAULT_IMAGES: ImageCatalogue = {
  spireServer: {
    repository: 'ghcr.io/spiffe/spire-server',
    tag: SPIRE_VERSION,
    digest: 'sha256:aa74ef1be86bc8e0684007d84a4d9859d294384d842c30425048d73429f3216e',
    // spiffe/spire v1.15.2 Dockerfile, stage spire-server.
    entrypoint: [SPIRE_SERVER_BIN, 'run'],
    cmd: [],
  },
  spireAgent: {
    repository: 'ghcr.io/spiffe/spire-agent',
    tag: SPIRE_VERSION,
    digest: 'sha256:1d042e4040466686e0ee46f74981ff2167c86adfadca19b3835946f4d6047536',
    // spiffe/spire v1.15.2 Dockerfile, stage spire-agent.
    entrypoint: [SPIRE_AGENT_BIN, 'run'],
    cmd: [],
  },
  controllerManager: {
    repository: 'ghcr.io/spiffe/spire-controller-manager',
    tag: CONTROLLER_MANAGER_VERSION,
    digest: 'sha256:d7b9e710f5428ea25daa35a07083fe517ed70c23df902d21c54a0f444455a84b',
    // spiffe/spire-controller-manager v0.7.0 Dockerfile.
    entrypoint: [CONTROLLER_MANAGER_BIN],
    cmd: [],
  },
  csiDriver: {
    repository: 'ghcr.io/spiffe/spiffe-csi-driver',
    tag: '0.2.13',
    digest: 'sha256:6f1ba5d635ba9bf55ae69ba11d71bf169c8fa3e0139a5063738cbc227c8b5546',
    // spiffe/spiffe-csi Dockerfile, stage spiffe-csi-driver.
    entrypoint: [CSI_DRIVER_BIN],
    cmd: [],
  },
  csiNodeDriverRegistrar: {
    repository: 'registry.k8s.io/sig-storage/csi-node-driver-registrar',
    tag: 'v2.15.0',
    digest: 'sha256:11f199f6bec47403b03cb49c79a41f445884b213b382582a60710b8c6fdc316a',
    // kubernetes-csi/node-driver-registrar Dockerfile.
    entrypoint: [CSI_NODE_DRIVER_REGISTRAR_BIN],
    cmd: [],
  },
  // No verified digest is recorded for these two yet: environments that require digests refuse them
  // until one is added here.
  oidcDiscoveryProvider: {
    repository: 'ghcr.io/spiffe/oidc-discovery-provider',
    tag: SPIRE_VERSION,
    // spiffe/spire v1.15.2 Dockerfile, stage oidc-discovery-provider.
    entrypoint: [OIDC_DISCOVERY_PROVIDER_BIN],
    cmd: [],
  },
  // The official busybox image has no ENTRYPOINT and CMD ["sh"].
  healthProbe: { repository: 'docker.io/library/busybox', tag: '1.37.0-uclibc', entrypoint: [], cmd: ['sh'] },
};
