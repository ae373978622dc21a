import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { addChecks } from '../build/checks';
import { serverConf } from '../build/spire-configs';
import { ViolationDetails } from '../config/violation';
import { ResolvedCertificate, ResolvedCluster, ResolvedExposedPort } from '../resolve/model';

export interface SpireExposureProps {
  /** The cluster's resolved model: `exposure` says what is reached from outside and how. */
  readonly resolved: ResolvedCluster;
}

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const CERT_MANAGER = 'cert-manager.io/v1';

/**
 * What makes SPIRE reachable from outside its cluster, from the resolved model's `exposure`:
 * - the bundle endpoint and the server's gRPC, which SPIRE serves over TLS itself: a TLSRoute (the
 *   Gateway passes TLS through, routing by SNI) or a LoadBalancer Service on port 443;
 * - the OIDC discovery provider, which serves plain HTTP: an Ingress or an HTTPRoute on a Gateway,
 *   either terminating TLS with the Certificate's Secret;
 * - a cert-manager Certificate for each host that needs a Web PKI certificate. Its key is created by
 *   cert-manager in a Secret of the component's namespace and never leaves the cluster.
 */
export class SpireExposure extends Construct {
  constructor(scope: Construct, id: string, props: SpireExposureProps) {
    super(scope, id);
    const { resolved } = props;
    const { bundleEndpoint, serverGrpc, oidcDiscovery } = resolved.exposure;

    if (bundleEndpoint) {
      if (bundleEndpoint.certificate) this.certificate('BundleEndpointCertificate', bundleEndpoint.certificate, bundleEndpoint.labels);
      this.passthrough('BundleEndpoint', bundleEndpoint);
    }
    if (serverGrpc) this.passthrough('ServerGrpc', serverGrpc);
    if (oidcDiscovery) {
      this.certificate('OidcCertificate', oidcDiscovery.certificate, oidcDiscovery.labels);
      this.terminated('Oidc', oidcDiscovery, oidcDiscovery.certificate);
    }

    addChecks(this, resolved, () => publicIssuerProblems(resolved));
  }

  /**
   * A Certificate as a PreSync hook in hook wave -1, like the datastore's ExternalSecrets: on the first
   * sync Argo CD creates it before the validation Job and the server, both of which read its Secret, and
   * waits until it is Ready (argo-cd resource_customizations/cert-manager.io/Certificate/health.lua).
   * Re-created on a later sync, it finds its Secret current and issues nothing (cert-manager issues when
   * the Secret is missing, expiring or no longer matches the spec).
   */
  private certificate(id: string, certificate: ResolvedCertificate, labels: Record<string, string>): void {
    new ApiObject(this, id, {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: {
        name: certificate.name,
        namespace: certificate.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'PreSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          'argocd.argoproj.io/sync-wave': '-1',
        },
      },
      spec: {
        secretName: certificate.secretName,
        dnsNames: [...certificate.dnsNames],
        issuerRef: { group: 'cert-manager.io', kind: certificate.issuer.kind, name: certificate.issuer.name },
        // A fresh key with every renewal: a key that leaked stops being trusted with the certificate it served.
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    });
  }

  /** TLS that SPIRE terminates itself: a TLSRoute to the ClusterIP Service, or a LoadBalancer Service. */
  private passthrough(id: string, port: ResolvedExposedPort): void {
    const { route, backend } = port;
    if (route.via === 'gateway') {
      new ApiObject(this, id, {
        apiVersion: GATEWAY_API,
        kind: 'TLSRoute',
        metadata: { name: port.name, namespace: port.namespace, labels: port.labels },
        spec: {
          parentRefs: [{ name: route.gateway.name, namespace: route.gateway.namespace, ...(route.gateway.sectionName ? { sectionName: route.gateway.sectionName } : {}) }],
          hostnames: [...port.hosts],
          rules: [{ backendRefs: [{ name: backend.serviceName, port: backend.servicePort }] }],
        },
      });
    } else if (route.via === 'loadBalancer') {
      new k8s.KubeService(this, id, {
        metadata: { name: port.name, namespace: port.namespace, labels: port.labels, ...(route.annotations ? { annotations: { ...route.annotations } } : {}) },
        spec: {
          type: 'LoadBalancer',
          selector: port.selector,
          ports: [{ name: backend.targetPortName, port: port.externalPort, targetPort: k8s.IntOrString.fromString(backend.targetPortName), protocol: 'TCP' }],
          ...(route.sourceRanges ? { loadBalancerSourceRanges: [...route.sourceRanges] } : {}),
        },
      });
    }
    // via ingress is refused for TLS that SPIRE terminates (lib/config/exposure.ts).
  }

