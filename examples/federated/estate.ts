import { environment } from '../../lib/config/presets';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * Topology `federated`: three clusters in three regions, each its own trust domain
 * (eu.mesh.example.org, us.mesh.example.org, ap.mesh.example.org) with its own CA and datastore. The
 * clusters federate pairwise through their bundle endpoints (`bundleEndpoint`), and every identity
 * receives the other clusters' bundles without listing them. A federation whose partner's first bundle
 * is not committed yet (federation/<trust domain>.bundle.json, written by
 * `spire-gitops federation fetch-bundle`) is left out of the trees and listed as pending in the inventory.
 */

export const estate: EstateConfig = {
  repository: { url: 'https://git.example.org/platform/spire.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example:platform-admins'], operator: ['example:platform-oncall'], viewer: ['example:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [
    environment({
      name: 'mesh',
      preset: 'staging',
      trustDomain: 'mesh.example.org',
      topology: { type: 'federated', trustDomainTemplate: '{cluster}.{trustDomain}' },
      // Metrics also go to the Datadog agent's DogStatsD Service, beside the Prometheus listener.
      monitoring: { dogStatsd: [{ address: 'datadog-agent.datadog.svc:8125' }] },
      clusters: [
        { name: 'eu', region: 'region-eu', apiServer: 'https://eu.k8s.example.org', bundleEndpoint: 'spire-bundle.eu.example.org' },
        { name: 'us', region: 'region-us', apiServer: 'https://us.k8s.example.org', bundleEndpoint: 'spire-bundle.us.example.org' },
        { name: 'ap', region: 'region-ap', apiServer: 'https://ap.k8s.example.org', bundleEndpoint: 'spire-bundle.ap.example.org' },
      ],
      identities: [{
        name: 'checkout',
        spiffeIDTemplate: namespaceServiceAccountId(),
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
        workloadSelectorTemplates: ['k8s:sa:checkout'],
        ttl: '1h',
        admin: false,
      }],
    }),
  ],
};
