import { load } from 'js-yaml';
import { CONTROLLER_MANAGER, DEFAULT_CLUSTER_DOMAIN, SPIRE_SERVER } from '../config/spire-facts';

/*
 * What one synthesized estate promises, per cluster, read from the files synth renders (the objects that
 * are deployed) plus the few estate fields that never reach a manifest (production, identity policy).
 * Both sides of a plan are read this way, whatever code version rendered them.
 */

/** The estate fields a plan reads; any version of EstateConfig has them. */
export interface EstateLike {
  readonly environments: readonly {
    readonly name: string;
    readonly production?: boolean;
    readonly trustDomain: string;
    readonly clusters: readonly { readonly name: string; readonly region?: string; readonly apiServer?: string }[];
    readonly identityPolicy?: unknown;
    readonly server?: { readonly ignoreNamespaces?: readonly string[] };
    /** A nested root's management cluster is a tree of its own (its registrations and the root server's facts). */
    readonly topology?: unknown;
  }[];
}

export interface ServerFacts {
  readonly trustDomain?: string;
  readonly caKeyType?: string;
  readonly defaultX509SvidTtl?: string;
  readonly defaultJwtSvidTtl?: string;
  readonly datastoreType?: string;
  readonly keyManager?: string;
  readonly bundleEndpointProfile?: string;
  /** The server StatefulSet's immutable fields. */
  readonly statefulSetServiceName?: string;
  readonly volumeClaimTemplates?: readonly unknown[];
}

export interface ClusterSnapshot {
  readonly environment: string;
  readonly cluster: string;
  readonly production: boolean;
  readonly trustDomain: string;
  readonly region?: string;
  readonly apiServer?: string;
  /** The controller manager's config, as it reads it (`className`, `watchClassless`, `ignoreNamespaces` regexes). */
  readonly className: string;
  readonly watchClassless: boolean;
  readonly ignoreNamespaces: readonly string[];
  readonly clusterName: string;
  readonly clusterDomain: string;
  readonly entryIDPrefix?: string;
  readonly policy: unknown;
  /** ClusterSPIFFEID specs by name. */
  readonly identities: ReadonlyMap<string, any>;
  readonly federations: ReadonlyMap<string, any>;
  readonly staticEntries: ReadonlyMap<string, any>;
  readonly server: ServerFacts;
}

export interface EstateSnapshot {
  readonly clusters: readonly ClusterSnapshot[];
}

function quoted(text: string | undefined, pattern: RegExp): string | undefined {
  return text === undefined ? undefined : pattern.exec(text)?.[1];
}

/** Reads the snapshot of every cluster tree of a rendered estate. */
export function snapshotEstate(estate: EstateLike, files: ReadonlyMap<string, string>): EstateSnapshot {
  const clusters: ClusterSnapshot[] = [];
  for (const environment of estate.environments) {
    const management = (environment.topology as { root?: { managementCluster?: EstateLike['environments'][number]['clusters'][number] } } | undefined)?.root?.managementCluster;
    for (const cluster of [...(management ? [management] : []), ...environment.clusters]) {
      const prefix = `${environment.name}/${cluster.name}/`;
      const objects: any[] = [];
      for (const [path, content] of files) {
        if (!path.startsWith(prefix) || !path.endsWith('.yaml') || path.endsWith('kustomization.yaml')) continue;
        const object = load(content) as any;
        if (object && typeof object === 'object') objects.push(object);
      }
      const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
      const named = (kind: string) => new Map(byKind(kind).map((object) => [String(object.metadata.name), object.spec ?? {}]));
      const managerConfigText = byKind('ConfigMap').map((object) => object.data?.[CONTROLLER_MANAGER.configFile]).find((text) => text !== undefined);
      const manager = managerConfigText ? load(managerConfigText) as any : {};
      const serverConf: string | undefined = byKind('ConfigMap').map((object) => object.data?.[SPIRE_SERVER.configFile]).find((text) => text !== undefined);
      const statefulSet = byKind('StatefulSet').find((object) => /spire-server/.test(object.metadata.name));
      clusters.push({
        environment: environment.name,
        cluster: cluster.name,
        production: environment.production === true,
        // The tree's own: in a federated topology each cluster issues a trust domain of its own.
        trustDomain: manager.trustDomain ?? environment.trustDomain,
        region: cluster.region,
        apiServer: cluster.apiServer,
        className: manager.className ?? '',
        watchClassless: manager.watchClassless === true,
        ignoreNamespaces: manager.ignoreNamespaces ?? [],
        clusterName: manager.clusterName ?? cluster.name,
        // The manager's default (api/v1alpha1 ControllerManagerConfig: clusterDomain is optional and empty
        // unless set); the project's templates and the example pods assume cluster.local.
        clusterDomain: manager.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
        entryIDPrefix: manager.entryIDPrefix,
        policy: environment.identityPolicy ?? {},
        identities: named('ClusterSPIFFEID'),
        federations: named('ClusterFederatedTrustDomain'),
        staticEntries: named('ClusterStaticEntry'),
        server: {
          trustDomain: quoted(serverConf, /\btrust_domain = "([^"]*)"/),
          caKeyType: quoted(serverConf, /\bca_key_type = "([^"]*)"/),
          defaultX509SvidTtl: quoted(serverConf, /\bdefault_x509_svid_ttl = "([^"]*)"/),
          defaultJwtSvidTtl: quoted(serverConf, /\bdefault_jwt_svid_ttl = "([^"]*)"/),
          datastoreType: quoted(serverConf, /\bdatabase_type = "([^"]*)"/),
          keyManager: quoted(serverConf, /\bKeyManager "([^"]*)"/),
          bundleEndpointProfile: quoted(serverConf, /bundle_endpoint \{[^}]*profile "([^"]*)"/),
          statefulSetServiceName: statefulSet?.spec?.serviceName,
          volumeClaimTemplates: (statefulSet?.spec?.volumeClaimTemplates ?? []).map((template: any) => ({ name: template.metadata?.name, spec: template.spec })),
        },
      });
    }
  }
  return { clusters };
}