  /** Plain HTTP behind TLS the Ingress or the Gateway terminates with the Certificate's Secret. */
  private terminated(id: string, port: ResolvedExposedPort, certificate: ResolvedCertificate): void {
    const { route, backend } = port;
    if (route.via === 'ingress') {
      new k8s.KubeIngress(this, id, {
        metadata: { name: port.name, namespace: port.namespace, labels: port.labels },
        spec: {
          ingressClassName: route.className,
          tls: [{ hosts: [...port.hosts], secretName: certificate.secretName }],
          rules: port.hosts.map((host) => ({
            host,
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend.serviceName, port: { number: backend.servicePort } } } }],
            },
          })),
        },
      });
    } else if (route.via === 'gateway') {
      new ApiObject(this, id, {
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        metadata: { name: port.name, namespace: port.namespace, labels: port.labels },
        spec: {
          parentRefs: [{ name: route.gateway.name, namespace: route.gateway.namespace, ...(route.gateway.sectionName ? { sectionName: route.gateway.sectionName } : {}) }],
          hostnames: [...port.hosts],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: backend.serviceName, port: backend.servicePort }] }],
        },
      });
      // The Gateway's HTTPS listener for these hosts names the Certificate's Secret in its certificateRefs;
      // a Secret in another namespace than the Gateway's needs this grant (Gateway API ReferenceGrant).
      new ApiObject(this, `${id}ReferenceGrant`, {
        apiVersion: GATEWAY_API,
        kind: 'ReferenceGrant',
        metadata: { name: `${port.name}-tls`, namespace: port.namespace, labels: port.labels },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: route.gateway.namespace }],
          to: [{ group: '', kind: 'Secret', name: certificate.secretName }],
        },
      });
    }
  }
}

/**
 * Relying parties fetch the discovery document from the exposed host and compare its issuer with the
 * tokens' `iss`: the provider's domains must be exactly the exposed hosts, and the server's jwt_issuer
 * (read from the server.conf the tree ships) exactly the public issuer URL.
 */
export function publicIssuerProblems(resolved: ResolvedCluster): ViolationDetails[] {
  const exposed = resolved.exposure.oidcDiscovery;
  const provider = resolved.oidcDiscovery;
  if (!exposed || !provider) return [];
  const problems: ViolationDetails[] = [];
  const jwtIssuer = /^\s*jwt_issuer = "([^"]*)"/m.exec(serverConf(resolved))?.[1];
  if (jwtIssuer !== exposed.issuerUrl) {
    problems.push({
      resource: 'SpireServer "spire-server"', field: 'server.conf jwt_issuer', value: jwtIssuer ?? null,
      rule: `must be the OIDC provider's public issuer URL ${exposed.issuerUrl}, or relying parties reject every JWT-SVID`,
      fix: 'derive the server\'s jwtIssuer from the first of oidcDiscovery.domains in lib/resolve/resolve.ts',
    });
  }
  if (provider.jwtIssuer !== exposed.issuerUrl) {
    problems.push({
      resource: `Deployment "${provider.name}"`, field: 'jwt_issuer', value: provider.jwtIssuer,
      rule: `must be the public issuer URL ${exposed.issuerUrl}`, fix: 'derive both issuers from the first of oidcDiscovery.domains in lib/resolve/resolve.ts',
    });
  }
  if (JSON.stringify([...provider.domains]) !== JSON.stringify([...exposed.hosts])) {
    problems.push({
      resource: `Deployment "${provider.name}"`, field: 'domains', value: provider.domains,
      rule: `must equal the exposed host names ${JSON.stringify(exposed.hosts)}: the provider refuses requests for any other host`,
      fix: 'expose the provider on oidcDiscovery.domains (lib/resolve/resolve.ts resolveExposure)',
    });
  }
  return problems;
}
